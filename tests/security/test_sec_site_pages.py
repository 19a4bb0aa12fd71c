"""Issue 12: the officer, force and article pages and their JSON twins, attacked through the data.

Text in the graph comes from articles someone else wrote. Each request below runs against a
real store holding a fictional article whose headline, sentence, officer name, force name,
quotation and original address are hostile, through the app's real HTTP handling (Flask's
test client; no mock):

* ``GET /id/article/sec-pages`` (and the officer's and the force's pages): every hostile text is
  escaped, no ``<script`` or event attribute reaches the page, and the ``javascript:`` address
  the article claims as its original is never a link;
* ``GET /id/article/sec-pages.json``: ``application/json`` with ``nosniff``, never HTML;
* ``GET /id/officer/sec/x.json%00`` and ``GET /id/officer/sec/nobody.json``: a 404 with one line,
  not a 500 and not a stack trace.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.store import Store
from kg.web import create_app

ID = "https://w3id.org/pmkg/id/"
PMKG = "https://w3id.org/pmkg/ontology#"
ARTICLE = ID + "article/sec-pages"
OFFICER = ID + "officer/sec/x"
FORCE = ID + "org/sec-force"
SENTENCE = ARTICLE + "/sentence/0-40"
HOSTILE = {
    "headline": "<script>alert('headline')</script>",
    "sentence": "He said <img src=x onerror=alert('sentence')> twice.",
    "officer": "Pat <svg onload=alert('name')>",
    "force": "\"><script>alert('force')</script>",
    "quote": "</blockquote><script>alert('quote')</script>",
}
TRIG = f"""
@prefix pmkg: <{PMKG}> .
@prefix schema: <https://schema.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{ARTICLE}> {{
  <{ARTICLE}> a pmkg:NewsArticle ; schema:headline {HOSTILE['headline']!r} ;
      schema:datePublished "2024-01-02T00:00:00Z"^^xsd:dateTime ; pmkg:retrievedFrom <javascript:alert(1)> .
  <{SENTENCE}> a pmkg:Sentence ; pmkg:inArticle <{ARTICLE}> ; pmkg:startOffset 0 ; pmkg:endOffset 40 ;
      pmkg:text {HOSTILE['sentence']!r} .
  <{OFFICER}> a pmkg:PoliceOfficer ; pmkg:name {HOSTILE['officer']!r} ; pmkg:force <{FORCE}> .
  <{FORCE}> a pmkg:PoliceForce ; pmkg:name {HOSTILE['force']!r} .
  [] a rdf:Statement ; rdf:subject <{OFFICER}> ; rdf:predicate pmkg:name ; rdf:object {HOSTILE['officer']!r} ;
     pmkg:supportedBy <{SENTENCE}> .
  <{ARTICLE}/quote/q1> a pmkg:Quotation ; pmkg:speaker <{OFFICER}> ; pmkg:text {HOSTILE['quote']!r} ;
     pmkg:supportedBy <{SENTENCE}> .
}}
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("sec-pages") / "store"
    with Store.create(path) as store:
        store.load(TRIG.encode(), format="trig")
    app = create_app({"STORE": str(path), "TESTING": True, "QUERY_TIMEOUT": 20})
    yield app.test_client()
    app.extensions["pmkg.executor"].close()


def local(iri: str) -> str:
    return "/" + iri.removeprefix("https://w3id.org/pmkg/")


@pytest.mark.parametrize("iri", [ARTICLE, OFFICER, FORCE])
def test_hostile_text_is_escaped_on_the_pages(client, iri):
    response = client.get(local(iri), headers={"Accept": "text/html"})
    assert response.status_code == 200, response.data[:300]
    html = response.get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    assert "<script" not in main and "<img" not in main and "<svg onload" not in main
    assert 'href="javascript:' not in html
    for text in HOSTILE.values():
        assert text not in main   # only ever escaped


def test_the_article_page_shows_the_hostile_sentence_escaped_and_no_javascript_link(client):
    html = client.get(local(ARTICLE), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "He said &lt;img src=x onerror=alert(&#39;sentence&#39;)&gt; twice." in html
    assert "<code>javascript:alert(1)</code>" in html   # shown as text, never followed


def test_the_officer_page_quotes_escaped(client):
    html = client.get(local(OFFICER), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "&lt;/blockquote&gt;&lt;script&gt;" in html


@pytest.mark.parametrize("iri", [ARTICLE, OFFICER, FORCE])
def test_json_twins_are_json_not_html(client, iri):
    response = client.get(local(iri) + ".json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["iri"] == iri


@pytest.mark.parametrize("path", ["/id/officer/sec/x.json%00", "/id/officer/sec/nobody.json",
                                  "/id/officer/sec/x%20y.json"])
def test_bad_or_unknown_json_twin_is_a_404_line(client, path):
    response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert b"Traceback" not in response.data
