"""The read path (``kg.web.service``) answers the same whichever store runs the query.

Every case runs twice, through the web app's Flask test client: once on the
embedded store (a store folder, queries in the app's workers) and once on a
real Oxigraph server started here on 127.0.0.1 (``--store http://...``), both
holding the same data. The expected answers come from the sample file itself
(parsed here by pyoxigraph), not from either store.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest

from kg.remote_store import RemoteStore
from kg.store import Store
from kg.web import create_app
from kg.web.formats import FORMATS, GRAPH, TABULAR, of_form
from remote_servers import OXIGRAPH_MISSING, oxigraph_server

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "sample-case.trig"
ARTICLE = "https://w3id.org/pmkg/id/article/fenland-ledger-2020-02-11"
ROW_LIMIT = 200
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
IN_ARTICLE = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{ARTICLE}> {{ ?s ?p ?o }} }}"
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ARTICLE}> {{ ?s ?p ?o }} }}"


def canonical(term):
    """A term as a store keeps it (UTC written ``Z``: pmkg's stores normalise times on loading)."""
    if isinstance(term, ox.Literal) and term.datatype.value.endswith("#dateTime") and term.value.endswith("+00:00"):
        return ox.Literal(term.value[:-6] + "Z", datatype=term.datatype)
    return term


def sample_triples() -> set[tuple]:
    return {(q.subject, q.predicate, canonical(q.object))
            for q in ox.parse(path=str(SAMPLE), format=ox.RdfFormat.TRIG)}


def _app(store: str):
    return create_app({"STORE": store, "TESTING": True, "QUERY_TIMEOUT": 2, "ROW_LIMIT": ROW_LIMIT,
                       "SERVICE_ALLOWLIST": []})


NO_OXIGRAPH = pytest.mark.skipif(OXIGRAPH_MISSING is not None,
                                 reason="the oxigraph server is not installed (pip package oxigraph)")


@pytest.fixture(scope="module", params=["embedded", pytest.param("oxigraph server", marks=NO_OXIGRAPH)])
def client(request, tmp_path_factory):
    """A test client of the app on the embedded store, then on an Oxigraph server, with the same data."""
    folder = tmp_path_factory.mktemp("read-path")
    if request.param == "embedded":
        with Store.create(folder / "store") as store:
            store.load(SAMPLE, format="trig")
        app = _app(str(folder / "store"))
        yield app.test_client()
        app.extensions["pmkg.executor"].close()
        return
    with oxigraph_server(folder / "data") as url:
        store = RemoteStore.create(url)
        try:
            store.load(SAMPLE, format="trig")
        finally:
            store.close()
        app = _app(url)
        yield app.test_client()
        app.extensions["pmkg.executor"].close()


def ask(client, query: str, **params):
    return client.get("/sparql", query_string={"query": query, **params},
                      headers={"Accept": "application/sparql-results+json"})


def triples_of(body: bytes, fmt) -> set[tuple]:
    return {(t.subject, t.predicate, canonical(t.object)) for t in ox.parse(body, format=fmt)}


def test_select_answers_the_rows_of_the_data(client):
    response = ask(client, IN_ARTICLE)
    assert response.status_code == 200
    assert response.content_type == "application/sparql-results+json"
    rows = response.get_json()["results"]["bindings"]
    assert len(rows) == len(sample_triples())
    assert "X-PMKG-Truncated" not in response.headers


def test_ask_answers_true_and_false(client):
    assert ask(client, f"ASK {{ GRAPH <{ARTICLE}> {{ ?s ?p ?o }} }}").get_json()["boolean"] is True
    assert ask(client, "ASK { <http://example.org/nothing> ?p ?o }").get_json()["boolean"] is False


def test_construct_answers_the_graph(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200 and response.content_type == "application/n-triples"
    assert triples_of(response.data, ox.RdfFormat.N_TRIPLES) == sample_triples()


def test_rows_are_cut_at_the_row_limit_and_the_cut_is_said(client):
    response = ask(client, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(response.get_json()["results"]["bindings"]) == ROW_LIMIT
    assert response.headers["X-PMKG-Truncated"] == f"results cut at the row limit of {ROW_LIMIT}"


def test_a_syntax_error_is_a_400_with_one_line(client):
    response = ask(client, "SELECT ?s WHERE { ?s ?p }")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and "\n" not in error["message"] and "Traceback" not in error["message"]


def test_the_time_limit_is_a_503(client):
    response = ask(client, EXPENSIVE)
    assert response.status_code == 503
    assert "time limit" in response.get_json()["error"]["message"]


def test_an_update_is_a_400_and_changes_nothing(client):
    response = ask(client, f"DROP GRAPH <{ARTICLE}>")
    assert response.status_code == 400 and "read-only" in response.get_json()["error"]["message"]
    assert ask(client, f"ASK {{ GRAPH <{ARTICLE}> {{ ?s ?p ?o }} }}").get_json()["boolean"] is True


@pytest.mark.parametrize("name", [f.name for f in of_form(TABULAR) if f.oxigraph is not None])
def test_each_results_format_has_its_media_type_and_the_rows(client, name):
    response = client.get("/sparql", query_string={"query": IN_ARTICLE, "format": name})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == FORMATS[name].media_type
    if name == "json":
        count = len(response.get_json()["results"]["bindings"])
    elif name == "xml":
        count = len(ElementTree.fromstring(response.data).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    else:
        count = len(list(csv.reader(io.StringIO(response.data.decode()), delimiter="," if name == "csv" else "\t"))) - 1
    assert count == len(sample_triples())


@pytest.mark.parametrize("name", [f.name for f in of_form(GRAPH) if f.oxigraph is not None])
def test_each_graph_format_has_its_media_type_and_the_triples(client, name):
    response = client.get("/sparql", query_string={"query": CONSTRUCT, "format": name})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == FORMATS[name].media_type
    body = response.data
    if name == "trig":
        assert {(q.subject, q.predicate, canonical(q.object))
                for q in ox.parse(body, format=ox.RdfFormat.TRIG)} == sample_triples()
    else:
        assert len(triples_of(body, FORMATS[name].oxigraph)) == len(sample_triples())


def test_the_html_page_shows_the_rows(client):
    response = client.get("/sparql", query_string={"query": IN_ARTICLE, "format": "html"})
    assert response.status_code == 200 and response.content_type == FORMATS["html"].media_type
    assert ARTICLE.encode() in response.data or b"fenland" in response.data


def test_an_entity_description_is_the_same_on_either_store(client):
    response = client.get("/id/article/fenland-ledger-2020-02-11.nt")
    assert response.status_code == 200 and response.content_type == FORMATS["ntriples"].media_type
    subject = ox.NamedNode(ARTICLE)
    expected = {t for t in sample_triples() if t[0] == subject}
    assert expected <= triples_of(response.data, ox.RdfFormat.N_TRIPLES)


def test_spreadsheet_csv_is_the_same_on_either_store(client):
    response = client.get("/sparql", query_string={"query": IN_ARTICLE, "format": "csv", "download": "spreadsheet"})
    assert response.status_code == 200 and response.headers["Content-Type"] == FORMATS["csv"].media_type
    assert len(response.data.decode().strip().split("\r\n")) == len(sample_triples()) + 1
