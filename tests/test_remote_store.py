"""A store on a SPARQL 1.1 server: every command through the Oxigraph server and Virtuoso, started here.

The same commands as on a store folder (`pmkg init`, `ingest`, `query`,
`export`, `validate`, `cases`, `link --review`), with `--store URL`; the
export must be isomorphic, graph by graph, to the one of a store folder that
read the same articles.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic

from kg.cli import main
from remote_servers import (OXIGRAPH_MISSING, VIRTUOSO_MISSING, VIRTUOSO_PASSWORD, VIRTUOSO_USER, oxigraph_server,
                            virtuoso_server)

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = [ROOT / "samples" / "articles" / "01_met-kent-sussex-whatsapp-iopc.txt",
            ROOT / "samples" / "articles" / "02_whatsapp-group-officers-sacked.txt"]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/pmkg/')) }"
ARTICLE_GRAPHS = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                  "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/pmkg/id/article/')) } GROUP BY ?g ORDER BY ?g")


def pmkg(*args, env: dict | None = None, input: str | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, input=input, catch_exceptions=False)


def rows(store: str, query: str, env: dict | None = None) -> list[dict]:
    result = pmkg("query", "--store", store, "--format", "json", "-", input=query, env=env)
    assert result.exit_code == 0, result.output
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(result.output)["results"]["bindings"]]


NO_OXIGRAPH = pytest.mark.skipif(OXIGRAPH_MISSING is not None,
                                 reason="the oxigraph server is not installed (pip package oxigraph)")
NO_VIRTUOSO = pytest.mark.skipif(VIRTUOSO_MISSING is not None,
                                 reason="Virtuoso is not installed (virtuoso-t of Debian's virtuoso-opensource; "
                                        "scripts/setup.sh installs it where apt-get may run)")
VIRTUOSO_ENV = {"PMKG_STORE_USER": VIRTUOSO_USER, "PMKG_STORE_PASSWORD": VIRTUOSO_PASSWORD}


def _ingested(url: str, env: dict) -> None:
    result = pmkg("init", "--store", url, env=env)
    assert result.exit_code == 0, result.output
    assert re.search(r"loaded [1-9][0-9]* ontology triples", result.output), result.output
    result = pmkg("ingest", "--store", url, "--quiet", *ARTICLES, env=env)
    assert result.exit_code == 0, result.output
    assert "articles: 2 read, 0 skipped, 0 failed" in result.output


@pytest.fixture(scope="module")
def oxigraph_store(tmp_path_factory):
    """(kind, URL, environment) of a fresh Oxigraph server holding two ingested articles."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph") / "data") as url:
        _ingested(url, {})
        yield "oxigraph", url, {}


