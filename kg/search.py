"""Full-text search: an SQLite FTS5 index beside the store (``<store>/search.sqlite``).

``rebuild(store)`` reads the store with SPARQL and writes the index: officers
(name, rank, force), forces and other bodies of the reference graph (name and
aliases), cases (their labels) and articles (headline and the sentences the
article graph keeps). It writes a new file and renames it over the old one, so
a reader never sees half an index; ``pmkg search --rebuild`` runs it by hand.

``update(store, graphs)`` follows a change to some graphs instead, in one
SQLite transaction: it deletes and re-adds the documents of those graphs'
articles, of every officer or other named thing they mention (the table
``sources`` remembers which graph names what, so a withdrawn graph's
officers are found too), of the officers whose rank or force they name, and
of the cases. It falls back to ``rebuild`` when it cannot tell (no list of
graphs, the default graph, the reference graph, more than ``FULL_ABOVE``
graphs, an index without ``sources``). ``kg.cases.write.refresh`` calls it
after every ingest, withdrawal, restoration and review decision, so the
index follows the store; both paths give the same index.

``search(path, text)`` opens the index read-only and answers ranked hits. The
user's text is never passed as FTS5 syntax: each word becomes a quoted phrase
token (the last one a prefix), so quotes, ``NEAR(``, ``*`` or markup are words
or nothing, never a syntax error.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from kg.errors import PmkgError
from kg.namespaces import sparql_prefixes
from kg.store import Store

INDEX_NAME = "search.sqlite"
MAX_QUERY = 200          # characters of search text
MAX_TERMS = 12           # words of search text
MAX_RESULTS = 100
KINDS = ("officer", "organisation", "case", "article")
# Markers of a match inside a snippet: control characters no text of the store has.
OPEN, CLOSE = "\x02", "\x03"
REFERENCE_GRAPH = "https://w3id.org/pmkg/graph/reference"
CASES_GRAPH = "https://w3id.org/pmkg/graph/cases"
FULL_ABOVE = 500         # changed graphs beyond which a rebuild is cheaper than an update

_OFFICERS = sparql_prefixes() + """
SELECT ?iri (SAMPLE(?n) AS ?name) (SAMPLE(?r) AS ?rank) (SAMPLE(?f) AS ?force) WHERE { %s
  GRAPH ?g { ?iri a pmkg:PoliceOfficer ; pmkg:name ?n .
             OPTIONAL { ?iri pmkg:rank ?r } OPTIONAL { ?iri pmkg:force ?f } }
} GROUP BY ?iri
"""
# Names of forces and labels of ranks, joined to the officers in Python (a join in the
# query over every graph was 20 s at 100,000 triples).
_NAMES = sparql_prefixes() + """
SELECT ?iri (SAMPLE(?n) AS ?name) WHERE { %s
  { GRAPH ?g { ?iri pmkg:name ?n } } UNION { GRAPH ?v { ?iri skos:prefLabel ?n } }
} GROUP BY ?iri
"""
_ORGANISATIONS = sparql_prefixes() + """
SELECT ?iri (SAMPLE(?n) AS ?name) (GROUP_CONCAT(DISTINCT ?alias; SEPARATOR=" · ") AS ?aliases) WHERE {
  GRAPH <%s> { ?iri pmkg:name ?n OPTIONAL { ?iri skos:altLabel ?alias } }
} GROUP BY ?iri
""" % REFERENCE_GRAPH
_CASES = sparql_prefixes() + """
SELECT ?iri (SAMPLE(?l) AS ?label) (SAMPLE(?sl) AS ?status) WHERE {
  GRAPH <%s> { ?iri a pmkg:Case ; rdfs:label ?l OPTIONAL { ?iri pmkg:currentStatus ?s } }
  OPTIONAL { ?s skos:prefLabel ?sl }
} GROUP BY ?iri
""" % CASES_GRAPH
_ARTICLES = sparql_prefixes() + """
SELECT ?iri (SAMPLE(?h) AS ?headline) (SAMPLE(?d) AS ?date) (GROUP_CONCAT(DISTINCT ?t; SEPARATOR=" ") AS ?text)
WHERE { %s
  GRAPH ?iri { ?iri a pmkg:NewsArticle
               OPTIONAL { ?iri schema:headline ?h } OPTIONAL { ?iri schema:datePublished ?d }
               OPTIONAL { ?s pmkg:text ?t } }
} GROUP BY ?iri
"""
_ANY_ARTICLE = sparql_prefixes() + "ASK { GRAPH ?a { ?a a pmkg:NewsArticle } }"
# What each graph names (officers, forces, ranks...): the index's ``sources`` table.
_SOURCES = sparql_prefixes() + """
SELECT DISTINCT ?g ?iri WHERE { %s GRAPH ?g { { ?iri pmkg:name ?n } UNION { ?iri skos:prefLabel ?n } } }
"""
_RANKED = sparql_prefixes() + """
SELECT DISTINCT ?iri WHERE { %s GRAPH ?g { ?iri a pmkg:PoliceOfficer ; pmkg:name ?n .
                                     { ?iri pmkg:rank ?f } UNION { ?iri pmkg:force ?f } } }
