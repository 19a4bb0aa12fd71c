"""The pmkg command line, run through click's CliRunner and as real subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import main
from kg.ingest import file_graph
from kg.namespaces import ONTOLOGY_GRAPH
from kg.store import Format, Store

from conftest import FIXTURES, FORMAT_FIXTURES, run_pmkg

COUNT_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def pmkg(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def graph_sizes(store_dir: Path) -> dict[str, int]:
    with Store(store_dir, read_only=True) as store:
        return {r["g"].value: int(r["n"].value) for r in store.query(COUNT_GRAPHS)}


def test_help_lists_the_commands():
    result = pmkg("--help")
    assert result.exit_code == 0
    for command in ("init", "ingest", "query", "export", "validate", "docs"):
        assert f"  {command} " in result.output


def test_init_creates_the_ontology_graph(tmp_path):
    result = pmkg("init", "--store", str(tmp_path / "s"))
    assert result.exit_code == 0, result.output
    assert "created store" in result.output and ONTOLOGY_GRAPH in result.output
    assert graph_sizes(tmp_path / "s")[ONTOLOGY_GRAPH] > 100
    again = pmkg("init", "--store", str(tmp_path / "s"))
    assert again.exit_code == 0 and "updated store" in again.output


def test_store_defaults_to_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PMKG_STORE", str(tmp_path / "env-store"))
    assert pmkg("init").exit_code == 0
    assert (tmp_path / "env-store").is_dir()


@pytest.mark.parametrize("fmt", list(FORMAT_FIXTURES), ids=lambda f: f.label)
def test_ingest_each_format(store_dir, fmt):
    path = FORMAT_FIXTURES[fmt]
    result = pmkg("ingest", "--store", str(store_dir), str(path))
    assert result.exit_code == 0, result.output
    assert "read 1 file(s), 0 failed" in result.output
    sizes = graph_sizes(store_dir)
    if fmt.keeps_graphs:
        ds = rdflib.Dataset().parse(path, format={"trig": "trig", "nquads": "nquads"}[fmt.label])
        expected = {str(g.identifier): len(g) for g in ds.graphs() if len(g)}
    else:
        expected = {file_graph(path): len(rdflib.Graph().parse(path))}
    for graph, size in expected.items():
        assert sizes[graph] == size


def test_reingest_replaces_and_graph_option(store_dir, tmp_path):
    data = tmp_path / "data.ttl"
    shutil.copy(FIXTURES / "officer.ttl", data)
    pmkg("ingest", "--store", str(store_dir), str(data))
    first = graph_sizes(store_dir)
    pmkg("ingest", "--store", str(store_dir), str(data))
    assert graph_sizes(store_dir) == first  # no duplicates
    data.write_text('<https://w3id.org/pmkg/id/officer/x> <http://xmlns.com/foaf/0.1/name> "Only one" .\n')
    pmkg("ingest", "--store", str(store_dir), str(data))
    assert graph_sizes(store_dir)[file_graph(data)] == 1
    graph = "https://example.org/graph/chosen"
    result = pmkg("ingest", "--store", str(store_dir), "--graph", graph, str(data), str(FIXTURES / "officer.nt"))
    assert result.exit_code == 0
    assert graph_sizes(store_dir)[graph] == 1 + len(rdflib.Graph().parse(FIXTURES / "officer.nt"))


def test_ingest_folder_recursively(store_dir, tmp_path):
    nested = tmp_path / "in" / "deeper"
    nested.mkdir(parents=True)
    shutil.copy(FIXTURES / "officer.ttl", nested)
    shutil.copy(FIXTURES / "articles.nq", tmp_path / "in")
    (tmp_path / "in" / "NOTES.md").write_text("neither RDF nor an article: skipped in folders")
    result = pmkg("ingest", "--store", str(store_dir), str(tmp_path / "in"))
    assert result.exit_code == 0, result.output
    assert "read 2 file(s), 0 failed" in result.output


def test_bad_files_are_reported_and_the_others_load(store_dir, tmp_path):
    binary = tmp_path / "image.ttl"
    binary.write_bytes(bytes(range(256)))
    before = graph_sizes(store_dir)
    good = FIXTURES / "officer.nt"
    malformed = FIXTURES / "malformed.ttl"
    result = run_pmkg("ingest", "--store", str(store_dir), str(malformed), str(tmp_path / "missing.ttl"),
                      str(binary), str(good))
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3 and "Traceback" not in result.stderr
    assert "malformed.ttl: malformed turtle" in errors[0] and "line 5 column 16" in errors[0]
    assert "missing.ttl: no such file" in errors[1]
    assert "image.ttl: malformed turtle: Parser error at line 1 column 1" in errors[2]
    assert r"\x00" in errors[2] and "\x00" not in result.stderr  # control characters escaped
    assert "read 1 file(s), 3 failed" in result.stdout
    sizes = graph_sizes(store_dir)
    assert sizes[file_graph(good)] == 6
    assert file_graph(malformed) not in sizes and file_graph(binary) not in sizes
    assert {g: n for g, n in sizes.items() if g in before} == before


def test_query_formats(store_dir):
    pmkg("ingest", "--store", str(store_dir), str(FORMAT_FIXTURES[Format.TRIG]))
    q = ("PREFIX pmkg: <https://w3id.org/pmkg/ontology#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
         "SELECT ?article ?name WHERE { GRAPH ?article { ?o a pmkg:PoliceOfficer } ?o foaf:name ?name } ORDER BY ?name")
    out = pmkg("query", "--store", str(store_dir), "--format", "json", "-", input=q)
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["head"]["vars"] == ["article", "name"]
    names = [b["name"]["value"] for b in doc["results"]["bindings"]]
    assert names == ["Sam Roe", "Sgt Sam Roe"]  # plain patterns see the union of graphs
    rows = list(csv.reader(io.StringIO(pmkg("query", "--store", str(store_dir), "-f", "csv", "-", input=q).output)))
    assert rows[0] == ["article", "name"] and len(rows) == 3
    tsv = pmkg("query", "--store", str(store_dir), "-f", "tsv", "-", input=q).output.splitlines()
    assert tsv[0] == "?article\t?name" and len(tsv) == 3
    xml = pmkg("query", "--store", str(store_dir), "-f", "xml", "-", input=q).output
    assert xml.count("<result>") == 2
    table = pmkg("query", "--store", str(store_dir), "-", input=q).output
    assert "pmkgid:article/millbrook-echo-7" in table and "Sgt Sam Roe" in table and "(2 rows)" in table
    # a saved query's parameter variables (?_name, ?__name) are not table columns; JSON keeps them
    with_parameter = q.replace("SELECT ?article ?name", "SELECT ?article ?name ?__since").replace(
        "} ORDER BY", "BIND (1 AS ?__since) } ORDER BY")
    header = pmkg("query", "--store", str(store_dir), "-", input=with_parameter).output.splitlines()[0]
    assert header.split() == ["article", "|", "name"]
    as_json = pmkg("query", "--store", str(store_dir), "-f", "json", "-", input=with_parameter).output
    assert json.loads(as_json)["head"]["vars"] == ["article", "name", "__since"]
    ask = pmkg("query", "--store", str(store_dir), "-f", "json", "-", input="ASK { ?s ?p ?o }")
    assert json.loads(ask.output)["boolean"] is True
    construct = pmkg("query", "--store", str(store_dir), "-", input="CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/pmkg/id/article/millbrook-echo-8> { ?s ?p ?o } }")
    assert len(rdflib.Graph().parse(data=construct.output, format="turtle")) == 3


def test_query_from_a_file_in_a_subprocess(store_dir, tmp_path):
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    result = run_pmkg("query", "--store", str(store_dir), "-f", "csv", str(query))
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) == sum(graph_sizes(store_dir).values())


def test_malformed_query_is_one_line(store_dir):
    result = run_pmkg("query", "--store", str(store_dir), "-", stdin="SELECT ?x WHERE { ?x ?p }")
    assert result.returncode != 0
    assert result.stderr.strip().startswith("Error: malformed query: error at 1:")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [
    ["query", "-"], ["export"], ["validate"],
])
def test_missing_store_is_an_error(tmp_path, args):
    command, rest = args[0], args[1:]
    result = pmkg(command, "--store", str(tmp_path / "nowhere"), *rest, input="ASK {}")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: no store at {tmp_path / 'nowhere'}; create one with `pmkg init --store {tmp_path / 'nowhere'}`"
    assert not (tmp_path / "nowhere").exists()


def test_ingest_creates_a_missing_store(tmp_path):
    result = pmkg("ingest", "--store", str(tmp_path / "new"), str(FIXTURES / "officer.nt"))
    assert result.exit_code == 0, result.output
    assert f"created store {tmp_path / 'new'}" in result.output
    with Store(tmp_path / "new", read_only=True) as store:
        assert ONTOLOGY_GRAPH in store.named_graphs()
        assert file_graph(FIXTURES / "officer.nt") in store.named_graphs()


def test_locked_store_gives_a_clear_error(store_dir):
    script = Path(sys.executable).parent / "pmkg"
    assert script.exists(), "run `.venv/bin/pip install -e . --no-deps` to install the pmkg script"
    env = {k: v for k, v in os.environ.items() if k != "PMKG_STORE"}
    with Store(store_dir):  # another writer holds the store
        result = subprocess.run([str(script), "export", "--wait", "0", "--store", str(store_dir)],
                                capture_output=True, text=True,
                                env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: store {store_dir} is in use by another process; try again when it has finished"


def test_validate_files_and_store(store_dir):
    shapes = FIXTURES / "shapes"
    ok = pmkg("validate", str(shapes / "base.ttl"), str(shapes / "OfficerShape.valid.ttl"))
    assert ok.exit_code == 0, ok.output
    bad = pmkg("validate", str(shapes / "base.ttl"), str(shapes / "OfficerShape.invalid.ttl"))
    assert bad.exit_code == 1 and "Conforms: False" in bad.output
    assert pmkg("validate", "--store", str(store_dir)).exit_code == 0  # ontology only: nothing to violate
    pmkg("ingest", "--store", str(store_dir), str(FIXTURES / "officer.ttl"))  # lacks provenance the shapes require
    invalid = pmkg("validate", "--store", str(store_dir))
    assert invalid.exit_code == 1 and "1 do not" in invalid.output
    assert file_graph(FIXTURES / "officer.ttl") in invalid.output
    malformed = pmkg("validate", str(FIXTURES / "malformed.ttl"))
    assert malformed.exit_code == 1 and "line 5 column 16" in malformed.output


def test_docs_writes_the_documentation(tmp_path):
    result = pmkg("docs", "-o", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "site" / "index.html") in result.output
    assert "PoliceOfficer" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "site" / "vocab" / "outcome.html").is_file()
