"""Withdraw an article that shares an officer with another, and restore it (issue 11, second "done when").

The two articles of tests/fixtures/cases are a same-case pair of the
development corpus: both name the same constable of Greater Manchester Police,
so the officer has one IRI and is reported in both graphs. Everything runs
for real: `pmkg ingest`, `pmkg withdraw`, `pmkg restore` and `pmkg export` in
subprocesses on an on-disk store, and the web app's pages through Flask's
test client on the app's own snapshot of that store.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.namespaces import ID
from kg.store import Store
from kg.web import create_app

from conftest import FIXTURES, run_pmkg

WITHDRAWN_FILE = FIXTURES / "cases" / "03_gmp-pc-charged-abuse-of-position.txt"
KEPT_FILE = FIXTURES / "cases" / "04_gmp-former-pc-jailed.txt"
REASON = "The publisher retracted the story after a complaint."
WITHDRAWALS_GRAPH = ID + "graph/withdrawals"
SHARED = """
PREFIX pmkg: <https://w3id.org/pmkg/ontology#>
SELECT DISTINCT ?officer ?a ?b WHERE {
  GRAPH ?a { ?officer a pmkg:PoliceOfficer ; pmkg:name ?name ; pmkg:force ?force }
  GRAPH ?b { ?officer a pmkg:PoliceOfficer }
  FILTER (?a != ?b)
}"""
ARTICLE_OF = """
PREFIX pmkg: <https://w3id.org/pmkg/ontology#>
SELECT ?article ?from WHERE { GRAPH ?article { ?article a pmkg:NewsArticle ; pmkg:retrievedFrom ?from } }"""


def local(iri: str) -> str:
    return "/" + iri.removeprefix("https://w3id.org/pmkg/")


def pmkg_ok(*args: str) -> str:
    result = run_pmkg(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def state(store_dir: Path) -> tuple:
    """Everything a failed command must leave as it was: every quad of the public store."""
    with Store(store_dir, read_only=True) as store:
        return tuple(sorted(str(q) for q in store.quads()))


def article_iri(store_dir: Path, path: Path) -> str:
    with Store(store_dir, read_only=True) as store:
        for row in store.query(ARTICLE_OF):
            if row["from"].value.endswith("/" + path.name):
                return row["article"].value
    raise AssertionError(f"no article read from {path.name}")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store with both articles; returns (folder, withdrawn article, kept article, shared officer)."""
    folder = tmp_path_factory.mktemp("withdraw") / "store"
    pmkg_ok("ingest", "--quiet", "--store", str(folder), str(WITHDRAWN_FILE), str(KEPT_FILE))
    withdrawn, kept = article_iri(folder, WITHDRAWN_FILE), article_iri(folder, KEPT_FILE)
    with Store(folder, read_only=True) as s:
        shared = {r["officer"].value for r in s.query(SHARED) if {r["a"].value, r["b"].value} == {withdrawn, kept}}
    assert len(shared) == 1, shared
    return folder, withdrawn, kept, shared.pop()


def client_for(folder: Path):
    app = create_app({"STORE": str(folder), "TESTING": True, "QUERY_TIMEOUT": 20, "STORE_CHECK_INTERVAL": 0})
    return app, app.test_client()


