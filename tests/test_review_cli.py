"""``pmkg review``: the command line of the review, run as users run it, and export-gold's round trip.

The round trip: ingest articles of the dev corpus (tests/fixtures/review), confirm every
fact, export-gold, and score the extractor against the export with ../shared/eval/score.py:
the export says exactly what the reviewed graph says, so F1 is 1.0.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.ingest import ingest
from kg.review import ReviewStore, facts
from kg.store import Format, Store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "review"
SCORER = ROOT.parent / "shared" / "eval" / "score.py"
SACKED_ID = "015df041bb"


def pmkg(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Every fixture article ingested once (they are real dev-corpus articles); tests work on copies."""
    path = tmp_path_factory.mktemp("review-cli") / "store"
    Store.create(path).close()
    with Store(path) as store:
        ingest(store, sorted(FIXTURES.glob("*.txt")))
    return path


@pytest.fixture
def store_dir(template, tmp_path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(template, target)
    return target


def key_of(store_dir: Path, label: str) -> str:
    return next(f.key for f in facts(store_dir, SACKED_ID) if f.label == label)


def test_show_lists_facts_with_keys_states_and_sentences(store_dir):
    result = pmkg("review", "--store", str(store_dir), SACKED_ID)
    assert result.exit_code == 0, result.output
    key = key_of(store_dir, "outcome dismissal (Darren Pryce)")
    assert re.search(rf"^{key}  unreviewed  outcome dismissal \(Darren Pryce\)$", result.output, re.M)
    assert "Sergeant Darren Pryce, 40, and PC Callum Deverell, 33, were dismissed" in result.output
    as_json = json.loads(pmkg("review", "show", SACKED_ID, "--format", "json", "--store", str(store_dir)).output)
    assert as_json["article"].endswith(SACKED_ID) and {f["key"] for f in as_json["facts"]} >= {key}


def test_decisions_from_the_command_line_reach_status_and_log(store_dir):
    reject = key_of(store_dir, "outcome final-written-warning (Ross Whitlock)")
    rank = key_of(store_dir, "officer Ross Whitlock: rank = constable")
    confirm = key_of(store_dir, "outcome dismissal (Darren Pryce)")
    s = str(store_dir)
    out = pmkg("review", "reject", SACKED_ID, reject, "--by", "Ann", "--reason", "no such warning", "--store", s)
    assert out.exit_code == 0 and f"reject {reject}" in out.output
    out = pmkg("review", "correct", SACKED_ID, rank, "--value", "sergeant", "--by", "Bob", "--store", s)
    assert out.exit_code == 0 and "'constable' -> 'sergeant'" in out.output
    assert pmkg("review", "confirm", SACKED_ID, confirm, "--by", "Ann", "--store", s).exit_code == 0
    out = pmkg("review", "add", SACKED_ID, "--kind", "allegation", "--value", "dishonesty",
               "--quote", "was given a final written warning", "--by", "Cy", "--store", s)
    assert out.exit_code == 0, out.output
    status = json.loads(pmkg("review", "status", "--format", "json", "--store", s).output)
    mine = next(row for row in status if row["article"].endswith(SACKED_ID))
    assert {k: mine["counts"][k] for k in ("confirmed", "corrected", "rejected", "added")} == \
        {"confirmed": 1, "corrected": 1, "rejected": 1, "added": 1}
    trail = json.loads(pmkg("review", "log", "--format", "json", "--store", s).output)
    assert [(d["action"], d["by"]) for d in trail] == [("add", "Cy"), ("confirm", "Ann"), ("correct", "Bob"),
                                                      ("reject", "Ann")]
    text = pmkg("review", "log", "--store", s).output
    assert "because: no such warning" in text and "Bob  correct" in text


@pytest.mark.parametrize("args, message", [
    (["confirm", SACKED_ID, "f-000000000000", "--by", "Ann"], "no fact with this key"),
    (["confirm", "no-such-article", "f-000000000000", "--by", "Ann"], "no such article"),
    (["correct", SACKED_ID, "RANK", "--value", "Grand Vizier", "--by", "Ann"], "is not a known rank"),
    (["correct", SACKED_ID, "RANK", "--value", "sergeant"], "say who decides: --by NAME"),
    (["reject", SACKED_ID, "RANK"], "say who decides: --by NAME"),
    (["confirm", SACKED_ID, "--by", "Ann"], "give the keys of the facts, or --all"),
    (["add", SACKED_ID, "--kind", "outcome", "--value", "suspension", "--sentence", "9-x", "--by", "Ann"],
     "--sentence is START-END"),
    (["add", SACKED_ID, "--kind", "outcome", "--value", "suspension", "--quote", "the", "--by", "Ann"],
     "quote words found once"),
])
def test_bad_input_is_one_line_and_changes_nothing(store_dir, args, message):
    rank = key_of(store_dir, "officer Ross Whitlock: rank = constable")
    with Store(store_dir, read_only=True) as store:
        public = store.dump(format=Format.NQUADS)
    result = pmkg("review", "--store", str(store_dir), *[rank if a == "RANK" else a for a in args])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1 and message in result.output
    assert "Traceback" not in result.output
    with Store(store_dir, read_only=True) as store:
        assert store.dump(format=Format.NQUADS) == public
    with ReviewStore.open(store_dir, read_only=True) as rs:
        assert rs.decision_quads() == []


def test_review_commands_do_not_load_spacy(store_dir):
    code = ("import sys; from kg.cli import main\n"
            "try:\n    main(['review', '--store', sys.argv[1], 'status'])\nexcept SystemExit:\n    pass\n"
            "print('spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(store_dir)], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_export_gold_of_confirmed_articles_scores_one_with_the_scorer(store_dir, tmp_path):
    if not SCORER.is_file():
        pytest.skip("the scorer ../shared/eval/score.py is not installed beside the checkout")
    s = str(store_dir)
    with ReviewStore.open(store_dir, read_only=True) as rs:
        articles = rs.articles()
    for article in articles[1:]:   # every article but one is fully reviewed
        result = pmkg("review", "confirm", article, "--all", "--by", "Tester", "--store", s)
        assert result.exit_code == 0, result.output
    out = tmp_path / "gold-export"
    result = pmkg("review", "export-gold", str(out), "--store", s)
    assert result.exit_code == 0, result.output
    exported = sorted(p.name for p in (out / "articles").glob("*.txt"))
    assert len(exported) == len(articles) - 1
    assert exported == sorted(p.name for p in FIXTURES.glob("*.txt")
                              if p.name in exported)   # named as the files they were read from
    assert sorted(p.stem for p in (out / "gold").glob("*.json")) == sorted(Path(n).stem for n in exported)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    score = subprocess.run([sys.executable, str(SCORER), str(out), "--project", str(ROOT)], capture_output=True,
                           text=True, env=env, timeout=900)
    assert score.returncode == 0, score.stdout + score.stderr
    assert score.stdout.strip().splitlines()[-1] == "micro P=1.000 R=1.000 F1=1.000", score.stdout
    again = pmkg("review", "export-gold", str(out), "--store", s)
    assert again.exit_code == 1 and "not an empty folder" in again.output


def test_export_gold_read_again_gives_the_same_gold(store_dir, tmp_path):
    """The round trip without the scorer (which lives outside the repository): the exported articles,
    ingested into a new store and confirmed, export the very same gold files."""
    with ReviewStore.open(store_dir, read_only=True) as rs:
        articles = rs.articles()
    for article in articles:
        assert pmkg("review", "confirm", article, "--all", "--by", "Tester", "--store", str(store_dir)).exit_code == 0
    first = tmp_path / "first"
    assert pmkg("review", "export-gold", str(first), "--store", str(store_dir)).exit_code == 0
    again_store = tmp_path / "again-store"
    result = pmkg("ingest", "--quiet", "--store", str(again_store), str(first / "articles"))
    assert result.exit_code == 0, result.output
    with ReviewStore.open(again_store, read_only=True) as rs:
        again = rs.articles()
    assert sorted(again) == sorted(articles)   # the same IRIs: read from the same headlines, dates and texts
    for article in again:
        assert pmkg("review", "confirm", article, "--all", "--by", "Tester", "--store", str(again_store)).exit_code == 0
    second = tmp_path / "second"
    assert pmkg("review", "export-gold", str(second), "--store", str(again_store)).exit_code == 0
    names = sorted(p.name for p in (first / "gold").glob("*.json"))
    assert names and names == sorted(p.name for p in (second / "gold").glob("*.json"))
    for name in names:
        assert json.loads((second / "gold" / name).read_text()) == json.loads((first / "gold" / name).read_text()), name
        text = name.removesuffix(".json") + ".txt"
        assert (second / "articles" / text).read_text() == (first / "articles" / text).read_text()


@pytest.mark.parametrize("command", [["review", "status"], ["withdraw", "https://w3id.org/pmkg/id/article/x",
                                     "--reason", "r", "--by", "b"], ["users", "list"]])
def test_commands_that_keep_private_files_refuse_a_server_store_in_one_line(command):
    result = CliRunner().invoke(main, [*command, "--store", "http://127.0.0.1:9/sparql"])
    assert result.exit_code == 2
    assert "needs a store folder" in result.output and "http://127.0.0.1:9/sparql is a SPARQL server" in result.output
    assert "Traceback" not in result.output


QUIET = ("Library opening hours to change in Hartwell\n\nFirst published on Mon 3 June 2024 09.00 BST\n\n"
         "The county council said on Monday that the central library in Hartwell will open an hour later on "
         "weekdays from July. A spokesperson said the weekend hours stay as they are.\n")


def test_an_article_without_facts_is_exported_only_once_a_reviewer_confirms_it(tmp_path):
    """Nobody has looked at an article in which the extractor found nothing: export-gold leaves it out
    (its empty gold would teach the scorer that the article has no facts) until `confirm --all`."""
    quiet = tmp_path / "quiet.txt"
    quiet.write_text(QUIET, encoding="utf-8")
    s = str(tmp_path / "store")
    assert pmkg("ingest", "--quiet", "--store", s, str(quiet)).exit_code == 0
    with ReviewStore.open(Path(s), read_only=True) as rs:
        (article,) = rs.articles()
    assert facts(Path(s), article) == []
    first = pmkg("review", "export-gold", str(tmp_path / "before"), "--store", s)
    assert first.exit_code == 0 and "wrote 0 article(s)" in first.output, first.output
    assert list((tmp_path / "before" / "gold").glob("*.json")) == []
    status = pmkg("review", "status", "--store", s)
    assert "(no facts: confirm with --all once read)" in status.output
    assert json.loads(pmkg("review", "status", "--format", "json", "--store", s).output)[0]["reviewed"] is False

    confirmed = pmkg("review", "confirm", article, "--all", "--by", "Ann Editor", "--store", s)
    assert confirmed.exit_code == 0 and "1 decision(s) recorded" in confirmed.output, confirmed.output
    trail = json.loads(pmkg("review", "log", "--format", "json", "--store", s).output)
    assert [(d["action"], d["key"], d["by"]) for d in trail] == [("confirm", "article", "Ann Editor")]
    assert "(no facts: confirmed)" in pmkg("review", "status", "--store", s).output
    second = pmkg("review", "export-gold", str(tmp_path / "after"), "--store", s)
    assert second.exit_code == 0 and "wrote 1 article(s)" in second.output, second.output
    gold = json.loads((tmp_path / "after" / "gold" / "quiet.json").read_text())
    assert gold["officers"] == [] and gold["outcomes"] == []