"""
_SCHEMA = ("CREATE VIRTUAL TABLE docs USING fts5(kind UNINDEXED, iri UNINDEXED, title, detail, body,"
           " tokenize = 'unicode61 remove_diacritics 2');"
           "CREATE TABLE sources (graph TEXT NOT NULL, iri TEXT NOT NULL);"
           "CREATE INDEX sources_graph ON sources (graph);")


class SearchError(PmkgError):
    """Search text that cannot be searched for (empty, too long)."""


class IndexMissing(PmkgError):
    """The store has no search index yet."""


@dataclass(frozen=True)
class Hit:
    kind: str
    iri: str
    title: str      # with OPEN/CLOSE around the matches
    detail: str
    snippet: str    # with OPEN/CLOSE around the matches
    score: float


def index_path(store_dir: str | Path) -> Path:
    return Path(store_dir) / INDEX_NAME


def _value(term) -> str:
    return "" if term is None else term.value


def _values(name: str, iris: Iterable[str] | None) -> str:
    """A VALUES clause binding ?name to the IRIs (checked by pyoxigraph), or nothing for None."""
    if iris is None:
        return ""
    return f"VALUES ?{name} {{ {' '.join(str(ox.NamedNode(i)) for i in sorted(iris))} }}"


def _officers(store: Store, only: set[str] | None = None):
    rows = [(iri.value, _value(name), _value(rank), _value(force))
            for iri, name, rank, force in store.query(_OFFICERS % _values("iri", only))]
    wanted = None if only is None else {x for _, _, rank, force in rows for x in (rank, force) if x}
    names = {iri.value: _value(name) for iri, name in store.query(_NAMES % _values("iri", wanted))}
    for iri, name, rank, force in rows:
        detail = ", ".join(x for x in (names.get(rank), names.get(force)) if x)
        yield "officer", iri, name, detail, ""


def documents(store: Store, *, officers: set[str] | None = None, articles: set[str] | None = None,
              organisations: bool = True):
    """(kind, iri, title, detail, body) for everything searchable in the store.

    With ``officers`` or ``articles``, only those officers or articles (and
    every case; the organisations only if ``organisations``).
    """
    yield from _officers(store, officers)
    if organisations:
        for iri, name, aliases in store.query(_ORGANISATIONS):
            yield "organisation", iri.value, _value(name), _value(aliases), ""
    for iri, label, status in store.query(_CASES):
        yield "case", iri.value, _value(label), _value(status), ""
    if articles is None and not store.query(_ANY_ARTICLE):
        return  # the query below costs half a second at a million quads even when it finds nothing
    if articles is None or articles:
        for iri, headline, date, text in store.query(_ARTICLES % _values("iri", articles)):
            yield "article", iri.value, _value(headline) or iri.value, _value(date)[:10], _value(text)


def _sources(store: Store, graphs: set[str] | None = None) -> list[tuple[str, str]]:
    return [(g.value, iri.value) for g, iri in store.query(_SOURCES % _values("g", graphs))
            if isinstance(g, ox.NamedNode) and isinstance(iri, ox.NamedNode)]


def rebuild(store: Store) -> int:
    """Write the store's search index from its graphs; returns the number of documents."""
    if store.path is None:
        return 0  # an in-memory store has nowhere to keep an index
    final = index_path(store.path)
    partial = final.with_name(INDEX_NAME + ".new")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", documents(store))
        db.executemany("INSERT INTO sources VALUES (?, ?)", _sources(store))
        n = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        db.commit()
    finally:
        db.close()
    os.replace(partial, final)
    return n


