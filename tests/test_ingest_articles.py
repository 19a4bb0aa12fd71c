"""Ingesting news articles through the command line: graphs, identity, workers, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from kg.cli import main
from kg.ingest import find_files, ingest_articles
from kg.store import Store

ARTICLES = Path(__file__).parent / "fixtures" / "extract"
ARTICLE_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?g a <https://w3id.org/pmkg/ontology#NewsArticle> . ?s ?p ?o } } GROUP BY ?g"
OFFICERS = """SELECT DISTINCT ?officer ?name WHERE { GRAPH ?g {
  ?officer a <https://w3id.org/pmkg/ontology#PoliceOfficer> ; <https://w3id.org/pmkg/ontology#name> ?name } }"""


def pmkg(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def article_graphs(store_dir: Path) -> dict[str, int]:
    with Store(store_dir, read_only=True) as store:
        return {row["g"].value: int(row["n"].value) for row in store.query(ARTICLE_GRAPHS)}


def officers(store_dir: Path) -> list[tuple[str, str]]:
    with Store(store_dir, read_only=True) as store:
        return sorted((row["name"].value, row["officer"].value) for row in store.query(OFFICERS))


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    store_dir = tmp_path_factory.mktemp("articles") / "store"
    result = pmkg("ingest", "--store", store_dir, "--quiet", ARTICLES)
    assert result.exit_code == 0, result.output
    assert "articles: 6 read, 0 skipped, 0 failed" in result.output
    return store_dir


def test_one_graph_per_article_that_conforms(ingested):
    assert len(article_graphs(ingested)) == 6
    result = pmkg("validate", "--store", ingested)
    assert result.exit_code == 0, result.output


def test_reingesting_replaces_rather_than_duplicates(ingested, tmp_path):
    before = article_graphs(ingested)
    result = pmkg("ingest", "--store", ingested, "--quiet", ARTICLES / "kent-messages-hearing.txt")
    assert result.exit_code == 0, result.output
    assert article_graphs(ingested) == before


def test_same_officer_keeps_one_iri_and_namesakes_stay_apart(ingested):
    ashbys = {iri for name, iri in officers(ingested) if name == "Rowan Ashby"}
    # PC Rowan Ashby of Kent Police (two articles) and Sergeant Rowan Ashby of Norfolk Constabulary
    assert ashbys == {"https://w3id.org/pmkg/id/officer/kent-police/rowan-ashby",
                      "https://w3id.org/pmkg/id/officer/norfolk-constabulary/rowan-ashby"}


def test_two_workers_write_the_same_graphs(ingested, tmp_path):
    result = pmkg("ingest", "--store", tmp_path / "two", "--quiet", "--workers", "2", ARTICLES)
    assert result.exit_code == 0, result.output
    assert article_graphs(tmp_path / "two") == article_graphs(ingested)


def test_bad_articles_are_skipped_with_a_reason_and_the_store_keeps_what_it_had(ingested, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02 not text \x00")
    (bad / "huge.txt").write_bytes(b"word " * 2_100_000)
    (bad / "no-text.html").write_text("<html><head><title>x</title></head><body><nav>Home</nav></body></html>")
    latin = "Kent officer suspended\n\nA Kent Police officer has been suspended, the force’s spokesman said.\n"
    (bad / "latin1.txt").write_bytes(latin.replace("’", "'").encode("latin-1") + "Café owner Zoë".encode("latin-1"))
    store_dir = tmp_path / "store"
    shutil.copytree(ingested, store_dir)
    before = article_graphs(store_dir)
    result = pmkg("ingest", "--store", store_dir, "--quiet", bad)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("skipped:")]
    assert len(lines) == 4, result.output
    assert any("empty.txt: empty file" in line for line in lines)
    assert any("binary.txt: binary file" in line for line in lines)
    assert any("huge.txt" in line and "10" in line for line in lines)
    assert any("no-text.html" in line for line in lines)
    assert "Traceback" not in result.output
    after = article_graphs(store_dir)
    assert {g: n for g, n in after.items() if g in before} == before
    assert len(after) == len(before) + 1  # the latin-1 article was read


def test_a_file_that_vanishes_is_skipped(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(ARTICLES, folder)
    paths = list(find_files([folder]))
    paths[0].unlink()  # listed, then gone before it is read
    with Store.create(tmp_path / "store") as store:
        reasons = []
        tally = ingest_articles(store, paths, on_failure=lambda path, reason: reasons.append(reason))
    assert (tally.read, tally.skipped) == (len(paths) - 1, 1)
    assert len(reasons) == 1 and paths[0].name in reasons[0]


def test_standard_input_is_an_article(tmp_path):
    text = (ARTICLES / "former-officer-jailed.txt").read_text(encoding="utf-8")
    result = pmkg("ingest", "--store", tmp_path / "store", "-", input=text)
    assert result.exit_code == 0, result.output
    assert "standard input: wrote" in result.output


def test_extract_prints_turtle_and_a_json_summary():
    turtle = pmkg("extract", ARTICLES / "former-officer-jailed.txt")
    assert turtle.exit_code == 0, turtle.output
    graph = rdflib.Graph().parse(data=turtle.output, format="turtle")
    assert (None, rdflib.URIRef("https://w3id.org/pmkg/ontology#name"), rdflib.Literal("Declan Morrow")) in graph
    summary = json.loads(pmkg("extract", "--format", "json", ARTICLES / "former-officer-jailed.txt").output)
    assert [o.get("name") for o in summary["officers"]] == ["Declan Morrow"]
    assert {o["code"] for o in summary["outcomes"]} >= {"prison-sentence", "conviction", "resigned"}
    assert summary["sources"][0]["publisher"] == "Valleys Weekly"


def test_extract_reports_bad_input_on_one_line(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "kg", "extract", str(empty)], capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.strip().startswith("Error:") and len(run.stderr.strip().splitlines()) == 1


def test_saved_html_page_gives_metadata_and_facts():
    page = Path(__file__).parent / "fixtures" / "articles" / "jsonld.html"
    summary = json.loads(pmkg("extract", "--format", "json", page).output)
    (source,) = summary["sources"]
    assert source["headline"] == "Dorset officer dismissed after lying to police watchdog"
    assert source["publisher"] == "Wessex Lantern"
    assert source["published"] == "2022-03-04T09:30:00+01:00"  # the printed zone is kept
    assert {o["code"] for o in summary["outcomes"]} >= {"dismissal"}
    assert [o["force"] for o in summary["officers"]] == ["Dorset Police"]
