"""The query-operation cases of the W3C SPARQL 1.1 Protocol test manifest
(w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl), one test per case,
named as in the manifest. The data are the manifest's: graphs data0 to data3,
each holding `<graph> a foaf:Document`. The update cases do not apply: this
endpoint is read-only and refuses updates (tested in test_web_sparql.py).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from kg.store import Store
from kg.web import create_app

DATA = "http://kasei.us/2009/09/sparql/data/data{}.rdf"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("manifest") / "store"
    with Store.create(path) as store:
        for n in range(4):
            graph = DATA.format(n)
            store.load(f"<{graph}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                       f"<http://xmlns.com/foaf/0.1/Document> .".encode(), format="ntriples", graph=graph)
    app = create_app({"STORE": str(path), "TESTING": True, "QUERY_TIMEOUT": 5})
    yield app.test_client()
    if "pmkg.executor" in app.extensions:
        app.extensions["pmkg.executor"].close()


def dataset(default=(), named=()) -> str:
    parts = [f"default-graph-uri={quote(DATA.format(n), safe='')}" for n in default]
    parts += [f"named-graph-uri={quote(DATA.format(n), safe='')}" for n in named]
    return "&".join(parts)


def boolean(response) -> bool:
    assert 200 <= response.status_code < 400, response.get_data(as_text=True)
    return json.loads(response.get_data())["boolean"]


ASK_DEFAULT = f"ASK {{ <{DATA.format(1)}> a ?type . <{DATA.format(2)}> a ?type . }}"
ASK_NAMED = f"ASK {{ GRAPH ?g1 {{ <{DATA.format(1)}> a ?type }} GRAPH ?g2 {{ <{DATA.format(2)}> a ?type }} }}"
JSON_ACCEPT = {"Accept": "application/sparql-results+json"}


def test_query_post_form(client):
    response = client.post(f"/sparql?{dataset([0])}", data="query=ASK%20%7B%7D", content_type=FORM,
                           headers=JSON_ACCEPT)
    assert boolean(response) is True


def test_query_dataset_default_graphs_get(client):
    response = client.get(f"/sparql?query={quote(ASK_DEFAULT)}&{dataset([1, 2])}", headers=JSON_ACCEPT)
    assert boolean(response) is True


def test_query_dataset_default_graphs_post(client):
    response = client.post(f"/sparql?{dataset([1, 2])}", data=ASK_DEFAULT, content_type=DIRECT, headers=JSON_ACCEPT)
    assert boolean(response) is True


def test_query_dataset_named_graphs_post(client):
    response = client.post(f"/sparql?{dataset(named=[1, 2])}", data=ASK_NAMED, content_type=DIRECT,
                           headers=JSON_ACCEPT)
    assert boolean(response) is True


def test_query_dataset_named_graphs_get(client):
    response = client.get(f"/sparql?query={quote(ASK_NAMED)}&{dataset(named=[1, 2])}", headers=JSON_ACCEPT)
    assert boolean(response) is True


def test_query_dataset_full(client):
    query = (f"ASK {{ <{DATA.format(3)}> a ?type GRAPH ?g1 {{ <{DATA.format(1)}> a ?type }} "
             f"GRAPH ?g2 {{ <{DATA.format(2)}> a ?type }} }}")
    response = client.post(f"/sparql?{dataset([3], [1, 2])}", data=query, content_type=DIRECT, headers=JSON_ACCEPT)
    assert boolean(response) is True


def test_query_multiple_dataset(client):
    # The protocol's dataset overrides the query's FROM.
    query = f"ASK FROM <{DATA.format(3)}> {{ <{DATA.format(1)}> a ?type }}"
    response = client.post(f"/sparql?{dataset([1])}", data=query, content_type=DIRECT, headers=JSON_ACCEPT)
    assert boolean(response) is True


def test_query_get(client):
    assert boolean(client.get("/sparql?query=ASK%20%7B%7D", headers=JSON_ACCEPT)) is True


@pytest.mark.parametrize("query,types", [
    ("SELECT (1 AS ?value) {}", ("application/sparql-results+xml", "application/sparql-results+json",
                                  "text/csv", "text/tab-separated-values")),
    ("ASK {}", ("application/sparql-results+xml", "application/sparql-results+json")),
    ("DESCRIBE <http://example.org/x>", ("text/turtle", "application/rdf+xml", "application/n-triples",
                                         "application/ld+json", "application/trig")),
    ("CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } {}", ("text/turtle", "application/rdf+xml", "application/n-triples",
                                    "application/ld+json", "application/trig")),
], ids=["query_content_type_select", "query_content_type_ask", "query_content_type_describe",
        "query_content_type_construct"])
def test_query_content_type(client, query, types):
    response = client.get(f"/sparql?query={quote(query)}")
    assert response.status_code == 200
    assert response.mimetype in types


def test_query_post_direct(client):
    assert boolean(client.post("/sparql", data="ASK {}", content_type=DIRECT, headers=JSON_ACCEPT)) is True


def test_bad_query_method(client):
    response = client.put(f"/sparql?query=ASK%20%7B%7D&{dataset([0])}", content_type=FORM)
    assert 400 <= response.status_code < 500


def test_bad_multiple_queries(client):
    assert client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D").status_code == 400


def test_bad_query_wrong_media_type(client):
    response = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert 400 <= response.status_code < 500


def test_bad_query_missing_form_type(client):
    response = client.post("/sparql", data="query=ASK%20%7B%7D", headers={"Content-Type": ""})
    assert 400 <= response.status_code < 500


def test_bad_query_missing_direct_type(client):
    response = client.post("/sparql", data="ASK {}", headers={"Content-Type": ""})
    assert 400 <= response.status_code < 500


def test_bad_query_non_utf8(client):
    body = "ASK { FILTER(\"é\" = \"é\") }".encode("iso-8859-1")
    response = client.post("/sparql", data=body, content_type="application/sparql-query; charset=ISO-8859-1")
    assert 400 <= response.status_code < 500


def test_bad_query_syntax(client):
    response = client.get("/sparql?query=ASK%20%7B", headers=JSON_ACCEPT)
    assert response.status_code == 400