def _has_sources(path: Path) -> bool:
    if not path.is_file():
        return False
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sources'").fetchone() is not None
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def update(store: Store, graphs: Iterable[str | None] | None) -> int:
    """Follow a change to ``graphs`` (None: unknown); returns the number of documents written.

    The cases graph is always taken as changed (every case document is written again).
    """
    if store.path is None:
        return 0
    path = index_path(store.path)
    changed = None if graphs is None else set(graphs) - {CASES_GRAPH}
    if (changed is None or None in changed or REFERENCE_GRAPH in changed or len(changed) > FULL_ABOVE
            or not _has_sources(path)):
        return rebuild(store)
    pairs = _sources(store, changed) if changed else []
    db = sqlite3.connect(path)
    try:
        marks = ", ".join("?" * len(changed))
        named = {iri for (iri,) in db.execute(f"SELECT iri FROM sources WHERE graph IN ({marks})", list(changed))}
        named |= {iri for _, iri in pairs}
        officers = named | ({row["iri"].value for row in store.query(_RANKED % _values("f", named))}
                            if named else set())
        docs = list(documents(store, officers=officers, articles={g for g in changed if g}, organisations=False))
        gone = {("officer", iri) for iri in officers} | {("article", g) for g in changed}
        rows = [(rowid,) for rowid, kind, iri in db.execute("SELECT rowid, kind, iri FROM docs")
                if kind == "case" or (kind, iri) in gone]  # one scan: kind and iri are not indexed
        db.executemany("DELETE FROM docs WHERE rowid = ?", rows)
        db.execute(f"DELETE FROM sources WHERE graph IN ({marks})", list(changed))
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", docs)
        db.executemany("INSERT INTO sources VALUES (?, ?)", pairs)
        db.commit()
    finally:
        db.close()
    return len(docs)


def match_expression(text: str) -> str:
    """The user's text as an FTS5 query of quoted word tokens, all required, the last a prefix."""
    if len(text) > MAX_QUERY:
        raise SearchError(f"search text is longer than {MAX_QUERY} characters")
    words = re.findall(r"\w+", text)
    if not words:
        raise SearchError("nothing to search for: give a word or a name")
    if len(words) > MAX_TERMS:
        raise SearchError(f"search text has more than {MAX_TERMS} words")
    return " ".join(f'"{w}"' for w in words) + "*"


def connect(path: str | Path) -> sqlite3.Connection:
    """The index, opened read-only; IndexMissing if there is none."""
    path = Path(path)
    if not path.is_file():
        raise IndexMissing(f"no search index at {path}; run `pmkg search --rebuild` or ingest an article")
    return sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)


_SEARCH = f"""
SELECT kind, iri, highlight(docs, 2, '{OPEN}', '{CLOSE}'), detail,
       snippet(docs, 4, '{OPEN}', '{CLOSE}', '…', 16), bm25(docs, 0, 0, 10.0, 3.0, 1.0) AS score,
       lower(title) = lower(?) AS exact
FROM docs WHERE docs MATCH ? ORDER BY exact DESC, score LIMIT ?
"""


def search(path: str | Path, text: str, limit: int = 20) -> list[Hit]:
    """Ranked hits for TEXT: an exact title first, then by BM25 (titles weigh most)."""
    expression = match_expression(text)
    limit = max(1, min(int(limit), MAX_RESULTS))
    db = connect(path)
    try:
        rows = db.execute(_SEARCH, (" ".join(text.split()), expression, limit)).fetchall()
    except sqlite3.OperationalError as error:  # a damaged index; the expression itself is always valid
        raise SearchError(f"search failed: {error}") from None
    finally:
        db.close()
    return [Hit(kind, iri, title, detail, snippet, score) for kind, iri, title, detail, snippet, score, _ in rows]


def plain(marked: str) -> tuple[str, list[list[int]]]:
    """A marked text as plain text and the [start, end] offsets of its matches."""
    out, spans, start = [], [], 0
    length = 0
    for part in re.split(f"([{OPEN}{CLOSE}])", marked):
        if part == OPEN:
            start = length
        elif part == CLOSE:
            spans.append([start, length])
        else:
            out.append(part)
            length += len(part)
    return "".join(out), spans
