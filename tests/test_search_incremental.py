"""The search index and the cases follow a change to some article graphs without a full recompute.

Hand-written article graphs (TriG, no extractor) go into real stores: the
index an ingest or a withdrawal leaves by updating only what the changed
graphs touch must be the index (and the cases graph) a full rebuild gives.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kg import search
from kg.cases import withdraw
from kg.cases import write
from kg.cases.write import CASE_LINKS_GRAPH, CASES_GRAPH
from kg.ingest import ingest
from kg.namespaces import ID
from kg.store import Store

PREFIXES = """
@prefix pmkg: <https://w3id.org/pmkg/ontology#> .
@prefix pmkgv: <https://w3id.org/pmkg/vocab/> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
ORG = ID + "org/"


def article(key: str, published: str, officer: str | None, name: str, force: str, fact: str,
            allegation: str | None = None) -> str:
    a = f"{ID}article/{published}-incr-{key}"
    who = f"<{ID}officer/{force}/{officer}>" if officer else f"<{a}/officer/u1>"
    named = f'pmkg:name "{name}" ;' if officer else ""
    body = " ; pmkg:investigatingBody <%sindependent-office-for-police-conduct>" % ORG if fact == "Investigation" else ""
    alleged = (f"<{a}/fact/a1> a pmkg:Allegation ; pmkg:allegationCategory pmkgv:allegation\\/{allegation} ;"
               f" pmkg:hasSubject {who} ; pmkg:supportedBy <{a}/sentence/0-10> ." if allegation else "")
    return PREFIXES + f"""<{a}> {{
  <{a}> a pmkg:NewsArticle ; schema:datePublished "{published}"^^xsd:date ; schema:headline "Report {key}" .
  {who} a pmkg:PoliceOfficer ; {named} pmkg:force <{ORG}{force}> ;
      pmkg:rank pmkgv:rank\\/constable .
  <{a}/sentence/0-10> a pmkg:Sentence ; pmkg:inArticle <{a}> ; pmkg:text "Words of {key} here." .
  <{a}/fact/f1> a pmkg:{fact} ; pmkg:hasSubject {who} ; pmkg:supportedBy <{a}/sentence/0-10> {body} .
  {alleged}
}}
"""


ARTICLES = {
    "alpha": article("alpha", "2022-01-05", "alex-marlow", "Alex Marlow", "kent-police", "Allegation"),
    "bravo": article("bravo", "2022-03-05", "jo-fenwick", "Jo Fenwick", "essex-police", "Outcome"),
    "charlie": article("charlie", "2022-06-05", "alex-marlow", "Alex Marlow", "kent-police", "Outcome"),
    # the same name in another force: a proposal with alpha and charlie, never a merge
    "delta": article("delta", "2022-02-05", "alex-marlow", "Alex Marlow", "essex-police", "Outcome"),
    # unrelated to all the others
    "echo": article("echo", "2021-02-05", "sam-okafor", "Sam Okafor", "thames-valley-police", "Outcome"),
    # unnamed officers investigated by the IOPC, in kent and in essex
    "fox": article("fox", "2022-04-01", None, "", "kent-police", "Investigation", "racism"),
    "golf": article("golf", "2022-05-01", "jo-fenwick", "Jo Fenwick", "essex-police", "Investigation"),
    # the unnamed officer of fox, named: one case with fox by force, body and allegation
    "hotel": article("hotel", "2022-09-01", "lee-brandt", "Lee Brandt", "kent-police", "Investigation", "racism"),
}


def iri(key: str) -> str:
    return next(line.split()[0].strip("<>") for line in ARTICLES[key].splitlines() if line.endswith("{"))


def put(store: Store, folder: Path, *keys: str) -> None:
    for key in keys:
        path = folder / f"{key}.trig"
        path.write_text(ARTICLES[key], encoding="utf-8")
        report = ingest(store, [path])
        assert not report.failures