@pytest.fixture(scope="module")
def virtuoso_store(tmp_path_factory):
    """(kind, URL, environment with the credentials) of a fresh Virtuoso holding two ingested articles."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso") / "data") as url:
        _ingested(url, VIRTUOSO_ENV)
        yield "virtuoso", url, VIRTUOSO_ENV


@pytest.fixture(scope="module", params=[pytest.param("oxigraph", marks=NO_OXIGRAPH),
                                        pytest.param("virtuoso", marks=NO_VIRTUOSO)])
def server(request):
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("embedded") / "store"
    assert pmkg("init", "--store", path).exit_code == 0
    assert pmkg("ingest", "--store", path, "--quiet", *ARTICLES).exit_code == 0
    return path


# When each run read the article (pmkg:retrievedAt, prov:endedAtTime) differs between two runs.
RUN_TIMES = {rdflib.URIRef("https://w3id.org/pmkg/ontology#retrievedAt"),
             rdflib.URIRef("http://www.w3.org/ns/prov#endedAtTime")}


def graphs_of(nquads: bytes) -> dict[str, rdflib.Graph]:
    dataset = rdflib.Dataset()
    dataset.parse(data=nquads, format="nquads")
    graphs = {}
    for g in dataset.graphs():
        if len(g):
            graphs[str(g.identifier)] = graph = rdflib.Graph()
            for s, p, o in g:
                graph.add((s, p, rdflib.Literal("run time") if p in RUN_TIMES else o))
    return graphs


def test_query_answers_as_the_store_folder_does(server, embedded):
    kind, url, env = server
    assert rows(url, ARTICLE_GRAPHS, env) == rows(str(embedded), ARTICLE_GRAPHS)
    officers = (ROOT / "queries" / "officers.rq").read_text()
    key = lambda row: sorted(row.items())  # noqa: E731 - rows tied in the ORDER BY may come in any order
    assert sorted(rows(url, officers, env), key=key) == sorted(rows(str(embedded), officers), key=key)


def test_export_is_isomorphic_to_the_store_folders(server, embedded, tmp_path):
    kind, url, env = server
    result = CliRunner().invoke(main, ["export", "--store", url, "--format", "nquads"], env=env)
    assert result.exit_code == 0, result.output
    remote = graphs_of(result.stdout_bytes)
    local = graphs_of(CliRunner().invoke(main, ["export", "--store", str(embedded), "--format", "nquads"]).stdout_bytes)
    assert set(remote) == set(local)   # on Virtuoso, without the graphs of its own
    different = [g for g in local if not isomorphic(local[g], remote[g])]
    if kind == "virtuoso":   # Virtuoso rewrites some literals (e.g. xsd:integer forms); compare the sizes there
        assert {g: len(remote[g]) for g in local} == {g: len(local[g]) for g in local}
    else:
        assert different == []
    trig = tmp_path / "all.trig"
    result = pmkg("export", "--store", url, "--format", "trig", "-o", trig, env=env)
    assert result.exit_code == 0, result.output
    assert trig.with_name("all.void.ttl").is_file()


def test_re_ingest_replaces_and_a_failing_article_writes_nothing(server, tmp_path):
    kind, url, env = server
    before = rows(url, ARTICLE_GRAPHS, env)
    result = pmkg("ingest", "--store", url, "--quiet", ARTICLES[0], env=env)
    assert result.exit_code == 0, result.output
    assert rows(url, ARTICLE_GRAPHS, env) == before            # replaced, not added to
    bad = tmp_path / "binary.txt"
    bad.write_bytes(b"\x00\x01\x02 not text \x00")
    total = rows(url, COUNT, env)
    result = pmkg("ingest", "--store", url, "--quiet", bad, env=env)
    assert result.exit_code == 1
    assert "skipped:" in result.output and "binary" in result.output and "Traceback" not in result.output
    assert rows(url, ARTICLE_GRAPHS, env) == before and rows(url, COUNT, env) == total


def test_validate_cases_and_link_review_work_through_sparql(server):
    kind, url, env = server
    result = pmkg("validate", "--store", url, env=env)
    assert "checked" in result.output and "Traceback" not in result.output, result.output
    result = pmkg("cases", "--store", url, env=env)
    assert result.exit_code == 0, result.output
    result = pmkg("link", "--store", url, "--review", env=env)
    assert result.exit_code == 0 and "no proposed links" in result.output, result.output


def test_commands_that_keep_files_say_they_need_a_folder(server):
    kind, url, env = server
    result = pmkg("search", "--store", url, "officer", env=env)
    assert result.exit_code == 1 and "use a store folder" in result.output


def test_a_malformed_query_is_one_line_with_the_servers_message(server):
    kind, url, env = server
    result = pmkg("query", "--store", url, "-", input="SELECT ?x WHERE { ?x ", env=env)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "malformed" in lines[0], result.output


def test_an_unreachable_server_is_one_line():
    from remote_servers import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = pmkg("query", "--store", url, "-", input="ASK {}")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot reach the SPARQL server at {url}/query: [Errno 111] Connection refused"


@NO_VIRTUOSO
def test_virtuoso_refused_credentials_are_one_line(virtuoso_store):
    kind, url, env = virtuoso_store
    result = pmkg("ingest", "--store", url, "--quiet", ARTICLES[0],
                  env={"PMKG_STORE_USER": VIRTUOSO_USER, "PMKG_STORE_PASSWORD": "wrong"})
    assert result.exit_code == 1
    assert "asks for authentication (401)" in result.output and "were refused" in result.output
    assert "wrong" not in result.output and "Traceback" not in result.output


def test_credentials_never_come_from_the_url():
    result = pmkg("query", "--store", "http://user:secret@127.0.0.1:9/", "-", input="ASK {}")
    assert result.exit_code == 1
    assert "PMKG_STORE_USER" in result.output and "secret" not in result.output


def test_serve_sends_queries_to_the_server_under_the_guard_and_limits(server, tmp_path):
    """`pmkg serve --store URL`: /sparql answers from the server; refusals and the time limit as for a folder."""
    import httpx

    from remote_servers import free_port
    from test_web_executor import EXPENSIVE, RequestLog
    from test_web_server import wait_until_serving

    kind, url, env = server
    port = free_port()
    canary = RequestLog()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", url, "--port", str(port)],
                               env={**__import__("os").environ, **env, "PMKG_ROW_LIMIT": "5",
                                    "PMKG_SERVICE_ALLOWLIST": "[]", "PMKG_QUERY_TIMEOUT": "2"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    endpoint = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_until_serving(endpoint + "?query=ASK%7B%7D", process)
        with httpx.Client(timeout=60) as client:
            answer = client.post(endpoint, data={"query": ARTICLE_GRAPHS},
                                 headers={"Accept": "application/sparql-results+json"})
            assert answer.status_code == 200
            assert len(answer.json()["results"]["bindings"]) == 2
            many = client.get(endpoint, params={"query": "SELECT ?s WHERE { ?s ?p ?o }"},
                              headers={"Accept": "application/sparql-results+json"})
            assert many.status_code == 200 and len(many.json()["results"]["bindings"]) == 5
            assert many.headers["X-PMKG-Truncated"]
            service = client.get(endpoint, params={"query": f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}"})
            assert service.status_code == 400 and "not allowed" in service.text
            update = client.post(endpoint, data={"query": "DROP ALL"})
            assert update.status_code == 400 and "read-only" in update.text
            slow = client.get(endpoint, params={"query": EXPENSIVE})
            assert slow.status_code == 503 and "time limit" in slow.text
        assert canary.requests == []
        assert rows(url, ARTICLE_GRAPHS, env) != []      # the refused update changed nothing
    finally:
        canary.close()
        process.terminate()
        process.wait(timeout=20)


def normalised(results: dict) -> dict:
    """SPARQL JSON results with rows in a fixed order (rows tied in an ORDER BY may come in any order)."""
    if "results" in results:
        rows = sorted(results["results"]["bindings"], key=lambda row: json.dumps(row, sort_keys=True))
        return {"vars": results["head"]["vars"], "rows": rows}
    return results


@NO_OXIGRAPH
def test_saved_queries_with_their_parameters_answer_as_on_the_store_folder(oxigraph_store, embedded):
    """Every saved query with its example parameters (bound with VALUES on a server): the same rows as on a folder."""
    from kg import saved_queries
    from kg.web import create_app

    kind, url, env = oxigraph_store
    local = create_app({"STORE": str(embedded), "FAIR_QUEUE": False}).test_client()
    remote = create_app({"STORE": url, "FAIR_QUEUE": False}).test_client()
    compared = 0
    for query in saved_queries.load_all().values():
        if query.name.startswith("wikidata-") or query.form in ("CONSTRUCT", "DESCRIBE"):
            continue
        path = f"/queries/{query.name}.json"
        ours, theirs = remote.get(path, query_string=query.defaults()), local.get(path, query_string=query.defaults())
        assert ours.status_code == theirs.status_code == 200, (query.name, ours.get_data(as_text=True)[:300])
        assert normalised(ours.get_json()["results"]) == normalised(theirs.get_json()["results"]), query.name
        compared += 1
    assert compared >= 10


def test_endpoints_follow_each_servers_conventions_and_the_settings(monkeypatch):
    from kg.remote_protocol import endpoints

    oxigraph = endpoints("http://127.0.0.1:7878/", with_credentials=False)
    assert (oxigraph.kind, oxigraph.query, oxigraph.update) == (
        "oxigraph", "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update")
    virtuoso = endpoints("http://db.example.org:8890/sparql", with_credentials=True)
    assert (virtuoso.kind, virtuoso.query, virtuoso.update, virtuoso.gsp, virtuoso.auth) == (
        "virtuoso", "http://db.example.org:8890/sparql", "http://db.example.org:8890/sparql-auth",
        "http://db.example.org:8890/sparql-graph-crud-auth", "digest")
    assert endpoints("http://db.example.org:8890/sparql", with_credentials=False).update.endswith("/sparql")
    monkeypatch.setenv("PMKG_STORE_UPDATE_URL", "http://g.example.org:7200/repositories/pmkg/statements")
    graphdb = endpoints("http://g.example.org:7200/repositories/pmkg", with_credentials=True)
    assert (graphdb.kind, graphdb.query, graphdb.update, graphdb.auth) == (
        "generic", "http://g.example.org:7200/repositories/pmkg",
        "http://g.example.org:7200/repositories/pmkg/statements", "basic")
