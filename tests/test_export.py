"""Export: every format parses with rdflib and round-trips what was loaded."""

from __future__ import annotations

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from kg.cli import main
from kg.ingest import file_graph
from kg.namespaces import ONTOLOGY_GRAPH
from kg.reference import REFERENCE_GRAPH, reference_graph
from kg.store import SHAPES_GRAPH

from conftest import FIXTURES, FORMAT_FIXTURES, expected_graphs, ontology_graph
from kg import resources


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A store holding the ontology, the shapes and one fixture file per format."""
    path = tmp_path_factory.mktemp("export") / "store"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--store", str(path)]).exit_code == 0
    result = runner.invoke(main, ["ingest", "--store", str(path), *map(str, FORMAT_FIXTURES.values())])
    assert result.exit_code == 0, result.output
    expected = expected_graphs()
    expected[ONTOLOGY_GRAPH] = ontology_graph()
    expected[SHAPES_GRAPH] = rdflib.Graph().parse(resources.shapes_file(), format="turtle")
    expected[REFERENCE_GRAPH] = reference_graph()
    return path, expected


def export(store, *args) -> bytes:
    result = CliRunner().invoke(main, ["export", "--store", str(store), *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def union(graphs) -> rdflib.Graph:
    out = rdflib.Graph()
    for g in graphs:
        out += g
    return out


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_dataset_formats_keep_every_graph(loaded, fmt, tmp_path):
    store, expected = loaded
    target = tmp_path / f"out.{fmt}"
    CliRunner().invoke(main, ["export", "--store", str(store), "--format", fmt, "-o", str(target)])
    ds = rdflib.Dataset()
    ds.parse(target, format=fmt)
    got = {str(g.identifier): g for g in ds.graphs() if len(g)}
    assert set(got) == set(expected)
    for name, graph in expected.items():
        assert isomorphic(got[name], graph), name


@pytest.mark.parametrize("fmt,rdflib_format", [("turtle", "turtle"), ("jsonld", "json-ld")])
def test_graph_formats_write_the_union(loaded, fmt, rdflib_format):
    store, expected = loaded
    got = rdflib.Graph().parse(data=export(store, "--format", fmt), format=rdflib_format)
    assert isomorphic(got, union(expected.values()))


@pytest.mark.parametrize("fmt,rdflib_format", [("turtle", "turtle"), ("jsonld", "json-ld"), ("nquads", "nquads")])
def test_one_graph(loaded, fmt, rdflib_format):
    store, expected = loaded
    path = FORMAT_FIXTURES[next(f for f in FORMAT_FIXTURES if f.label == "turtle")]
    name = file_graph(path)
    data = export(store, "--format", fmt, "--graph", name)
    if fmt == "nquads":
        ds = rdflib.Dataset().parse(data=data, format="nquads")
        assert [str(g.identifier) for g in ds.graphs() if len(g)] == [name]
        got = ds.graph(rdflib.URIRef(name))
    else:
        got = rdflib.Graph().parse(data=data, format=rdflib_format)
    assert isomorphic(got, expected[name])
    assert len(got) == len(rdflib.Graph().parse(FIXTURES / "officer.ttl"))


def test_union_contains_every_declared_class(loaded):
    store, _ = loaded
    got = rdflib.Graph().parse(data=export(store), format="turtle")
    classes = {c for c in ontology_graph().subjects(RDF.type, OWL.Class) if isinstance(c, rdflib.URIRef)}
    assert len(classes) > 10
    assert {c for c in classes if (c, RDF.type, OWL.Class) not in got} == set()


def test_unknown_graph_is_an_error(loaded):
    store, _ = loaded
    result = CliRunner().invoke(main, ["export", "--store", str(store), "--graph", "https://example.org/none"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no graph <https://example.org/none> in the store"


def test_export_to_a_file_writes_a_void_description_beside_it(loaded, tmp_path):
    store, expected = loaded
    target = tmp_path / "dump.trig"
    result = CliRunner().invoke(main, ["export", "--store", str(store), "--format", "trig", "-o", str(target)])
    assert result.exit_code == 0, result.output
    void = rdflib.Graph().parse(tmp_path / "dump.void.ttl", format="turtle")
    triples = {int(o) for o in void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#triples"))}
    assert sum(len(g) for g in expected.values()) in triples
    assert not list(void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#dataDump")))
    assert "file:" not in (tmp_path / "dump.void.ttl").read_text()   # the local folders are nobody's business


def test_the_void_description_names_the_dump_by_the_url_given(loaded, tmp_path):
    store, _ = loaded
    target = tmp_path / "dump.nq"
    result = CliRunner().invoke(main, ["export", "--store", str(store), "--format", "nquads", "-o", str(target),
                                       "--dump-url", "https://data.example.org/pmkg/dump.nq"])
    assert result.exit_code == 0, result.output
    void = rdflib.Graph().parse(tmp_path / "dump.void.ttl", format="turtle")
    assert set(void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#dataDump"))) == {
        rdflib.URIRef("https://data.example.org/pmkg/dump.nq")}
    bad = CliRunner().invoke(main, ["export", "--store", str(store), "-o", str(target), "--dump-url", "dump.nq"])
    assert bad.exit_code == 2 and "absolute IRI" in bad.output and "Traceback" not in bad.output


def test_export_into_a_missing_folder_is_one_line(loaded, tmp_path):
    store, _ = loaded
    result = CliRunner().invoke(main, ["export", "--store", str(store), "-o", str(tmp_path / "no" / "x.ttl")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write") and "Traceback" not in result.output
