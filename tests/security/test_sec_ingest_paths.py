"""RDF files ingested without --graph never publish the ingesting machine's paths (issue 15, privacy).

The store is what the public endpoint, the downloads and ``pmkg export``
serve. A graph named by the file's ``file:`` IRI, or relative IRIs resolved
against it, would show ``file:///home/someone/data/...`` to everyone. Real
stores on disk, the real ``pmkg`` command line (click's runner) and the real
bulk loader.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner

from kg.cli import main
from kg.ingest import ingest
from kg.store import Store

FILES = "https://w3id.org/pmkg/graph/file/"
TURTLE = """@prefix ex: <https://example.org/ns#> .
<officer/1> ex:name "A. Constable" ; ex:memberOf <#force> ; ex:source <> .
<#force> ex:label "A force" .
"""
TRIG = """@prefix ex: <https://example.org/ns#> .
<case/9> ex:about <officer/1> .
<named> { <officer/1> ex:seenIn <> . }
"""


def private_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "home" / "someone" / "secret-project" / "data"
    folder.mkdir(parents=True)
    return folder


def all_terms(store_dir: Path) -> list[str]:
    """Every IRI and literal of every quad in the store (graph names too), and every graph name."""
    with Store(store_dir, read_only=True) as store:
        values = list(store.named_graphs())
        for quad in store.quads():
            values += [term.value for term in (quad.subject, quad.predicate, quad.object, quad.graph_name)
                       if isinstance(term, (ox.NamedNode, ox.Literal))]
    return values


def assert_no_local_path(store_dir: Path) -> None:
    leaked = [value for value in all_terms(store_dir) if value.startswith("file:") or "secret-project" in value]
    assert leaked == []


def test_turtle_with_relative_iris_and_no_graph(store_dir, tmp_path):
    data = private_folder(tmp_path) / "officers.ttl"
    data.write_text(TURTLE)
    result = CliRunner().invoke(main, ["ingest", "--store", str(store_dir), str(data)])
    assert result.exit_code == 0, result.output
    assert_no_local_path(store_dir)
    graph = FILES + "officers.ttl"
    with Store(store_dir, read_only=True) as store:
        got = {(q.subject.value, q.object.value) for q in store.quads(graph)
               if isinstance(q.object, ox.NamedNode)}
    # relative IRIs resolve against the file's public graph IRI
    assert got == {(FILES + "officer/1", FILES + "officers.ttl#force"), (FILES + "officer/1", graph)}


def test_trig_with_a_relative_graph_name_and_default_triples(store_dir, tmp_path):
    data = private_folder(tmp_path) / "case.trig"
    data.write_text(TRIG)
    result = CliRunner().invoke(main, ["ingest", "--store", str(store_dir), str(data)])
    assert result.exit_code == 0, result.output
    assert_no_local_path(store_dir)
    with Store(store_dir, read_only=True) as store:
        assert {FILES + "case.trig", FILES + "named"} <= set(store.named_graphs())


def test_a_big_file_through_the_bulk_loader(store_dir, tmp_path):
    data = private_folder(tmp_path) / "big.ttl"
    data.write_text(TURTLE)
    with Store(store_dir) as store:
        report = ingest(store, [data], bulk_bytes=0)  # every RDF file through the bulk loader
    assert report.failed == 0 and report.files_read == 1
    assert_no_local_path(store_dir)
    with Store(store_dir, read_only=True) as store:
        assert len(list(store.quads(FILES + "big.ttl"))) == 4


def test_with_graph_relative_iris_resolve_against_it(store_dir, tmp_path):
    data = private_folder(tmp_path) / "officers.ttl"
    data.write_text(TURTLE)
    graph = "https://example.org/graph/officers"
    result = CliRunner().invoke(main, ["ingest", "--store", str(store_dir), "--graph", graph, str(data)])
    assert result.exit_code == 0, result.output
    assert_no_local_path(store_dir)
    with Store(store_dir, read_only=True) as store:
        subjects = {q.subject.value for q in store.quads(graph)}
    assert subjects == {"https://example.org/graph/officer/1", graph + "#force"}


def test_two_files_of_one_name_in_one_run(store_dir, tmp_path):
    first, second = tmp_path / "a" / "x.ttl", tmp_path / "b" / "x.ttl"
    for path, name in ((first, "first"), (second, "second")):
        path.parent.mkdir()
        path.write_text(f'<urn:s> <urn:p> "{name}" .\n')
    result = CliRunner().invoke(main, ["ingest", "--store", str(store_dir), str(first), str(second)])
    assert result.exit_code == 1
    assert (f"{second}: its graph <{FILES}x.ttl> (named by the file name) was already written from {first} "
            "in this run; rename one of them or ingest it with --graph") in result.output
    with Store(store_dir, read_only=True) as store:
        assert [q.object.value for q in store.quads(FILES + "x.ttl")] == ["first"]
