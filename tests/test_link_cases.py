"""`pmkg link --cases`: linking investigations through their subjects' accepted links.

Against the same loopback SPARQL servers and Wikidata-shaped fixture as
tests/test_link.py (tests/fixtures/link/wikidata.ttl holds the invented case
items). Nothing here touches the internet.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from kg.link import links as model
from kg.link.cases import Case, CaseCandidate, case_query, cases, reconcile_cases, score_case
from kg.link.client import SparqlClient
from kg.namespaces import ID
from kg.store import Store

from test_link import SERVERS, WD, links_in, run_link, same_as, sparql_server

HARRIET = f"{ID}officer/norfolk-constabulary/harriet-voss"
TOM = f"{ID}officer/kent-police/tom-brackenbury"
ARTICLE_1 = f"{ID}article/2024-05-01-norfolk-officer-faces-hearing-0000000001"
ARTICLE_2 = f"{ID}article/2023-02-10-kent-officer-cleared-0000000002"
CASE_1 = f"{ARTICLE_1}/investigation/iopc-1"
CASE_2 = f"{ARTICLE_2}/investigation/kent-psd-1"

ARTICLES = f"""
@prefix pmkg: <https://w3id.org/pmkg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{ARTICLE_1}> {{
  <{ARTICLE_1}> a pmkg:NewsArticle ; schema:datePublished "2024-05-01"^^xsd:date .
  <{HARRIET}> a pmkg:PoliceOfficer ; pmkg:name "Harriet Voss" ;
      pmkg:force <{ID}org/norfolk-constabulary> ; pmkg:age 46 .
  <{CASE_1}> a pmkg:Investigation ; pmkg:hasSubject <{HARRIET}> ;
      pmkg:investigatingBody <{ID}org/independent-office-for-police-conduct> .
}}
<{ARTICLE_2}> {{
  <{ARTICLE_2}> a pmkg:NewsArticle ; schema:datePublished "2023-02-10"^^xsd:date .
  <{TOM}> a pmkg:PoliceOfficer ; pmkg:name "Tom Brackenbury" ; pmkg:force <{ID}org/kent-police> .
  <{CASE_2}> a pmkg:Investigation ; pmkg:hasSubject <{TOM}> ;
      pmkg:investigatingBody <{ID}org/kent-police> .
}}
"""


@pytest.fixture(scope="module", params=SERVERS)
def endpoint(request, tmp_path_factory) -> str:
    with sparql_server(request.param, tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture
def case_store(tmp_path) -> Path:
    path = tmp_path / "store"
    with Store.create(path) as store:
        store.load(ARTICLES.encode("utf-8"), format="trig")
    return path


def accept_harriet(store_dir: Path, endpoint: str) -> None:
    """The people run, then the officer's link accepted with the usual accept function."""
    run = run_link("--store", str(store_dir), "--endpoint", endpoint, "--min-interval", "0")
    assert run.exit_code == 0, run.output
    with Store(store_dir) as store:
        [proposal] = model.read_links(store)
        assert (proposal.entity, proposal.target) == (HARRIET, WD + "Q999999001")
        model.decide(store, proposal.id, "accepted", by="Jane Doe")
        store.flush()


def _cases(store_dir: Path) -> list[Case]:
    with Store(store_dir, read_only=True) as store:
        return cases(store)


# -- finding and scoring ----------------------------------------------------------------------

def test_only_cases_with_an_accepted_subject_are_linked(endpoint, case_store):
    assert _cases(case_store) == []
    run = run_link("--store", str(case_store), "--endpoint", endpoint, "--min-interval", "0")
    assert run.exit_code == 0, run.output
    assert _cases(case_store) == []          # a proposed link is not enough
    with Store(case_store) as store:
        [proposal] = model.read_links(store)
        model.decide(store, proposal.id, "accepted", by="Jane Doe")
        store.flush()
    [case] = _cases(case_store)
    assert case.iri == CASE_1 and case.name == "investigation of Harriet Voss"
    assert case.subjects == ((HARRIET, "Harriet Voss", WD + "Q999999001"),)
    assert case.article_dates == (date(2024, 5, 1),)


