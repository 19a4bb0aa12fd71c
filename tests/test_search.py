"""Search: the FTS5 index beside the store, kept in step with ingest and withdrawal, and its pages.

The same-case pair of tests/fixtures/cases (a Greater Manchester Police
constable charged, then jailed) goes through the real extractor into a real
store; the index is the file the ingest leaves beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import search
from kg.ingest import ingest
from kg.store import Store
from kg.web import create_app

from conftest import run_pmkg

CASES = Path(__file__).parent / "fixtures" / "cases"
OFFICER = "https://w3id.org/pmkg/id/officer/greater-manchester-police/nathan-corbishley"
GMP = "https://w3id.org/pmkg/id/org/greater-manchester-police"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("search") / "store"
    with Store.create(path) as store:
        assert not ingest(store, [CASES]).failures
    return path


@pytest.fixture(scope="module")
def client(store_path):
    app = create_app({"STORE": str(store_path), "TESTING": True})
    yield app.test_client()
    executor = app.extensions.get("pmkg.executor")
    if executor is not None:
        executor.close()


def hits(store_path: Path, text: str) -> list[search.Hit]:
    return search.search(search.index_path(store_path), text)


def test_ingest_leaves_an_index_that_finds_the_officer_by_name_with_force(store_path):
    found = hits(store_path, "Corbishley")
    assert found[0].kind == "officer" and found[0].iri == OFFICER
    assert "Greater Manchester Police" in found[0].detail


def test_the_exact_name_ranks_first(store_path):
    found = hits(store_path, "Greater Manchester Police")
    assert (found[0].kind, found[0].iri) == ("organisation", GMP)
    assert {h.kind for h in found} >= {"officer", "case", "article"}


def test_a_force_is_found_by_its_alias(store_path):
    assert GMP in [h.iri for h in hits(store_path, "GMP")]


def test_an_article_is_found_by_a_word_of_its_text_not_its_headline(store_path):
    found = [h for h in hits(store_path, "preyed") if h.kind == "article"]
    assert len(found) == 1
    assert "preyed" not in found[0].title.lower()
    assert search.OPEN + "preyed" + search.CLOSE in found[0].snippet


def test_the_case_is_found_by_its_label(store_path):
    assert any(h.kind == "case" for h in hits(store_path, "Corbishley"))


def test_withdrawal_removes_the_articles_hits(store_path, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store_path, copy)
    article = next(h for h in hits(copy, "preyed") if h.kind == "article").iri
    result = run_pmkg("cases", "withdraw", "--reason", "test", "--by", "tester", "--store", str(copy), article)
    assert result.returncode == 0, result.stderr
    assert [h for h in hits(copy, "preyed") if h.kind == "article"] == []
    assert article not in [h.iri for h in hits(copy, "Corbishley")]
    assert any(h.kind == "officer" for h in hits(copy, "Corbishley"))  # still in the other article


def test_search_page_groups_and_marks(client):
    response = client.get("/search?q=Corbishley", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("<h2>Officers</h2>") < page.index("<h2>Cases</h2>") < page.index("<h2>Articles</h2>")
    assert "Nathan <mark>Corbishley</mark>" in page
    assert 'href="/id/officer/greater-manchester-police/nathan-corbishley"' in page


def test_search_json_twin(client):
    body = client.get("/search.json?q=corbishley").get_json()
    first = body["results"][0]
    assert (first["kind"], first["iri"], first["title"]) == ("officer", OFFICER, "Nathan Corbishley")
    start, end = first["title_matches"][0]
    assert first["title"][start:end] == "Corbishley"


def test_every_page_has_the_search_box(client):
    for path in ("/", "/queries/", "/search"):
        page = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert 'role="search"' in page and 'name="q"' in page, path


def test_a_store_without_an_index_answers_503(store_path, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store_path, copy)
    search.index_path(copy).unlink()
    app = create_app({"STORE": str(copy), "TESTING": True})
    response = app.test_client().get("/search.json?q=Corbishley")
    assert response.status_code == 503
    assert "no search index" in response.get_json()["error"]["message"]


def test_pmkg_search_command(store_path):
    result = run_pmkg("search", "--store", str(store_path), "Corbishley")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("officer\tNathan Corbishley\t")
