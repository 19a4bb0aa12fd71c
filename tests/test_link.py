"""`pmkg link` against a real SPARQL server on loopback, loaded with a Wikidata-shaped fixture.

The server is the Oxigraph server (the `oxigraph` package's binary) when it
is installed, and a small pyoxigraph-backed SPARQL protocol server
(tests/fixtures/link/sparql_server.py) in any case, so both run when both
are there. Nothing here touches the internet.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.link import links as model
from kg.link.cli import link
from kg.link.client import SparqlClient
from kg.link.reconcile import entities, reconcile
from kg.namespaces import ID
from kg.store import Store

from conftest import FIXTURES
from remote_servers import free_port, oxigraph_binary, wait_ready

LINK_FIXTURES = FIXTURES / "link"
WD = "http://www.wikidata.org/entity/"
HARRIET = f"{ID}officer/norfolk-constabulary/harriet-voss"
OKAFOR = f"{ID}person/daniel-okafor"
ARTICLE_1 = f"{ID}article/2024-05-01-norfolk-officer-faces-hearing-0000000001"
ARTICLE_2 = f"{ID}article/2023-02-10-kent-officer-cleared-0000000002"

ARTICLES = f"""
@prefix pmkg: <https://w3id.org/pmkg/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{ARTICLE_1}> {{
  <{ARTICLE_1}> a pmkg:NewsArticle ; schema:datePublished "2024-05-01"^^xsd:date .
  <{HARRIET}> a pmkg:PoliceOfficer ; pmkg:name "Harriet Voss" ;
      pmkg:force <{ID}org/norfolk-constabulary> ; pmkg:age 46 .
  <{OKAFOR}> a pmkg:Person ; pmkg:name "Daniel Okafor" .
  <{ID}person/peter-quillfeather> a pmkg:Person ; pmkg:name "Peter Quillfeather" .
}}
<{ARTICLE_2}> {{
  <{ARTICLE_2}> a pmkg:NewsArticle ; schema:datePublished "2023-02-10"^^xsd:date .
  <{ID}officer/kent-police/tom-brackenbury> a pmkg:PoliceOfficer ; pmkg:name "Tom Brackenbury" ;
      pmkg:force <{ID}org/kent-police> .
}}
"""
LINKS_QUERY = """
PREFIX pmkg: <https://w3id.org/pmkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?entity ?target ?status ?by ?at WHERE { GRAPH <https://w3id.org/pmkg/graph/links> {
  ?link pmkg:linkSubject ?entity ; pmkg:linkTarget ?target ; pmkg:linkStatus ?status ;
        prov:wasAttributedTo ?by ; prov:generatedAtTime ?at } } ORDER BY ?target"""


# -- servers ----------------------------------------------------------------------------------

# oxigraph_binary, free_port and wait_ready: tests/remote_servers.py, shared with the server-store tests.


@contextmanager
def sparql_server(kind: str, workdir: Path):
    """A SPARQL endpoint on loopback with tests/fixtures/link/wikidata.ttl; yields its URL."""
    data = LINK_FIXTURES / "wikidata.ttl"
    if kind == "oxigraph":
        location = workdir / "oxigraph"
        subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(data)],
                       check=True, capture_output=True, timeout=60)
        port = free_port()
        process = subprocess.Popen([oxigraph_binary(), "serve-read-only", "--location", str(location),
                                    "--bind", f"127.0.0.1:{port}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        process = subprocess.Popen([sys.executable, str(LINK_FIXTURES / "sparql_server.py"), str(data)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = int(process.stdout.readline())
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


SERVERS = [pytest.param("oxigraph", marks=pytest.mark.skipif(oxigraph_binary() is None,
                                                            reason="the oxigraph server is not installed")),
           "python"]


@pytest.fixture(scope="module", params=SERVERS)
def server_kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def endpoint(server_kind, tmp_path_factory) -> str:
    with sparql_server(server_kind, tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture
def people_store(tmp_path) -> Path:
    path = tmp_path / "store"
    with Store.create(path) as store:
        store.load(ARTICLES.encode("utf-8"), format="trig")
    return path


def run_link(*args: str, env: dict | None = None):
    return CliRunner().invoke(link, list(args), env=env)


def links_in(store_dir: Path) -> list[dict[str, str]]:
    with Store(store_dir, read_only=True) as store:
        return [{k: row[k].value for k in ("entity", "target", "status", "by", "at")}
                for row in store.query(LINKS_QUERY)]


def same_as(store_dir: Path) -> set[tuple[str, str]]:
    query = ("SELECT ?s ?o WHERE { GRAPH <https://w3id.org/pmkg/graph/links> "
             "{ ?s <http://www.w3.org/2002/07/owl#sameAs> ?o } }")
    with Store(store_dir, read_only=True) as store:
        return {(row["s"].value, row["o"].value) for row in store.query(query)}


# -- finding and scoring ----------------------------------------------------------------------

def test_people_of_the_store_carry_force_items_dates_and_ages(people_store):
    with Store(people_store, read_only=True) as store:
        found = {e.iri: e for e in entities(store)}
    assert set(found) == {HARRIET, OKAFOR, f"{ID}person/peter-quillfeather",
                          f"{ID}officer/kent-police/tom-brackenbury"}
    harriet = found[HARRIET]
    assert harriet.is_officer and harriet.name == "Harriet Voss"
    assert harriet.force_items == {WD + "Q7051007"}
    assert [d.isoformat() for d in harriet.article_dates] == ["2024-05-01"]
    assert [age for age, _ in harriet.ages] == [46]
    assert not found[OKAFOR].is_officer


def test_candidates_are_found_scored_and_thresholded(endpoint, people_store, tmp_path):
    with Store(people_store, read_only=True) as store:
        people = entities(store)
    with SparqlClient(endpoint, cache_dir=tmp_path / "cache", min_interval=0) as client:
        outcomes = {o.entity.iri: o for o in reconcile(people, client, threshold=0.9)}
        assert client.requests == len(people)
    harriet = outcomes[HARRIET]
    ranked = [s.candidate.iri.removeprefix(WD) for s in harriet.candidates]
    assert ranked == ["Q999999001", "Q999999002", "Q999999003"]   # the yacht is not human
    scores = [s.score for s in harriet.candidates]
    assert scores[0] >= 0.9 > scores[1] > scores[2]
    assert [s.candidate.iri for s in harriet.proposed] == [WD + "Q999999001"]
    best = harriet.candidates[0]
    assert "employer is the force Norfolk Constabulary" in best.reason
    assert "police occupation police officer" in best.reason
    assert "other employer Kent Police" in harriet.candidates[1].reason
    # A name alone is never enough.
    okafor = outcomes[OKAFOR]
    assert [s.candidate.iri for s in okafor.candidates] == [WD + "Q999999005"]
    assert okafor.proposed == [] and okafor.candidates[0].score < 0.9
    assert outcomes[f"{ID}person/peter-quillfeather"].candidates == []


def test_link_proposes_only_at_or_above_the_threshold(endpoint, people_store):
    result = run_link("--store", str(people_store), "--endpoint", endpoint, "--min-interval", "0")
    assert result.exit_code == 0, result.output
    assert "below threshold" in result.output and "no candidate" in result.output
    assert "4 people, 4 candidates, 1 new proposals" in result.output
    [only] = links_in(people_store)
    assert only["entity"] == HARRIET and only["target"] == WD + "Q999999001"
    assert only["status"].endswith("link-status/proposed")
    assert only["by"] == model.SOFTWARE_AGENT and only["at"]
    assert same_as(people_store) == set()   # a proposal is not a link yet


def test_a_lower_threshold_proposes_more(endpoint, people_store):
    result = run_link("--store", str(people_store), "--endpoint", endpoint, "--min-interval", "0",
                      "--threshold", "0.65")
    assert result.exit_code == 0, result.output
    targets = {(row["entity"], row["target"].removeprefix(WD)) for row in links_in(people_store)}
    assert targets == {(HARRIET, "Q999999001"), (HARRIET, "Q999999002"), (OKAFOR, "Q999999005")}


def test_review_accept_and_reject(endpoint, people_store):
    run = run_link("--store", str(people_store), "--endpoint", endpoint, "--min-interval", "0", "--threshold", "0.65")
    assert run.exit_code == 0, run.output
    with Store(people_store, read_only=True) as store:
        by_target = {item.target.removeprefix(WD): item for item in model.read_links(store)}
    review = run_link("--store", str(people_store), "--review")
    assert review.exit_code == 0, review.output
    for item in by_target.values():
        assert item.id in review.output
    assert "Harriet Voss" in review.output and "British police officer (Norfolk Constabulary)" in review.output

    right, wrong = by_target["Q999999001"], by_target["Q999999002"]
    accepted = run_link("accept", right.id, "--by", "Jane Doe", "--store", str(people_store))
    assert accepted.exit_code == 0, accepted.output
    assert f"accepted link {right.id}" in accepted.output
    rejected = run_link("--store", str(people_store), "reject", wrong.id[:5], "--by", "Sam Roe")
    assert rejected.exit_code == 0, rejected.output

    with Store(people_store, read_only=True) as store:
        after = {item.target.removeprefix(WD): item for item in model.read_links(store)}
    assert after["Q999999001"].status == "accepted"
    assert after["Q999999001"].by == f"{ID}reviewer/jane-doe" and after["Q999999001"].by_label == "Jane Doe"
    assert after["Q999999001"].at >= right.at
    assert after["Q999999001"].created_by == model.SOFTWARE_AGENT   # who proposed it is kept
    assert after["Q999999002"].status == "rejected" and after["Q999999002"].by_label == "Sam Roe"
    assert after["Q999999005"].status == "proposed"
    assert same_as(people_store) == {(HARRIET, WD + "Q999999001")}

    listed = run_link("--store", str(people_store), "--review", "--status", "accepted")
    assert right.id in listed.output and wrong.id not in listed.output and "Jane Doe" in listed.output

    # A second run keeps the decisions and skips the people already linked.
    again = run_link("--store", str(people_store), "--endpoint", endpoint, "--min-interval", "0",
                     "--threshold", "0.65")
    assert again.exit_code == 0, again.output
    assert "3 people" in again.output and "0 new proposals" in again.output
    assert {k: v.status for k, v in after.items()} == {
        item.target.removeprefix(WD): item.status for item in _read(people_store)}

    # Rejecting an accepted link withdraws its owl:sameAs.
    undo = run_link("reject", right.id, "--by", "Jane Doe", "--store", str(people_store))
    assert undo.exit_code == 0, undo.output
    assert same_as(people_store) == set()


def _read(store_dir: Path) -> list[model.Link]:
    with Store(store_dir, read_only=True) as store:
        return model.read_links(store)


def test_unknown_or_ambiguous_ids_and_missing_reviewer_are_one_line_errors(people_store):
    result = run_link("accept", "abcdef12", "--by", "Jane Doe", "--store", str(people_store))
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no link 'abcdef12'; `pmkg link --review` lists them"
    short = run_link("accept", "ab", "--by", "Jane Doe", "--store", str(people_store))
    assert short.exit_code == 1 and "at least 4 characters" in short.output
    nobody = run_link("accept", "abcdef12", "--store", str(people_store))
    assert nobody.exit_code == 2 and "--by" in nobody.output


def test_a_person_can_add_a_link_below_the_threshold(people_store):
    result = run_link("add", OKAFOR, WD + "Q999999005", "--by", "Jane Doe", "--store", str(people_store))
    assert result.exit_code == 0, result.output
    [row] = links_in(people_store)
    assert row["status"].endswith("/accepted") and row["by"] == f"{ID}reviewer/jane-doe"
    assert same_as(people_store) == {(OKAFOR, WD + "Q999999005")}
    twice = run_link("add", OKAFOR, WD + "Q999999005", "--by", "Jane Doe", "--store", str(people_store))
    assert twice.exit_code == 1 and "already a link" in twice.output
    stranger = run_link("add", f"{ID}person/nobody", WD + "Q1", "--by", "Jane Doe", "--store", str(people_store))
    assert stranger.exit_code == 1 and "nothing in the store" in stranger.output


# -- the cache and offline ---------------------------------------------------------------------

def test_a_second_run_is_answered_from_the_cache_with_the_server_stopped(people_store, tmp_path):
    with sparql_server("python", tmp_path / "server") as url:
        first = run_link("--store", str(people_store), "--endpoint", url, "--min-interval", "0")
        assert first.exit_code == 0, first.output
        assert "4 requests" in first.output and "0 answers from the cache" in first.output
    before = links_in(people_store)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2)

    cached = run_link("--store", str(people_store), "--endpoint", url, "--min-interval", "0")
    assert cached.exit_code == 0, cached.output
    assert "0 requests" in cached.output and "4 answers from the cache" in cached.output
    offline = run_link("--store", str(people_store), "--endpoint", url, "--offline", "--threshold", "0.65")
    assert offline.exit_code == 0, offline.output
    assert "0 requests" in offline.output and "2 new proposals" in offline.output
    assert {row["target"] for row in before} < {row["target"] for row in links_in(people_store)}

    # Someone new, offline: said clearly, on one line, with a non-zero exit.
    with Store(people_store) as store:
        store.update(f"""INSERT DATA {{ GRAPH <{ARTICLE_2}> {{
            <{ID}person/ruth-ellery> a <https://w3id.org/pmkg/ontology#Person> ;
                <https://w3id.org/pmkg/ontology#name> "Ruth Ellery" }} }}""")
    missing = run_link("--store", str(people_store), "--endpoint", url, "--offline")
    assert missing.exit_code == 1
    assert "not in the cache (offline)" in missing.output
    assert missing.output.strip().splitlines()[-1] == (
        "Error: 1 of 5 people were not in the cache (offline); run without --offline to fetch them")
    # Online, with the server gone: a one-line error, no traceback.
    down = run_link("--store", str(people_store), "--endpoint", url, "--min-interval", "0")
    assert down.exit_code == 1 and "cannot reach" in down.output and "Traceback" not in down.output


def test_the_cache_lives_where_it_is_told(endpoint, people_store, tmp_path):
    cache = tmp_path / "elsewhere"
    result = run_link("--store", str(people_store), "--endpoint", endpoint, "--min-interval", "0",
                      "--cache", str(cache))
    assert result.exit_code == 0, result.output
    assert (cache / "sparql-cache.sqlite").is_file()
    assert not (people_store / "link-cache").exists()


def test_the_links_graph_conforms_to_the_shapes(endpoint, people_store):
    from kg.validate import validate_store

    run = run_link("--store", str(people_store), "--endpoint", endpoint, "--min-interval", "0")
    assert run.exit_code == 0, run.output
    [proposal] = _read(people_store)
    assert run_link("accept", proposal.id, "--by", "Jane Doe", "--store", str(people_store)).exit_code == 0
    with Store(people_store, read_only=True) as store:
        others = set(store.named_graphs()) - {model.LINKS_GRAPH}
        [(graph, validation)] = validate_store(store, skip=others)
    assert graph == model.LINKS_GRAPH and validation.conforms, validation.text


def test_link_works_as_a_subcommand_of_the_pmkg_group(people_store):
    from kg.cli import PmkgGroup

    pmkg = PmkgGroup(name="pmkg")
    pmkg.add_command(link)
    review = CliRunner().invoke(pmkg, ["link", "--store", str(people_store), "--review"])
    assert review.exit_code == 0 and "no proposed links" in review.output
    missing = CliRunner().invoke(pmkg, ["link", "--store", str(people_store), "accept", "abcd1234", "--by", "J"])
    assert missing.exit_code == 1 and missing.output.startswith("Error: no link 'abcd1234'")