def test_the_matching_case_is_proposed_and_the_decoy_is_not(endpoint, case_store, tmp_path):
    accept_harriet(case_store, endpoint)
    with SparqlClient(endpoint, cache_dir=tmp_path / "cache", min_interval=0) as client:
        [outcome] = reconcile_cases(_cases(case_store), client, threshold=0.9)
        assert client.requests == 1
    ranked = [(s.candidate.iri.removeprefix(WD), s.score) for s in outcome.candidates]
    # The paper (scholarly article) and the namesake's case are never candidates.
    assert [q for q, _ in ranked] == ["Q999999301", "Q999999302", "Q999999303"]
    assert ranked[0][1] == 1.0 and ranked[1][1] < 0.9 and ranked[2][1] < 0.9
    assert [s.candidate.iri for s in outcome.proposed] == [WD + "Q999999301"]
    best, decoy, inquiry = outcome.candidates
    assert "perpetrator Harriet Voss (accepted link)" in best.reason
    assert "instance of police misconduct case" in best.reason
    assert "dated 2023-06-01, on or before the reporting (2024-05-01)" in best.reason
    assert "after every article" in decoy.reason
    assert "participant Harriet Voss" in inquiry.reason and "no dates" in inquiry.reason
    assert best.candidate.description.startswith("gross misconduct proceedings")


def test_scores_never_reach_the_threshold_without_an_accepted_subject_or_against_the_dates():
    case = Case(iri=CASE_1, name="investigation of Harriet Voss",
                subjects=((HARRIET, "Harriet Voss", WD + "Q1"),), article_dates=(date(2024, 5, 1),))
    scored = lambda **kw: score_case(case, CaseCandidate(iri=WD + "Q2", label="x", **kw)).score  # noqa: E731
    assert scored(roles=((WD + "Q1", "perpetrator"),), dates=(date(2020, 1, 1),)) == 1.0
    assert scored(roles=((WD + "Q1", "perpetrator"),)) == 0.9
    assert scored(roles=((WD + "Q1", "perpetrator"),), dates=(date(2024, 6, 1),)) < 0.9
    assert scored(roles=((WD + "Q1", "participant"),)) < 0.9
    assert scored(roles=((WD + "Q1", "main subject"),), dates=(date(2024, 5, 1),)) == 0.9
    assert scored(dates=(date(2020, 1, 1),)) < 0.9
    query = case_query(WD + "Q1")
    assert "wdt:P8031" in query and "wdt:P710" in query and "wdt:P921" in query and "wdt:P585" in query


# -- the command: propose, review, accept ------------------------------------------------------

def test_cases_are_proposed_reviewed_and_accepted(endpoint, case_store):
    accept_harriet(case_store, endpoint)
    run = run_link("--store", str(case_store), "--endpoint", endpoint, "--min-interval", "0", "--cases")
    assert run.exit_code == 0, run.output
    assert "1 cases, 3 candidates, 1 new proposals" in run.output
    assert "investigation of Harriet Voss" in run.output and "Q999999301" in run.output
    with Store(case_store, read_only=True) as store:
        [proposal] = [item for item in model.read_links(store) if item.status == "proposed"]
    assert (proposal.entity, proposal.target) == (CASE_1, WD + "Q999999301")
    assert proposal.by == model.SOFTWARE_AGENT and proposal.entity_kind == "case"
    assert same_as(case_store) == {(HARRIET, WD + "Q999999001")}   # a proposal is not a link yet

    review = run_link("--store", str(case_store), "--review")
    assert review.exit_code == 0, review.output
    line = next(x for x in review.output.splitlines() if x.startswith(proposal.id))
    assert " case " in line and "investigation of Harriet Voss" in line and "misconduct case of Harriet Voss" in line
    assert "kind" in review.output.splitlines()[0]

    accepted = run_link("accept", proposal.id, "--by", "Sam Roe", "--store", str(case_store))
    assert accepted.exit_code == 0, accepted.output
    assert f"accepted link {proposal.id}: investigation of Harriet Voss" in accepted.output
    with Store(case_store, read_only=True) as store:
        after = {item.entity: item for item in model.read_links(store)}[CASE_1]
    assert after.status == "accepted" and after.by == f"{ID}reviewer/sam-roe" and after.by_label == "Sam Roe"
    assert after.at >= proposal.at and after.created_by == model.SOFTWARE_AGENT
    assert same_as(case_store) == {(HARRIET, WD + "Q999999001"), (CASE_1, WD + "Q999999301")}

    # The case is linked: a second run has nothing to do; the people run ignores cases.
    again = run_link("--store", str(case_store), "--endpoint", endpoint, "--min-interval", "0", "--cases")
    assert again.exit_code == 0 and "0 cases" in again.output and "accept people's links first" in again.output
    people = run_link("--store", str(case_store), "--endpoint", endpoint, "--min-interval", "0")
    assert people.exit_code == 0 and "1 people" in people.output
    assert len(links_in(case_store)) == 2


