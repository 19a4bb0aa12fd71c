"""The one registry of result formats: what ``/sparql``, saved queries, entity pages and downloads may send.

Each format has its name (the ``format=`` value and the worker's), the media
type sent, the file extension of a download or a saved query's twin, a label
for pages, the query forms it answers (``tabular``: SELECT and ASK,
``graph``: CONSTRUCT and DESCRIBE; HTML answers both), pyoxigraph's format
for serialising, the ``Accept`` media types that choose it (in the order of
preference when a client does not mind) and the other ``format=`` values
that name it (SPARQLWrapper sends some of these). Content negotiation, the
``format=`` parameter, the serialisers, entity pages' alternates, saved
queries' twins and downloads all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from kg.store import Format

TABULAR, GRAPH = "tabular", "graph"


@dataclass(frozen=True)
class ResultFormat:
    name: str
    media_type: str                 # the Content-Type sent
    extension: str
    label: str
    forms: frozenset[str]           # TABULAR, GRAPH or both
    oxigraph: object = None         # pyoxigraph's QueryResultsFormat or RdfFormat (None: HTML)
    accepts: tuple[str, ...] = ()   # Accept media types choosing it
    aliases: tuple[str, ...] = ()   # other format= values naming it

    @property
    def bare_type(self) -> str:
        """The media type without parameters (``text/turtle``)."""
        return self.media_type.split(";")[0]


HTML = "html"  # rendered by the view from JSON results or Turtle
_T, _G = frozenset({TABULAR}), frozenset({GRAPH})
FORMATS: dict[str, ResultFormat] = {f.name: f for f in [
    ResultFormat("json", "application/sparql-results+json", "json", "JSON", _T, ox.QueryResultsFormat.JSON,
                 ("application/sparql-results+json", "application/json")),
    ResultFormat("xml", "application/sparql-results+xml", "xml", "XML", _T, ox.QueryResultsFormat.XML,
                 ("application/sparql-results+xml", "application/xml", "text/xml")),
    ResultFormat("csv", "text/csv; charset=utf-8", "csv", "CSV", _T, ox.QueryResultsFormat.CSV, ("text/csv",)),
    ResultFormat("tsv", "text/tab-separated-values; charset=utf-8", "tsv", "TSV", _T, ox.QueryResultsFormat.TSV,
                 ("text/tab-separated-values",)),
    ResultFormat("turtle", "text/turtle; charset=utf-8", "ttl", "Turtle", _G, ox.RdfFormat.TURTLE,
                 ("text/turtle", "application/x-turtle", "application/turtle", "text/n3"), ("ttl", "n3")),
    ResultFormat("ntriples", "application/n-triples", "nt", "N-Triples", _G, ox.RdfFormat.N_TRIPLES,
                 ("application/n-triples", "text/plain"), ("nt", "n-triples")),
    ResultFormat("rdfxml", "application/rdf+xml", "rdf", "RDF/XML", _G, ox.RdfFormat.RDF_XML,
                 ("application/rdf+xml", "application/xml"), ("rdf+xml", "rdf", "xml")),
    ResultFormat("jsonld", "application/ld+json", "jsonld", "JSON-LD", _G, ox.RdfFormat.JSON_LD,
                 ("application/ld+json", "application/json"), ("json-ld", "json")),
    ResultFormat("trig", "application/trig; charset=utf-8", "trig", "TriG", _G, ox.RdfFormat.TRIG,
                 ("application/trig",)),
    ResultFormat(HTML, "text/html; charset=utf-8", "html", "HTML", _T | _G, None, ("text/html", "application/xhtml+xml")),
    # No query answers in N-Quads: it is a download's format (the store, an article's graph).
    ResultFormat("nquads", "application/n-quads", "nq", "N-Quads", frozenset(), ox.RdfFormat.N_QUADS),
]}
NAMES = sorted(f.name for f in FORMATS.values() if f.forms)   # what format= accepts


def of_form(form: str) -> list[ResultFormat]:
    """The formats answering ``form`` (TABULAR or GRAPH), in the registry's order."""
    return [f for f in FORMATS.values() if form in f.forms]


def accept_table(form: str, names: list[str] | None = None) -> dict[str, str]:
    """Accept media types -> format names for ``form`` (only ``names``, in their order, if given), best first."""
    table: dict[str, str] = {}
    chosen = of_form(form) if names is None else [FORMATS[name] for name in names if form in FORMATS[name].forms]
    for fmt in chosen:
        for media in fmt.accepts:
            table.setdefault(media, fmt.name)
    return table


def by_param(value: str) -> tuple[str | None, str | None]:
    """The (tabular, graph) formats a ``format=`` value names: a name, an alias or a media type."""
    value = value.strip().lower()
    found = []
    for form in (TABULAR, GRAPH):
        found.append(next((f.name for f in of_form(form) if value == f.name or value in f.aliases), None))
    if found == [None, None]:
        media = value.split(";")[0]
        found = [accept_table(TABULAR).get(media), accept_table(GRAPH).get(media)]
    return found[0], found[1]


def by_extension(extension: str) -> ResultFormat | None:
    return next((f for f in FORMATS.values() if f.extension == extension), None)


def media_type(name: str) -> str:
    return FORMATS[name].media_type


def of_store_format(fmt: Format) -> ResultFormat:
    """The entry for a download written by the store (``kg.store.Format``: Turtle, TriG, N-Quads, ...)."""
    return next(f for f in FORMATS.values() if f.oxigraph == fmt.ox)


def store_format(name: str) -> Format:
    """The store's writer (``kg.store.Format``) for the format ``name`` (a download streamed from the store)."""
    return next(fmt for fmt in Format if fmt.ox == FORMATS[name].oxigraph)
