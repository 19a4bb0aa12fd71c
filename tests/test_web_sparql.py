"""The SPARQL endpoint through Flask's test client, on a real store in tmp_path.

The protocol cases follow the W3C SPARQL 1.1 Protocol test manifest (query
operation) and the Service Description manifest, in our own words.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree

import pyoxigraph
import pytest
import rdflib

from kg.store import Store
from kg.web import create_app

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = "https://w3id.org/pmkg/graph/ontology"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("web") / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
        store.load(b'<http://example.org/x> <http://example.org/says> "<script>alert(1)</script>" .',
                   format="ntriples", graph="http://example.org/graph/script")
    return path


@pytest.fixture(scope="module")
def app(store_path):
    app = create_app({"STORE": str(store_path), "TESTING": True, "QUERY_TIMEOUT": 5, "ROW_LIMIT": 50})
    yield app
    app.extensions["pmkg.executor"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def count(response) -> int:
    assert response.status_code == 200, response.data
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


# -- the three ways of sending a query ---------------------------------------

def test_get_post_form_and_post_direct_give_the_same_answer(client):
    by_get = count(client.get("/sparql", query_string={"query": COUNT}))
    by_form = count(client.post("/sparql", data={"query": COUNT}))
    by_body = count(client.post("/sparql", data=COUNT, content_type="application/sparql-query"))
    assert by_get == by_form == by_body > 1000


def test_post_direct_with_charset_parameter(client):
    response = client.post("/sparql", data=COUNT.encode(), content_type="application/sparql-query; charset=UTF-8")
    assert count(response) > 0


def test_default_graph_is_the_union_of_all_graphs(client, store_path):
    in_graphs = count(client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"}))
    assert count(client.get("/sparql", query_string={"query": COUNT})) == in_graphs


# -- dataset: protocol parameters and FROM ----------------------------------------

def test_default_graph_uri_limits_the_default_graph(client):
    whole = count(client.get("/sparql", query_string={"query": COUNT}))
    only = count(client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": "http://example.org/graph/script"}))
    assert only == 1 < whole


def test_named_graph_uri_limits_graph_patterns(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.post("/sparql", data={"query": query, "named-graph-uri": [ONTOLOGY, "http://example.org/graph/script"]})
    assert {b["g"]["value"] for b in response.get_json()["results"]["bindings"]} == {ONTOLOGY, "http://example.org/graph/script"}
    # with only named graphs given, the default graph is empty
    assert count(client.get("/sparql", query_string={"query": COUNT, "named-graph-uri": ONTOLOGY})) == 0


def test_dataset_parameters_on_the_url_of_a_direct_post(client):
    response = client.post("/sparql?default-graph-uri=http://example.org/graph/script", data=COUNT,
                           content_type="application/sparql-query")
    assert count(response) == 1


def test_protocol_dataset_overrides_from(client):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    assert count(client.get("/sparql", query_string={"query": query})) > 100
    assert count(client.get("/sparql", query_string={"query": query, "default-graph-uri": "http://example.org/graph/script"})) == 1


def test_from_a_graph_not_in_the_store_is_refused(client):
    for query in ("SELECT * FROM <http://127.0.0.1:9/data.ttl> { ?s ?p ?o }",
                  "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
                  "SELECT * FROM NAMED <http://example.org/elsewhere> { GRAPH ?g { ?s ?p ?o } }"):
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code == 400
        assert "not in the store" in response.get_json()["error"]["message"]
    response = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": "http://example.org/nowhere"})
    assert response.status_code == 400


# -- malformed requests ------------------------------------------------------

def test_no_query_or_two_queries_is_a_bad_request(client):
    assert client.get("/sparql", query_string=[("query", COUNT), ("query", "ASK {}")]).status_code == 400
    assert client.post("/sparql", data={"query": [COUNT, "ASK {}"]}).status_code == 400
    assert client.post("/sparql?query=ASK%20%7B%7D", data={"query": COUNT}).status_code == 400
    assert client.post("/sparql", data={"default-graph-uri": ONTOLOGY}).status_code == 400
    assert client.post("/sparql?query=ASK%20%7B%7D", data=COUNT, content_type="application/sparql-query").status_code == 400


def test_wrong_content_type_is_unsupported(client):
    for content_type in ("text/plain", "application/json", None):
        response = client.post("/sparql", data=COUNT, content_type=content_type)
        assert response.status_code == 415, content_type


def test_malformed_query_gives_the_parsers_message(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith("malformed query") and "1:" in message


def test_a_bad_timeout_or_format_is_a_bad_request(client):
    assert client.get("/sparql", query_string={"query": COUNT, "timeout": "soon"}).status_code == 400
    assert client.get("/sparql", query_string={"query": COUNT, "timeout": "0"}).status_code == 400
    response = client.get("/sparql", query_string={"query": COUNT, "format": "pdf"})
    assert response.status_code == 400 and "json" in response.get_json()["error"]["message"]


# -- read-only and safe ------------------------------------------------------

@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    "PREFIX ex: <http://example.org/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "DROP ALL",
    "CLEAR DEFAULT ; INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }",
])
def test_updates_are_refused_and_change_nothing(client, update):
    before = count(client.get("/sparql", query_string={"query": COUNT}))
    for response in (client.get("/sparql", query_string={"query": update}),
                     client.post("/sparql", data={"query": update})):
        assert response.status_code == 400
        assert "read-only" in response.get_json()["error"]["message"]
    assert client.post("/sparql", data={"update": update}).status_code == 400
    assert client.post("/sparql", data=update, content_type="application/sparql-update").status_code in (400, 415)
    assert count(client.get("/sparql", query_string={"query": COUNT})) == before


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
    "PREFIX x: <http://127.0.0.1:9/> SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE x:sparql { ?s ?p ?o } } }",
    "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { SERV\\u0049CE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
])
def test_service_outside_the_allowlist_is_refused(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "SERVICE" in response.get_json()["error"]["message"]


def test_service_words_in_strings_iris_and_names_are_not_service_clauses(client):
    query = ('PREFIX service: <http://example.org/service#> SELECT ?service WHERE { '
             '?service service:SERVICE "SERVICE <http://127.0.0.1:9/>" } # SERVICE <x>')
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.data


def test_an_empty_allowlist_refuses_even_wikidata(store_path):
    app = create_app({"STORE": str(store_path), "SERVICE_ALLOWLIST": []})
    try:
        query = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
        response = app.test_client().get("/sparql", query_string={"query": query})
        assert response.status_code == 400 and "none" in response.get_json()["error"]["message"]
    finally:
        if "pmkg.executor" in app.extensions:
            app.extensions["pmkg.executor"].close()


def test_row_limit_cuts_results_and_says_so(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert len(response.get_json()["results"]["bindings"]) == 50
    assert "row limit" in response.headers["X-PMKG-Truncated"]
    response = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "ntriples"})
    assert len(response.data.decode().strip().splitlines()) == 50
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "X-PMKG-Truncated" not in response.headers


# -- results by Accept and format= -------------------------------------------

SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/says> ?o }"
CONSTRUCT = "CONSTRUCT WHERE { ?s <http://example.org/says> ?o }"


@pytest.mark.parametrize("accept, media_type", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
])
def test_select_results_by_accept(client, accept, media_type):
    response = client.get("/sparql", query_string={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == media_type
    text = response.data.decode()
    if media_type.endswith("json"):
        assert response.get_json()["results"]["bindings"][0]["o"]["value"] == "<script>alert(1)</script>"
    elif media_type.endswith("xml"):
        literal = ElementTree.fromstring(response.data).find(f".//{RESULTS_NS}literal")
        assert literal.text == "<script>alert(1)</script>"
    elif media_type == "text/csv":
        assert list(csv.reader(io.StringIO(text)))[1] == ["http://example.org/x", "<script>alert(1)</script>"]
    else:
        assert text.splitlines()[1] == '<http://example.org/x>\t"<script>alert(1)</script>"'


TRICKY_TERMS = r"""SELECT ?term ?none WHERE { VALUES ?term {
  <http://example.org/a%22b> "plain" "with \"quotes\" and \\ backslash" "line\nbreak\ttab\u0001ctl"
  "caf\u00e9 \u2028 \U0001F600" "Gardaí"@ga "42"^^<http://www.w3.org/2001/XMLSchema#integer>
  "2023-05-17"^^<http://www.w3.org/2001/XMLSchema#date> "x"^^<http://example.org/type> } }"""


def test_json_results_are_the_terms_pyoxigraph_writes(client):
    """The endpoint writes SPARQL JSON itself (it stops at the row limit); every kind of term, escape and
    unbound variable must read back as pyoxigraph's own JSON of the same query."""
    response = client.get("/sparql", query_string={"query": TRICKY_TERMS},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    ours = json.loads(response.data.decode("utf-8"))
    reference = json.loads(pyoxigraph.Store().query(TRICKY_TERMS).serialize(
        format=pyoxigraph.QueryResultsFormat.JSON))
    assert ours["head"] == reference["head"] and len(ours["results"]["bindings"]) == 9
    assert ours["results"]["bindings"] == reference["results"]["bindings"]


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
def test_ask_results(client, accept):
    response = client.get("/sparql", query_string={"query": "ASK { ?s <http://example.org/says> ?o }"},
                          headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    assert b"true" in response.data


@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
    ("application/trig", "trig"),
])
def test_construct_results_by_accept(client, accept, rdflib_format):
    response = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    graph = rdflib.Dataset() if rdflib_format == "trig" else rdflib.Graph()
    graph.parse(data=response.data, format=rdflib_format)
    assert (rdflib.URIRef("http://example.org/x"), rdflib.URIRef("http://example.org/says"),
            rdflib.Literal("<script>alert(1)</script>")) in set(graph.triples((None, None, None)))


def test_describe_gives_rdf(client):
    response = client.get("/sparql", query_string={"query": "DESCRIBE <http://example.org/x>"})
    assert response.mimetype == "text/turtle"
    assert len(rdflib.Graph().parse(data=response.data, format="turtle")) == 1


def test_format_parameter_overrides_accept_and_fits_the_query_form(client):
    headers = {"Accept": "application/sparql-results+json"}
    assert client.get("/sparql", query_string={"query": SELECT, "format": "csv"}, headers=headers).mimetype == "text/csv"
    assert client.get("/sparql", query_string={"query": SELECT, "format": "tsv"}).mimetype == "text/tab-separated-values"
    assert client.get("/sparql", query_string={"query": SELECT, "format": "xml"}).mimetype == "application/sparql-results+xml"
    assert client.get("/sparql", query_string={"query": CONSTRUCT, "format": "xml"}).mimetype == "application/rdf+xml"
    assert client.get("/sparql", query_string={"query": CONSTRUCT, "format": "json"}).mimetype == "application/ld+json"
    assert client.get("/sparql", query_string={"query": CONSTRUCT, "format": "text/turtle"}).mimetype == "text/turtle"


def test_cors_on_get(client):
    assert client.get("/sparql", query_string={"query": COUNT}).headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/sparql").headers["Access-Control-Allow-Origin"] == "*"


# -- HTML --------------------------------------------------------------------

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_browser_gets_a_page_with_a_query_form(client):
    response = client.get("/sparql", headers=BROWSER)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert b"<form" in response.data and b'name="query"' in response.data
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_literals_are_shown_as_text_in_html(client):
    for query in (SELECT, CONSTRUCT):
        response = client.get("/sparql", query_string={"query": query}, headers=BROWSER)
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert b"<script>" not in response.data
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.data
        assert "Content-Security-Policy" in response.headers


def test_errors_are_json_or_html_by_accept_and_never_a_trace(client):
    bad = {"query": "SELECT * WHERE { <script>alert(1)</script> }"}
    as_json = client.get("/sparql", query_string=bad, headers={"Accept": "application/json"})
    assert as_json.status_code == 400 and as_json.get_json()["error"]["status"] == 400
    as_html = client.get("/sparql", query_string=bad, headers=BROWSER)
    assert as_html.status_code == 400 and as_html.mimetype == "text/html"
    assert b"<script>" not in as_html.data and b"Traceback" not in as_html.data
    missing = client.get("/nowhere", headers=BROWSER)
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert client.get("/nowhere").get_json()["error"]["status"] == 404
    assert client.put("/sparql").status_code == 405


def test_unexpected_errors_are_logged_not_shown(store_path, caplog):
    app = create_app({"STORE": str(store_path)})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret detail /home/someone")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret detail" not in response.data and b"Traceback" not in response.data
    assert "secret detail" in caplog.text


def test_a_missing_store_is_a_clear_503(tmp_path):
    app = create_app({"STORE": str(tmp_path / "none")})
    response = app.test_client().get("/sparql", query_string={"query": COUNT})
    assert response.status_code == 503 and "no store" in response.get_json()["error"]["message"]


# -- Service Description -----------------------------------------------------

@pytest.mark.parametrize("accept, rdflib_format", [
    ("text/turtle", "turtle"), ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), (None, "turtle"),
])
def test_service_description(client, accept, rdflib_format):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.data, format=rdflib_format)
    service = graph.value(None, rdflib.RDF.type, SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://localhost/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert rdflib.URIRef(ONTOLOGY) in set(graph.objects(None, SD.name))


# -- settings ----------------------------------------------------------------

def test_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PMKG_QUERY_TIMEOUT", "3")
    monkeypatch.setenv("PMKG_ROW_LIMIT", "7")
    monkeypatch.setenv("PMKG_SERVICE_ALLOWLIST", '["http://a.example/sparql", "http://b.example/sparql"]')
    config = create_app({"STORE": str(tmp_path)}).config
    assert (config["QUERY_TIMEOUT"], config["ROW_LIMIT"]) == (3.0, 7)
    assert config["SERVICE_ALLOWLIST"] == ["http://a.example/sparql", "http://b.example/sparql"]
    monkeypatch.setenv("PMKG_SERVICE_ALLOWLIST", "http://a.example/sparql, http://b.example/sparql")
    assert create_app().config["SERVICE_ALLOWLIST"] == ["http://a.example/sparql", "http://b.example/sparql"]
    monkeypatch.setenv("PMKG_QUERY_TIMEOUT", "-1")
    with pytest.raises(ValueError, match="QUERY_TIMEOUT"):
        create_app()


def test_json_of_results_is_valid_utf8(client):
    response = client.get("/sparql", query_string={"query": 'SELECT ?x WHERE { BIND("café ✓" AS ?x) }'})
    assert json.loads(response.data.decode("utf-8"))["results"]["bindings"][0]["x"]["value"] == "café ✓"