def test_nothing_is_proposed_below_the_threshold_or_accepted_automatically(endpoint, case_store):
    accept_harriet(case_store, endpoint)
    run = run_link("--store", str(case_store), "--endpoint", endpoint, "--min-interval", "0", "--cases",
                   "--threshold", "0.75")
    assert run.exit_code == 0, run.output
    rows = {(r["entity"], r["target"].removeprefix(WD)): r["status"] for r in links_in(case_store)}
    assert {k: v.rsplit("/", 1)[-1] for k, v in rows.items() if k[0] == CASE_1} == {
        (CASE_1, "Q999999301"): "proposed", (CASE_1, "Q999999302"): "proposed",
        (CASE_1, "Q999999303"): "proposed"}
    with Store(case_store, read_only=True) as store:
        assert all(item.score >= 0.75 for item in model.read_links(store) if item.entity == CASE_1)


# -- the cache and offline ---------------------------------------------------------------------

def test_case_linking_works_offline_from_the_cache(case_store, tmp_path):
    with sparql_server("python", tmp_path / "server") as url:
        accept_harriet(case_store, url)
        first = run_link("--store", str(case_store), "--endpoint", url, "--min-interval", "0", "--cases")
        assert first.exit_code == 0, first.output
        assert "1 requests" in first.output and "0 answers from the cache" in first.output
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2)

    # An earlier article's investigation of the same officer: the same query, answered from the cache;
    # the case began after that article, so it is not proposed for it.
    with Store(case_store) as store:
        store.update(f"""INSERT DATA {{ GRAPH <{ARTICLE_2}> {{
            <{ARTICLE_2}/investigation/iopc-2> a <https://w3id.org/pmkg/ontology#Investigation> ;
                <https://w3id.org/pmkg/ontology#hasSubject> <{HARRIET}> }} }}""")
        store.flush()
    offline = run_link("--store", str(case_store), "--endpoint", url, "--offline", "--cases")
    assert offline.exit_code == 0, offline.output
    assert "2 cases" in offline.output and "0 requests" in offline.output
    assert "2 answers from the cache" in offline.output
    targets = {(r["entity"], r["target"].removeprefix(WD)) for r in links_in(case_store)}
    assert (CASE_1, "Q999999301") in targets
    assert not any(entity.endswith("/iopc-2") for entity, _ in targets)
    assert "below threshold" in offline.output and "proposed before" in offline.output

    # A subject whose items were never fetched: said clearly, with a non-zero exit.
    added = run_link("add", TOM, WD + "Q999999002", "--by", "Jane Doe", "--store", str(case_store))
    assert added.exit_code == 0, added.output
    missing = run_link("--store", str(case_store), "--endpoint", url, "--offline", "--cases")
    assert missing.exit_code == 1 and "not in the cache (offline)" in missing.output
    assert missing.output.strip().splitlines()[-1] == (
        "Error: 1 of 3 cases were not in the cache (offline); run without --offline to fetch them")
