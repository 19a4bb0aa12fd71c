"""Review decisions (kg.review): kept privately, keyed by content, applied to what is published.

Real stores on disk, real extraction of articles of the dev corpus (copied into
tests/fixtures/review); the published graph is read back with the project's
competency queries, as users read it.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import PmkgError
from kg.ingest import ingest
from kg.namespaces import PMKG, VOCAB
from kg.resources import queries_dir
from kg.review import (DECISIONS_GRAPH, WITHDRAWALS_GRAPH, ReviewStore, article_text, decide, decide_each, facts,
                       log, publish, queue, raw_graph, status)
from kg.review.apply import apply
from kg.review.keys import raw_facts
from kg.store import Format, Store

FIXTURES = Path(__file__).parent / "fixtures" / "review"
SACKED = FIXTURES / "02_whatsapp-group-officers-sacked.txt"
CHARGED = FIXTURES / "05_wmp-taser-pc-charged.txt"
SACKED_ID = "015df041bb"          # the end of the IRI of SACKED


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with SACKED and CHARGED ingested once; tests work on copies."""
    path = tmp_path_factory.mktemp("review-template") / "store"
    Store.create(path).close()
    with Store(path) as store:
        ingest(store, [SACKED, CHARGED])
    return path


@pytest.fixture
def store_dir(template, tmp_path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(template, target)
    return target


def rows(store_dir: Path, query: str) -> list[dict[str, str]]:
    with Store(store_dir, read_only=True) as store:
        solutions = store.query((queries_dir() / f"{query}.rq").read_text(), union_default_graph=True)
        names = [v.value for v in solutions.variables]
        return [{n: r[n].value for n in names if r[n] is not None} for r in solutions]


def sacked(store_dir: Path) -> str:
    with ReviewStore.open(store_dir, read_only=True) as rs:
        return next(a for a in rs.articles() if a.endswith(SACKED_ID))


def fact(store_dir: Path, label: str):
    return next(f for f in facts(store_dir, SACKED_ID) if f.label == label)


def test_rejection_and_correction_survive_a_new_ingest_and_are_logged(store_dir):
    article = sacked(store_dir)
    warning = fact(store_dir, "outcome final-written-warning (Ross Whitlock)")
    rank = fact(store_dir, "officer Ross Whitlock: rank = constable")
    before = datetime.now(timezone.utc)
    decide(store_dir, action="reject", article=article, key=warning.key, by="Ann Editor", reason="not in the text")
    decide(store_dir, action="correct", article=SACKED_ID, key=rank.key, by="Bob Lawyer", value="Sergeant")

    def published():
        outcomes = {(r.get("officerName"), r["code"]) for r in rows(store_dir, "outcomes") if r["article"] == article}
        ranks = {r["name"]: r.get("rank") for r in rows(store_dir, "officers")
                 if r["article"] == article and r.get("name")}
        return outcomes, ranks

    outcomes, ranks = published()
    assert ("Ross Whitlock", "final-written-warning") not in outcomes
    assert ("Darren Pryce", "dismissal") in outcomes
    assert ranks["Ross Whitlock"] == "Sergeant"

    with Store(store_dir) as store:   # read the same article again: a new extraction replaces the raw graph
        ingest(store, [SACKED])
    with ReviewStore.open(store_dir, read_only=True) as rs:
        assert rs.raw(article), "the raw extraction is kept in the review store"
    outcomes, ranks = published()
    assert ("Ross Whitlock", "final-written-warning") not in outcomes
    assert ranks["Ross Whitlock"] == "Sergeant"
    states = {f.key: f.state for f in facts(store_dir, article)}
    assert states[warning.key] == "rejected" and states[rank.key] == "corrected"

    trail = log(store_dir)
    assert [(d.action, d.key, d.by) for d in trail] == [("correct", rank.key, "Bob Lawyer"),
                                                        ("reject", warning.key, "Ann Editor")]
    for d in trail:
        assert before <= datetime.fromisoformat(d.at) <= datetime.now(timezone.utc)
    assert trail[1].reason == "not in the text"
    assert (trail[0].old_value, trail[0].new_value, trail[0].field) == ("constable", "sergeant", "rank")


def test_every_published_fact_node_has_a_review_state(store_dir):
    article = sacked(store_dir)
    decide(store_dir, action="confirm", article=article, key=fact(store_dir, "outcome dismissal (Darren Pryce)").key,
           by="Ann")
    with Store(store_dir, read_only=True) as store:
        states = {r["state"].value for r in store.query(
            "SELECT ?state WHERE { GRAPH ?g { ?f <%sreviewState> ?state } }" % PMKG)}
        missing = list(store.query(
            "PREFIX pmkg: <%s> SELECT ?f WHERE { GRAPH ?g { VALUES ?c { pmkg:Allegation pmkg:Outcome "
            "pmkg:Investigation pmkg:Quotation pmkg:OfficerGroup <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> }"
            " ?f a ?c FILTER NOT EXISTS { ?f pmkg:reviewState ?s } } }" % PMKG))
    assert states == {VOCAB + "review/unreviewed", VOCAB + "review/confirmed"}
    assert missing == []


def test_the_review_store_stays_private(store_dir, tmp_path):
    article = sacked(store_dir)
    decide(store_dir, action="reject", article=article, by="Secret Reviewer", reason="a private reason",
           key=fact(store_dir, "outcome final-written-warning (Ross Whitlock)").key)
    with Store(store_dir, read_only=True) as store:
        graphs = store.named_graphs()
        dump = store.dump(format=Format.NQUADS).decode("utf-8")
    assert not [g for g in graphs if g.startswith("urn:pmkg:")]
    assert "Secret Reviewer" not in dump and "a private reason" not in dump
    with ReviewStore.open(store_dir, read_only=True) as rs:
        assert rs.store.contains_graph(raw_graph(article)) and rs.store.contains_graph(DECISIONS_GRAPH)
    assert article_text(store_dir, SACKED_ID).startswith("Two Met officers sacked")


def permuted(article_facts):
    """The same facts as if found in the opposite order: lists reversed, local keys numbered anew."""
    names = {}
    for kind in ("officers", "groups", "investigations", "allegations", "outcomes", "quotes"):
        for n, item in enumerate(reversed(getattr(article_facts, kind)), 1):
            names[(kind, item.key)] = f"{kind[0]}{n}z"

    def key(kind, old):
        return names.get((kind, old), names.get(("officers", old), names.get(("groups", old), old)))

    def renamed(kind, item):
        changes = {"key": key(kind, item.key)}
        for field in ("subjects", "parts", "members"):
            if hasattr(item, field):
                changes[field] = [key("", k) for k in getattr(item, field)]
        if getattr(item, "investigation", None):
            changes["investigation"] = key("investigations", item.investigation)
        return dataclasses.replace(item, **changes)

    return dataclasses.replace(article_facts, **{
        kind: [renamed(kind, item) for item in reversed(getattr(article_facts, kind))]
        for kind in ("officers", "groups", "investigations", "allegations", "outcomes", "quotes")})


def test_keys_do_not_depend_on_the_order_facts_were_found_in():
    from kg.extract import extract
    from kg.extract.rdf import article_graph
    from kg.reader import read_path

    article = read_path(str(SACKED))
    found = extract(article)
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    iri, first = article_graph(article, found, extracted_at=when)
    _, second = article_graph(article, permuted(found), extracted_at=when)
    assert set(map(str, first)) != set(map(str, second)), "the permutation changes the IRIs of fact nodes"
    a, b = raw_facts(iri, first), raw_facts(iri, second)
    assert len({f.key for f in a}) == len(a)
    assert sorted((f.key, f.kind, f.value, f.label) for f in a) == sorted((f.key, f.kind, f.value, f.label) for f in b)

    # a decision taken on one reading applies to the other
    from kg.review.decisions import new_decision
    target = next(f for f in a if f.label == "outcome final-written-warning (Ross Whitlock)")
    rejection = new_decision(action="reject", article=iri, key=target.key, by="Ann", old_value=target.value)
    _, applied = apply(iri, second, [rejection])
    assert {i.fact.key: i.state for i in applied}[target.key] == "rejected"


def test_bad_decisions_are_refused_in_one_line_and_change_nothing(store_dir):
    article = sacked(store_dir)
    rank = fact(store_dir, "officer Ross Whitlock: rank = constable")
    with Store(store_dir, read_only=True) as store:
        public = store.dump(format=Format.NQUADS)
    cases = [
        (dict(action="confirm", key="f-000000000000", by="Ann"), "no fact with this key"),
        (dict(action="correct", key=rank.key, by="Ann", value="Grand Vizier"), "not a known rank"),
        (dict(action="correct", key=rank.key, by="Ann", field="shoe", value="9"), "has no field 'shoe'"),
        (dict(action="correct", key=fact(store_dir, "officer Ross Whitlock: age = 30").key, by="Ann", value="-3"),
         "an age must be"),
        (dict(action="confirm", key=rank.key, by="  "), "say who decides"),
        (dict(action="add", key=None, by="Ann", kind="outcome", value="suspension", sentence=(5, 99999)),
         "not within the article"),
        (dict(action="approve", key=rank.key, by="Ann"), "the action is one of"),
    ]
    for arguments, message in cases:
        with pytest.raises(PmkgError) as error:
            decide(store_dir, article=article, **arguments)
        assert message in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(PmkgError, match="no such article"):
        decide(store_dir, action="confirm", article="https://example.org/nope", key=rank.key, by="Ann")
    assert log(store_dir) == []
    with Store(store_dir, read_only=True) as store:
        assert store.dump(format=Format.NQUADS) == public


def test_an_added_fact_cites_its_sentence_and_is_published(store_dir):
    article = sacked(store_dir)
    text = article_text(store_dir, article)
    start = text.index("A third Met officer")
    end = text.index(".", start) + 1
    whitlock = fact(store_dir, "officer Ross Whitlock: name = Ross Whitlock")
    added = decide(store_dir, action="add", article=article, key=None, by="Ann", kind="outcome",
                   value="Suspension", sentence=(start, end), subject=whitlock.key)
    assert added.new_value == "suspension"
    outcomes = {(r.get("officerName"), r["code"]) for r in rows(store_dir, "outcomes") if r["article"] == article}
    assert ("Ross Whitlock", "suspension") in outcomes
    mine = next(f for f in facts(store_dir, article) if f.key == added.key)
    assert (mine.state, mine.start, mine.end, mine.sentence) == ("added", start, end, text[start:end])
    with Store(store_dir, read_only=True) as store:
        assert store.query("ASK { GRAPH ?g { ?f <%ssupportedBy> ?s . ?s <%sstartOffset> %d ; <%stext> ?t } }"
                           % (PMKG, PMKG, start, PMKG))
    with pytest.raises(PmkgError, match="already added"):
        decide(store_dir, action="add", article=article, key=None, by="Ann", kind="outcome", value="suspension",
               sentence=(start, end), subject=whitlock.key)

    def published():
        return {(r.get("officerName"), r["code"]) for r in rows(store_dir, "outcomes") if r["article"] == article}

    decide(store_dir, action="correct", article=article, key=added.key, by="Bob", value="restricted duties")
    assert ("Ross Whitlock", "restricted-duties") in published() and ("Ross Whitlock", "suspension") not in published()
    decide(store_dir, action="reject", article=article, key=added.key, by="Bob", reason="not what it says")
    assert ("Ross Whitlock", "restricted-duties") not in published()
    assert {f.key: f.state for f in facts(store_dir, article)}[added.key] == "rejected"
    decide(store_dir, action="confirm", article=article, key=added.key, by="Cy")   # undoes the rejection
    assert ("Ross Whitlock", "restricted-duties") in published()
    assert {f.key: f.state for f in facts(store_dir, article)}[added.key] == "added"


def test_status_queue_and_confirming_every_fact(store_dir):
    before = {s.article: s for s in status(store_dir)}
    article = sacked(store_dir)
    assert before[article].unreviewed == before[article].total > 0
    assert [s.article for s in queue(store_dir)] == [s.article for s in status(store_dir)]
    done = decide_each(store_dir, action="confirm", article=article, keys=None, by="Ann")
    assert len(done) == before[article].total
    after = {s.article: s for s in status(store_dir)}
    assert after[article].counts["confirmed"] == before[article].total and after[article].unreviewed == 0
    assert article not in [s.article for s in queue(store_dir)]


def test_ingest_skips_a_withdrawn_article_and_says_why(store_dir):
    article = sacked(store_dir)
    with ReviewStore.open(store_dir) as rs:   # a tombstone as `pmkg withdraw` writes it
        rs.store.add([ox.Quad(ox.NamedNode(article), ox.NamedNode(PMKG + "withdrawnAt"),
                              ox.Literal("2025-02-03T10:00:00+00:00",
                                         datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")),
                              ox.NamedNode(WITHDRAWALS_GRAPH))])
    with Store(store_dir) as store:
        store.remove_graph(article)
        said = []
        report = ingest(store, [SACKED], on_failure=lambda path, reason: said.append(reason))
        assert not store.contains_graph(article)
    assert report.articles.withdrawn == 1 and report.articles.failed == 0
    assert said == [f"<{article}>: withdrawn on 2025-02-03; pmkg restore {article} to bring it back"]
    assert article not in [s.article for s in queue(store_dir)]  # nothing to review until restored
    with pytest.raises(PmkgError, match="withdrawn"):
        decide(store_dir, action="confirm", article=article, key=fact(store_dir, "outcome dismissal "
                                                                                 "(Darren Pryce)").key, by="Ann")


def test_publish_rebuilds_the_public_graph_from_raw_and_decisions(store_dir):
    article = sacked(store_dir)
    decide(store_dir, action="reject", article=article, by="Ann",
           key=fact(store_dir, "outcome final-written-warning (Ross Whitlock)").key)
    with Store(store_dir) as store:
        store.remove_graph(article)
    publish(store_dir, SACKED_ID)
    outcomes = {(r.get("officerName"), r["code"]) for r in rows(store_dir, "outcomes") if r["article"] == article}
    assert ("Darren Pryce", "dismissal") in outcomes
    assert ("Ross Whitlock", "final-written-warning") not in outcomes
