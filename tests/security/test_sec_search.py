"""Hostile search text against a real ``pmkg serve``: a one-line 400 or escaped results, never a 500.

Each request is sent exactly as written; the expected status is beside it. The
user's text is never FTS5 syntax (kg.search quotes each word), is bounded in
length and words, and the page escapes every text of the data.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.ingest import ingest
from kg.store import Store

from test_sec_web_small import _serve, request

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
MARKUP = """
PREFIX pmkg: <https://w3id.org/pmkg/ontology#>
PREFIX schema: <https://schema.org/>
GRAPH <https://w3id.org/pmkg/id/article/hostile> {
  <https://w3id.org/pmkg/id/article/hostile> a pmkg:NewsArticle ;
      schema:headline "Constable <script>alert(1)</script> named" .
}
"""


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    path = tmp_path_factory.mktemp("sec-search") / "store"
    with Store.create(path) as store:
        assert not ingest(store, [CASES]).failures
        store.load(MARKUP.encode("utf-8"), format="trig")
        from kg import search
        search.rebuild(store)
    process, port = _serve(path)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("path, status", [
    ("/search.json?q=%22", 400),                       # a lone quote: no word
    ("/search.json?q=%22Corbishley", 200),             # an unbalanced quote around a word
    ("/search.json?q=NEAR(", 200),                     # FTS5 syntax is a word here
    ("/search.json?q=NEAR(Corbishley%20GMP,%202)", 200),
    ("/search.json?q=*", 400),
    ("/search.json?q=Corb*%20OR%20x", 200),
    ("/search.json?q=%5E%3A-", 400),                   # ^:- only
    ("/search.json?q=" + "a" * 10_240, 400),           # 10 KB of text
    ("/search.json?q=" + "%20w" * 50, 400),            # too many words
    ("/search.json?q=x&limit=100000", 400),
    ("/search.json?q=x&limit=abc", 400),
    ("/search?q=%3Cscript%3E", 200),
])
def test_hostile_queries_are_refused_in_one_line_or_answered(port, path, status):
    code, _, body = request(port, "GET", path, {"Accept": "application/json"})
    assert code == status, body[:300]
    if code == 400:
        message = json.loads(body)["error"]["message"]
        assert "\n" not in message and "Traceback" not in message


def test_markup_in_the_data_and_the_query_is_escaped(port):
    code, headers, body = request(port, "GET", "/search?q=%3Cscript%3E%20constable", {"Accept": "text/html"})
    page = body.decode("utf-8")
    assert code == 200
    assert "<script>" not in page
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in page
    csp = headers["content-security-policy"]
    assert csp.startswith("default-src 'none'") and "unsafe-inline" not in csp