def officer_page(client, officer: str) -> str:
    response = client.get(local(officer), headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def exported(folder: Path, tmp_path: Path) -> str:
    out = tmp_path / "export.nq"
    pmkg_ok("export", "--store", str(folder), "--format", "nquads", "-o", str(out), "--no-void")
    return out.read_text(encoding="utf-8")


def test_withdraw_keeps_the_other_articles_facts_answers_410_and_restore_brings_it_back(store, tmp_path):
    folder, withdrawn, kept, officer = store
    app, client = client_for(folder)
    try:
        before = officer_page(client, officer)
        assert local(withdrawn) in before and local(kept) in before

        out = pmkg_ok("withdraw", withdrawn, "--reason", REASON, "--by", "Dana Editor", "--store", str(folder))
        assert out.startswith(f"withdrew <{withdrawn}>")

        # the officer's page keeps the other article's facts, and only those
        page = officer_page(client, officer)
        assert local(kept) in page
        assert local(withdrawn) not in page
        # the withdrawn IRI answers 410 Gone with the reason, as a page, as JSON and as RDF
        for path, accept in [(local(withdrawn), "text/html"), (local(withdrawn), "application/json"),
                             (local(withdrawn) + ".ttl", "*/*"), (local(withdrawn) + ".jsonld", "*/*"),
                             (local(withdrawn) + ".json", "*/*"), (local(withdrawn) + ".trig", "*/*")]:
            response = client.get(path, headers={"Accept": accept})
            assert response.status_code == 410, path
            assert REASON in response.get_data(as_text=True), path
        assert client.get(local(kept), headers={"Accept": "text/html"}).status_code == 200

        # pmkg export leaves it out: no graph, no fact minted inside it; only the public withdrawals entry names it
        dump = exported(folder, tmp_path)
        assert f"<{withdrawn}/" not in dump
        naming = [line for line in dump.splitlines() if f"<{withdrawn}>" in line]
        assert naming and all(line.endswith(f"<{WITHDRAWALS_GRAPH}> .") for line in naming)
        assert "Dana Editor" not in dump   # who withdrew it is kept privately

        # re-ingesting the withdrawn article does not bring it back
        result = run_pmkg("ingest", "--quiet", "--store", str(folder), str(WITHDRAWN_FILE))
        assert "withdrawn" in result.stdout + result.stderr
        with Store(folder, read_only=True) as s:
            assert not s.contains_graph(withdrawn)
        assert client.get(local(withdrawn), headers={"Accept": "text/html"}).status_code == 410

        # restore brings it back: the page, the officer's facts from both articles, the export
        pmkg_ok("restore", withdrawn, "--by", "Dana Editor", "--store", str(folder))
        assert client.get(local(withdrawn), headers={"Accept": "text/html"}).status_code == 200
        page = officer_page(client, officer)
        assert local(withdrawn) in page and local(kept) in page
        dump = exported(folder, tmp_path)
        assert f"<{withdrawn}/" in dump
        assert f"<{WITHDRAWALS_GRAPH}>" not in dump
    finally:
        app.extensions["pmkg.executor"].close()


def test_unknown_article_missing_reason_or_name_are_one_line_errors_that_change_nothing(store):
    folder, withdrawn, _, _ = store
    before = state(folder)
    cases = [
        (("withdraw", ID + "article/no-such-article", "--reason", REASON, "--by", "Dana Editor"),
         f"Error: <{ID}article/no-such-article>: no such article graph in the store"),
        (("withdraw", withdrawn, "--by", "Dana Editor"), "Error: --reason needs a reason (what the public is told)"),
        (("withdraw", withdrawn, "--reason", "   ", "--by", "Dana Editor"),
         "Error: --reason needs a reason (what the public is told)"),
        (("withdraw", withdrawn, "--reason", REASON), "Error: --by needs a person's name"),
        (("cases", "withdraw", withdrawn), "Error: --reason needs a reason (what the public is told)"),
        (("withdraw", "not an iri", "--reason", REASON, "--by", "x"), "Error: not an IRI: 'not an iri'"),
        (("restore", withdrawn, "--by", "Dana Editor"), f"Error: <{withdrawn}> is not withdrawn"),
        (("restore", withdrawn), "Error: --by needs a person's name"),
    ]
    for args, message in cases:
        result = run_pmkg(*args, "--store", str(folder))
        assert result.returncode == 1, args
        assert result.stderr.splitlines() == [message], args
        assert state(folder) == before, args


def test_withdrawing_twice_says_when_and_the_alias_withdraws(store, tmp_path):
    folder, withdrawn, _, _ = store
    pmkg_ok("cases", "withdraw", withdrawn, "--reason", REASON, "--by", "Dana Editor", "--store", str(folder))
    try:
        before = state(folder)
        result = run_pmkg("withdraw", withdrawn, "--reason", "again", "--by", "x", "--store", str(folder))
        assert result.returncode == 1
        assert len(result.stderr.splitlines()) == 1 and "`pmkg restore` brings it back" in result.stderr
        assert state(folder) == before
    finally:
        pmkg_ok("restore", withdrawn, "--by", "Dana Editor", "--store", str(folder))
