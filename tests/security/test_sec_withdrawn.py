"""A withdrawn article answers 410 Gone with its reason, and nothing of it leaks anywhere public (issue 11).

A withdrawal (a retraction, a legal complaint, a court order) must take the
article's facts out of everything the public can reach: the SPARQL endpoint,
the downloads, the search index, every entity page and saved query. The
store holds two development-corpus articles naming the same officer; one is
withdrawn with `pmkg withdraw` (a real process) before the app starts, and
every request below is answered from the app's own snapshot through Flask's
test client. The sentences only the withdrawn article holds are read from the
store before the withdrawal, so the checks need no text of the article here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kg.namespaces import ID
from kg.store import Store
from kg.web import create_app

PMKG = str(Path(sys.executable).parent / "pmkg")
CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
WITHDRAWN_FILE = CASES / "03_gmp-pc-charged-abuse-of-position.txt"
KEPT_FILE = CASES / "04_gmp-former-pc-jailed.txt"
REASON = "Withdrawn at the request of the court."
SENTENCES = """
PREFIX pmkg: <https://w3id.org/pmkg/ontology#>
SELECT ?g ?text WHERE { GRAPH ?g { ?s a pmkg:Sentence ; pmkg:text ?text } }"""
ARTICLES = """
PREFIX pmkg: <https://w3id.org/pmkg/ontology#>
SELECT ?article ?from ?headline WHERE { GRAPH ?article {
  ?article a pmkg:NewsArticle ; pmkg:retrievedFrom ?from OPTIONAL { ?article <https://schema.org/headline> ?headline } } }"""


def pmkg(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PMKG_STORE", "PMKG_LOCK_WAIT")}
    return subprocess.run([PMKG, *args], capture_output=True, text=True, env=env, timeout=300)


def fragments(text: str) -> list[str]:
    """Runs of plain words (no quotes or markup, so no escaping changes them) long enough to be telling."""
    return [run.strip() for run in re.findall(r"[A-Za-z0-9 ,]{30,}", text)]


@pytest.fixture(scope="module")
def withdrawn(tmp_path_factory):
    """(app client, withdrawn article IRI, its IRIs minted inside, its own sentence fragments, headline, officer)."""
    folder = tmp_path_factory.mktemp("sec-withdrawn") / "store"
    result = pmkg("ingest", "--quiet", "--store", str(folder), str(WITHDRAWN_FILE), str(KEPT_FILE))
    assert result.returncode == 0, result.stderr
    with Store(folder, read_only=True) as store:
        articles = {row["from"].value.rsplit("/", 1)[-1]: (row["article"].value, row["headline"])
                    for row in store.query(ARTICLES)}
        article, headline = articles[WITHDRAWN_FILE.name]
        kept = articles[KEPT_FILE.name][0]
        minted = sorted({q.subject.value for q in store.quads(article) if q.subject.value.startswith(article + "/")})
        texts = [(r["g"].value, r["text"].value) for r in store.query(SENTENCES)]
        shared = {t for g, t in texts if g != article}
        own = sorted({f for g, t in texts if g == article and t not in shared for f in fragments(t)
                      if not any(f in s for s in shared)})
        officers = {q.subject.value for q in store.quads(article) if q.subject.value.startswith(ID + "officer/")}
        officer = sorted(officers & {q.subject.value for q in store.quads(kept)})[0]
    assert minted and own and headline is not None
    result = pmkg("withdraw", article, "--reason", REASON, "--by", "Legal Desk", "--store", str(folder))
    assert result.returncode == 0, result.stderr
    app = create_app({"STORE": str(folder), "TESTING": True, "QUERY_TIMEOUT": 20})
    yield app.test_client(), article, minted, own, headline.value, officer
    app.extensions["pmkg.executor"].close()


def local(iri: str) -> str:
    return "/" + iri.removeprefix("https://w3id.org/pmkg/")


def assert_nothing_of(body: str, article: str, own: list[str]) -> None:
    """No IRI minted inside the article, no link to it, none of its own sentences."""
    assert article + "/" not in body
    assert f'"{local(article)}' not in body   # an href or a JSON value
    leaked = [f for f in own if f in body]
    assert not leaked, leaked


@pytest.mark.parametrize("suffix, accept", [("", "text/html"), ("", "application/json"), ("", "text/turtle"),
                                            (".ttl", "*/*"), (".jsonld", "*/*"), (".nt", "*/*"), (".json", "*/*"),
                                            (".trig", "*/*"), (".nq", "*/*")])
def test_the_withdrawn_iri_answers_410_with_the_reason(withdrawn, suffix, accept):
    client, article, _, own, _, _ = withdrawn
    response = client.get(local(article) + suffix, headers={"Accept": accept})
    assert response.status_code == 410
    body = response.get_data(as_text=True)
    assert REASON in body and "withdrawn on 20" in body
    assert "Legal Desk" not in body   # who withdrew it is not public
    assert_nothing_of(body.replace(local(article), ""), article, own)
    if accept == "application/json":
        assert response.get_json()["error"]["status"] == 410


def test_every_iri_minted_inside_it_answers_410(withdrawn):
    client, _, minted, _, _, _ = withdrawn
    for iri in minted:
        assert client.get(local(iri), headers={"Accept": "text/html"}).status_code == 410, iri
        assert client.get(local(iri) + ".ttl").status_code == 410, iri


def test_the_endpoint_holds_nothing_of_it_but_the_withdrawal(withdrawn):
    client, article, _, own, _, _ = withdrawn
    graph = client.get("/sparql", query_string={"query": f"SELECT * WHERE {{ GRAPH <{article}> {{ ?s ?p ?o }} }}"},
                       headers={"Accept": "application/sparql-results+json"})
    assert graph.status_code == 200 and graph.get_json()["results"]["bindings"] == []
    everything = client.get("/sparql", query_string={
        "query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER (CONTAINS(STR(?s), ?a) || CONTAINS(STR(?o), ?a)) "
                 f"BIND (\"{article}\" AS ?a) }}"}, headers={"Accept": "application/sparql-results+json"})
    rows = everything.get_json()["results"]["bindings"]
    assert {(r["g"]["value"], r["s"]["value"]) for r in rows} == {(ID + "graph/withdrawals", article)}
    assert {r["p"]["value"].rsplit("#", 1)[-1] for r in rows} == {"withdrawnAt", "withdrawalReason"}


def test_downloads_leave_it_out(withdrawn):
    client, article, _, own, _, _ = withdrawn
    listing = client.get("/downloads.json").get_json()
    assert article not in {a["graph"] for a in listing["articles"]}
    for name in ("pmkg.nq", "pmkg.trig", "pmkg.ttl"):
        response = client.get(f"/downloads/{name}")
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert_nothing_of(body, article, own)
        assert "Legal Desk" not in body
        if name == "pmkg.nq":   # the article's IRI only in the public withdrawals entry
            naming = [line for line in body.splitlines() if f"<{article}>" in line]
            assert len(naming) == 2 and all(line.endswith(f"<{ID}graph/withdrawals> .") for line in naming)


def test_search_finds_nothing_of_it(withdrawn):
    client, article, _, own, headline, _ = withdrawn
    for text in [headline[:190]] + [f[:190] for f in own[:3]]:
        response = client.get("/search.json", query_string={"q": " ".join(text.split()[:12]), "limit": 100})
        assert response.status_code == 200, text
        hits = response.get_json()
        assert article not in json.dumps(hits), text


def test_the_shared_officers_page_and_saved_queries_cite_only_the_other_article(withdrawn):
    client, article, _, own, _, officer = withdrawn
    page = client.get(local(officer), headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert_nothing_of(page.get_data(as_text=True), article, own)
    for suffix in (".ttl", ".jsonld"):
        assert_nothing_of(client.get(local(officer) + suffix).get_data(as_text=True), article, own)
    for name in ("officer-articles", "officer-timeline"):
        response = client.get(f"/queries/{name}.json", query_string={"officer": officer})
        assert response.status_code == 200
        assert_nothing_of(response.get_data(as_text=True), article, own)
    for name in ("allegations", "outcomes", "officers", "quotes", "investigations", "sources", "cases"):
        response = client.get(f"/queries/{name}.json")
        assert response.status_code == 200
        assert_nothing_of(response.get_data(as_text=True), article, own)
