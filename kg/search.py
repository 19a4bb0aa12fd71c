"""Full-text search: an SQLite FTS5 index beside the store (``<store>/search.sqlite``).

``rebuild(store)`` reads the store with SPARQL and writes the index: officers
(name, rank, force), forces and other bodies of the reference graph (name and
aliases), cases (their labels) and articles (headline and the sentences the
article graph keeps). It writes a new file and renames it over the old one, so
a reader never sees half an index. It runs wherever the cases are recomputed
(``kg.cases.write.refresh``: after every ingest, withdrawal and ``pmkg cases
rebuild``), so the index follows the store; ``pmkg search --rebuild`` builds it
by hand.

``search(path, text)`` opens the index read-only and answers ranked hits. The
user's text is never passed as FTS5 syntax: each word becomes a quoted phrase
token (the last one a prefix), so quotes, ``NEAR(``, ``*`` or markup are words
or nothing, never a syntax error.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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

_OFFICERS = sparql_prefixes() + """
SELECT ?iri (SAMPLE(?n) AS ?name) (SAMPLE(?r) AS ?rank) (SAMPLE(?f) AS ?force) WHERE {
  GRAPH ?g { ?iri a pmkg:PoliceOfficer ; pmkg:name ?n .
             OPTIONAL { ?iri pmkg:rank ?r } OPTIONAL { ?iri pmkg:force ?f } }
} GROUP BY ?iri
"""
# Names of forces and labels of ranks, joined to the officers in Python (a join in the
# query over every graph was 20 s at 100,000 triples).
_NAMES = sparql_prefixes() + """
SELECT ?iri (SAMPLE(?n) AS ?name) WHERE {
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
WHERE {
  GRAPH ?iri { ?iri a pmkg:NewsArticle
               OPTIONAL { ?iri schema:headline ?h } OPTIONAL { ?iri schema:datePublished ?d }
               OPTIONAL { ?s pmkg:text ?t } }
} GROUP BY ?iri
"""


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


def documents(store: Store):
    """(kind, iri, title, detail, body) for everything searchable in the store."""
    names = {iri.value: _value(name) for iri, name in store.query(_NAMES)}
    for iri, name, rank, force in store.query(_OFFICERS):
        detail = ", ".join(x for x in (names.get(_value(rank)), names.get(_value(force))) if x)
        yield "officer", iri.value, _value(name), detail, ""
    for iri, name, aliases in store.query(_ORGANISATIONS):
        yield "organisation", iri.value, _value(name), _value(aliases), ""
    for iri, label, status in store.query(_CASES):
        yield "case", iri.value, _value(label), _value(status), ""
    for iri, headline, date, text in store.query(_ARTICLES):
        yield "article", iri.value, _value(headline) or iri.value, _value(date)[:10], _value(text)


def rebuild(store: Store) -> int:
    """Write the store's search index from its graphs; returns the number of documents."""
    if store.path is None:
        return 0  # an in-memory store has nowhere to keep an index
    final = index_path(store.path)
    partial = final.with_name(INDEX_NAME + ".new")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(kind UNINDEXED, iri UNINDEXED, title, detail, body,"
                   " tokenize = 'unicode61 remove_diacritics 2')")
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", documents(store))
        n = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        db.commit()
    finally:
        db.close()
    os.replace(partial, final)
    return n


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
