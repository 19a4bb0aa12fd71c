"""Every fact shows its review state: in saved queries (?review, reviewed=true), on entity pages and in exports.

A real store: one development-corpus article ingested with `pmkg ingest`
(its published graph carries pmkg:reviewState on every fact node), one of its
allegations and its officer's name confirmed through the review API, and the
sample graph samples/sample-case.trig loaded as RDF (no review states: read as
unreviewed). Queries run through `pmkg query` and through the web app's saved
query pages (Flask's test client); the export through `pmkg export`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SKOS

from kg import review
from kg.namespaces import VOCAB
from kg.web import create_app

from conftest import FIXTURES, run_pmkg

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_FILE = FIXTURES / "cases" / "04_gmp-former-pc-jailed.txt"
REVIEW = VOCAB + "review/"
REVIEWED = {REVIEW + s for s in ("confirmed", "corrected", "added")}
FACT_QUERIES = ["allegations", "outcomes", "investigations", "quotes", "officers", "unnamed-groups"]


def pmkg_ok(*args: str) -> str:
    result = run_pmkg(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """(folder, article IRI, confirmed allegation IRI, officer IRI whose name was confirmed)."""
    folder = tmp_path_factory.mktemp("review-state") / "store"
    pmkg_ok("ingest", "--quiet", "--store", str(folder), str(ARTICLE_FILE), str(ROOT / "samples" / "sample-case.trig"))
    (article,) = [a for a in review.ReviewStore.open(folder, read_only=True).articles()]
    facts = review.facts(folder, article)
    allegation = next(f for f in facts if f.kind == "allegation")
    name = next(f for f in facts if f.kind == "officer" and f.field == "name")
    for fact in (allegation, name):
        review.decide(folder, action="confirm", article=article, key=fact.key, by="Sam Checker")
    rows = query(folder, "allegations")
    confirmed = {r["allegation"]["value"] for r in rows if r["review"]["value"] == REVIEW + "confirmed"}
    officers = {r["officer"]["value"] for r in query(folder, "officers") if r["review"]["value"] == REVIEW + "confirmed"}
    assert len(confirmed) == 1 and len(officers) == 1, (confirmed, officers)
    return folder, article, confirmed.pop(), officers.pop()


def query(folder: Path, name: str) -> list[dict]:
    out = pmkg_ok("query", "--store", str(folder), "--format", "json", str(ROOT / "queries" / f"{name}.rq"))
    return json.loads(out)["results"]["bindings"]


@pytest.fixture(scope="module")
def client(store):
    app = create_app({"STORE": str(store[0]), "TESTING": True, "QUERY_TIMEOUT": 20})
    yield app.test_client()
    app.extensions["pmkg.executor"].close()


def web_rows(client, name: str, **values) -> list[dict]:
    response = client.get(f"/queries/{name}.json", query_string=values)
    assert response.status_code == 200, response.data
    return [{k: v for k, v in row.items() if k != "__reviewed"}   # the parameter's own column
            for row in response.get_json()["results"]["results"]["bindings"]]


def test_the_review_scheme_has_the_four_states():
    graph = rdflib.Graph().parse(ROOT / "ontology" / "vocabularies.ttl", format="turtle")
    scheme = rdflib.URIRef(REVIEW[:-1])
    concepts = set(graph.subjects(SKOS.inScheme, scheme))
    assert {str(c) for c in concepts} == {REVIEW + s for s in ("unreviewed", "confirmed", "corrected", "added")}
    for concept in concepts:
        assert graph.value(concept, SKOS.notation) == rdflib.Literal(str(concept).rsplit("/", 1)[1])
        assert graph.value(concept, SKOS.prefLabel) and graph.value(concept, SKOS.definition)


@pytest.mark.parametrize("name", FACT_QUERIES)
def test_every_fact_row_has_a_review_state_unreviewed_where_the_graph_gives_none(store, name):
    rows = query(store[0], name)
    assert rows
    assert all(r["review"]["value"].startswith(REVIEW) for r in rows)
    sample = [r for r in rows if "fenland-ledger" in json.dumps(r)]   # loaded from RDF without review states
    assert sample and {r["review"]["value"] for r in sample} == {REVIEW + "unreviewed"}


def test_reviewed_true_keeps_only_reviewed_facts(store, client):
    _, _, allegation, officer = store
    everything = web_rows(client, "allegations")
    reviewed = web_rows(client, "allegations", reviewed="true")
    assert {r["allegation"]["value"] for r in reviewed} == {allegation}
    assert len(everything) > len(reviewed) and web_rows(client, "allegations", reviewed="false") == everything
    assert {r["officer"]["value"] for r in web_rows(client, "officers", reviewed="true")} == {officer}
    assert web_rows(client, "quotes", reviewed="true") == []
    assert all(r["review"]["value"] in REVIEWED for r in reviewed)


def test_the_reviewed_option_takes_only_true_or_false(client):
    for value in ('true" || true', "yes", "TRUE"):
        response = client.get("/queries/allegations.json", query_string={"reviewed": value})
        assert response.status_code == 400
        assert "reviewed" in response.get_json()["error"]["message"]


def test_entity_pages_show_each_facts_review_state(store, client):
    _, article, allegation, officer = store
    page = client.get("/" + officer.removeprefix("https://w3id.org/pmkg/"), headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="review review-confirmed"' in html      # its confirmed name and the confirmed allegation
    assert 'class="review review-unreviewed"' in html     # facts nobody has checked yet
    fact = client.get("/" + allegation.removeprefix("https://w3id.org/pmkg/"), headers={"Accept": "text/html"})
    assert 'class="review review-confirmed"' in fact.get_data(as_text=True)
    # the article's page: each fact beside its sentence, with its state
    data = client.get("/" + article.removeprefix("https://w3id.org/pmkg/") + ".json").get_json()
    facts = [f for s in data["sentences"] for f in s["facts"]]
    assert any(f["href"].endswith(allegation.removeprefix("https://w3id.org/pmkg")) and f["review"] == "confirmed"
               for f in facts)
    assert {v["review"] for s in data["sentences"] for st in s["statements"] for v in st["values"]} \
        == {"confirmed", "unreviewed"}
    article_page = client.get("/" + article.removeprefix("https://w3id.org/pmkg/"), headers={"Accept": "text/html"})
    assert 'class="review review-confirmed"' in article_page.get_data(as_text=True)


def test_the_export_carries_the_review_states(store, tmp_path):
    folder, _, allegation, _ = store
    out = tmp_path / "all.nq"
    pmkg_ok("export", "--store", str(folder), "--format", "nquads", "-o", str(out), "--no-void")
    dump = out.read_text(encoding="utf-8")
    assert f"<{allegation}> <https://w3id.org/pmkg/ontology#reviewState> <{REVIEW}confirmed>" in dump
    assert f"<https://w3id.org/pmkg/ontology#reviewState> <{REVIEW}unreviewed>" in dump
    assert "Sam Checker" not in dump   # who reviewed stays in the private store