def index_rows(store_dir: Path) -> set[tuple]:
    db = sqlite3.connect(search.index_path(store_dir))
    try:
        return {tuple(r) for r in db.execute("SELECT kind, iri, title, detail, body FROM docs")}
    finally:
        db.close()


def state(store: Store) -> tuple[set, set, set]:
    return (index_rows(store.path), {q.triple for q in store.quads(CASES_GRAPH)},
            {q.triple for q in store.quads(CASE_LINKS_GRAPH)})


def rebuilt(tmp_path: Path, name: str, *keys: str) -> tuple[set, set]:
    """The index and cases of a fresh store given ``keys`` at once, then rebuilt by hand."""
    folder = tmp_path / name
    folder.mkdir()
    with Store.create(folder / "store") as store:
        paths = []
        for key in keys:
            paths.append(folder / f"{key}.trig")
            paths[-1].write_text(ARTICLES[key], encoding="utf-8")
        assert not ingest(store, paths).failures
        search.rebuild(store)
        return state(store)


def test_ingest_then_withdraw_incrementally_equals_a_full_rebuild(tmp_path):
    work = tmp_path / "incremental"
    work.mkdir()
    with Store.create(work / "store") as store:
        put(store, work, "alpha", "bravo")
        put(store, work, "charlie")
        after_ingest = state(store)
        withdraw(store, iri("bravo"))
        after_withdrawal = state(store)
    assert after_ingest == rebuilt(tmp_path, "abc", "alpha", "bravo", "charlie")
    assert after_withdrawal == rebuilt(tmp_path, "ac", "alpha", "charlie")
    kinds = {row[0] for row in after_withdrawal[0]}
    assert {"officer", "case", "article", "organisation"} <= kinds
    assert not any("Fenwick" in row[2] or row[1] == iri("bravo") for row in after_withdrawal[0])


def test_cases_follow_a_change_without_recomputing_unrelated_ones(tmp_path):
    work = tmp_path / "incremental"
    work.mkdir()
    with Store.create(work / "store") as store:
        put(store, work, "alpha", "bravo", "delta", "echo", "fox", "golf")
        put(store, work, "charlie")
        scope = write.last_scope
        put(store, work, "hotel")
        assert iri("fox") in write.last_scope and iri("echo") not in write.last_scope
        after_ingest = state(store)
        withdraw(store, iri("golf"))
        after_withdrawal = state(store)
        assert write.last_scope is not None and iri("echo") not in write.last_scope
    assert scope is not None and iri("echo") not in scope and iri("bravo") not in scope
    assert {iri("alpha"), iri("charlie"), iri("delta")} <= scope
    everything = ("alpha", "bravo", "charlie", "delta", "echo", "fox", "golf", "hotel")
    full = rebuilt(tmp_path, "all", *everything)
    assert after_ingest == full
    assert len(full[2]) > 0  # proposals were made (same name, other force)
    assert after_withdrawal == rebuilt(tmp_path, "less", *(k for k in everything if k != "golf"))


def rowids(store_dir: Path) -> dict[tuple[str, str], int]:
    db = sqlite3.connect(search.index_path(store_dir))
    try:
        return {(kind, iri): rowid for rowid, kind, iri in db.execute("SELECT rowid, kind, iri FROM docs")}
    finally:
        db.close()


def test_an_update_rewrites_only_what_the_changed_graph_touches(tmp_path):
    with Store.create(tmp_path / "store") as store:
        put(store, tmp_path, "alpha", "bravo", "charlie")
        before = rowids(store.path)
        written = search.update(store, [iri("charlie")])
        after = rowids(store.path)
    # charlie's article, its officer (shared with alpha) and the cases, nothing else
    assert written == 1 + 1 + sum(1 for kind, _ in after if kind == "case")
    untouched = [("article", iri("alpha")), ("article", iri("bravo")),
                 ("officer", f"{ID}officer/essex-police/jo-fenwick")]
    assert all(after[key] == before[key] for key in untouched)
    assert set(after) == set(before)
    assert sum(1 for kind, _ in after if kind == "organisation") > 10  # the reference graph's, kept
