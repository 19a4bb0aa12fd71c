"""Case pages and officers' cases through Flask's test client, on a real store.

The store holds the same-case pair of tests/fixtures/cases (a constable
charged, then jailed), read by the real extractor, and the two hand-written
reports that disagree about another officer.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from kg.ingest import ingest
from kg.namespaces import ID
from kg.store import Store
from kg.web import create_app

CASES = Path(__file__).parent / "fixtures" / "cases"
OFFICER = ID + "officer/greater-manchester-police/nathan-corbishley"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cases") / "store"
    with Store.create(path) as store:
        report = ingest(store, [CASES])
        assert not report.failures
    return path


@pytest.fixture(scope="module")
def client(store_path):
    app = create_app({"STORE": str(store_path), "TESTING": True, "QUERY_TIMEOUT": 20})
    yield app.test_client()
    app.extensions["pmkg.executor"].close()


def case_of(store_path: Path, officer: str) -> str:
    with Store(store_path, read_only=True) as store:
        found = {row[0].value for row in store.query(
            "SELECT ?c WHERE { GRAPH <https://w3id.org/pmkg/graph/cases> "
            f"{{ ?c <https://w3id.org/pmkg/ontology#caseSubject> {_node(officer)} }} }}")}
    assert len(found) == 1
    return found.pop()


def _node(iri: str):
    import pyoxigraph as ox
    return ox.NamedNode(iri)


def test_a_case_page_draws_its_timeline_and_links_each_step_to_its_sentence(client, store_path):
    case = case_of(store_path, OFFICER)
    page = client.get("/id/" + case[len(ID):])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h2>Timeline</h2>" in html and '<figure class="timeline">' in html
    steps = re.findall(r'<a class="status" href="[^"]+">([^<]+)</a>', html)
    assert steps.index("charged") < steps.index("sentenced")
    # the chart shows the same steps in the same order (every step here is dated)
    assert re.findall(r'<text x="120" y="\d+" font-size="12">([^<]+)</text>', html) == steps
    assert "Nathan Corbishley" in unescape(html)
    sentence_links = re.findall(r'<ul class="sentences"><li><a href="(/id/article/[^"]+/sentence/[^"]+)">', html)
    assert sentence_links
    assert client.get(sentence_links[0]).status_code == 200


def test_an_officer_page_lists_their_cases_with_the_current_status(client, store_path):
    html = unescape(client.get("/id/" + OFFICER[len(ID):]).get_data(as_text=True))
    case = case_of(store_path, OFFICER)
    assert "<h2>Cases</h2>" in html
    listed = re.search(r'<a href="/id/' + re.escape(case[len(ID):]) + r'">([^<]+)</a>: ([^<(]+)', html)
    assert listed and listed.group(1).startswith("Case of Nathan Corbishley")
    assert listed.group(2).strip() == "sanction"


def test_an_unknown_case_is_a_404(client):
    assert client.get("/id/case/000000000000").status_code == 404
