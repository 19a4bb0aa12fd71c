"""A VoID description of the store (https://www.w3.org/TR/void/).

``describe(store)`` answers what the graph holds: its triples, its named
graphs, the entities pmkg minted and how many there are of each class, the
linksets to Wikidata (``owl:sameAs`` in the reference graph and accepted links
in the links graph) and to data.police.uk (``pmkg:policeUkId``), the
vocabularies it uses, its licence and when it last changed. The web app
serves it at ``/.well-known/void``; ``pmkg export`` can write it next to a dump.

The counts come from ``QUERIES``; ``collect`` runs them with any runner
(the on-disk store here, the web app's query executor there) and ``build``
turns the counts into triples, so both give the same description.

Licence: the data is CC BY 4.0, like the ontology. The text of sentences and
quotations is quoted from the news articles each fact cites; it stays the
publishers' copyright and is included as quotation for news reporting,
criticism and review, which the description states as ``dcterms:rights``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from kg.namespaces import BASE, GRAPH, ID, ONTOLOGY_GRAPH, PMKG, PREFIXES, VOCAB
from kg.reference import REFERENCE_GRAPH, WIKIDATA

VOID = "http://rdfs.org/ns/void#"
DCTERMS = PREFIXES["dcterms"]
FOAF = PREFIXES["foaf"]
SD = "http://www.w3.org/ns/sparql-service-description#"
DATASET = BASE + "dataset"
LINKS_GRAPH = GRAPH + "links"
SHAPES_GRAPH = GRAPH + "shapes"
ARTICLE = ID + "article/"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
RIGHTS = ("Data: CC BY 4.0, pmkg contributors. The text of sentences and quotations is quoted from the "
          "news articles each fact cites; it remains the copyright of their publishers and is included "
          "as quotation for news reporting, criticism and review.")
WIKIDATA_DATASET = "https://www.wikidata.org/"
POLICE_UK_DATASET = "https://data.police.uk/"
PREFIXES_OUT = {"void": VOID, "dcterms": DCTERMS, "foaf": FOAF, "sd": SD, "xsd": PREFIXES["xsd"],
                "owl": PREFIXES["owl"], "pmkg": PMKG, "rdf": PREFIXES["rdf"]}
VOCABULARIES = [PMKG, VOCAB, PREFIXES["schema"], PREFIXES["prov"], PREFIXES["org"], PREFIXES["skos"],
                PREFIXES["foaf"], PREFIXES["time"], PREFIXES["dcterms"]]

_SAME_AS = PREFIXES["owl"] + "sameAs"
# name -> (query, run over the union of all graphs?)
QUERIES = {
    "triples": ("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", False),
    "graphs": (f"""SELECT ?g (COUNT(*) AS ?n) WHERE {{
  VALUES ?g {{ <{ONTOLOGY_GRAPH}> <{SHAPES_GRAPH}> <{REFERENCE_GRAPH}> <{LINKS_GRAPH}> }}
  GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g""", False),
    "articles": (f"""SELECT (COUNT(DISTINCT ?g) AS ?graphs) (COUNT(*) AS ?n) WHERE {{
  GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{ARTICLE}")) }}""", False),
    "entities": (f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{ID}")) }}""", True),
    "classes": ("SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class FILTER(isIRI(?class)) } "
                "GROUP BY ?class ORDER BY ?class", True),
    "wikidata_reference": (f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{REFERENCE_GRAPH}> {{
  ?s <{_SAME_AS}> ?o FILTER(STRSTARTS(STR(?o), "{WIKIDATA}")) }} }}""", False),
    "wikidata_links": (f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LINKS_GRAPH}> {{
  ?s <{_SAME_AS}> ?o FILTER(STRSTARTS(STR(?o), "{WIKIDATA}")) }} }}""", False),
    "police_uk": (f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{
  ?s <{PMKG}policeUkId> ?o }} }}""", True),
}

Runner = Callable[[str, bool], list[dict[str, str]]]   # (query, union) -> rows of plain values


def collect(run: Runner) -> dict[str, list[dict[str, str]]]:
    """The rows of every query in ``QUERIES``."""
    return {name: run(query, union) for name, (query, union) in QUERIES.items()}


def store_runner(store) -> Runner:
    """A runner over a ``kg.store.Store``."""
    def run(query: str, union: bool) -> list[dict[str, str]]:
        results = store.query(query, union_default_graph=union)
        names = [v.value for v in results.variables]
        return [{n: s[n].value for n in names if s[n] is not None} for s in results]
    return run


def last_modified(path: str | Path | None) -> datetime | None:
    """When the store folder last changed (its newest file); None for an in-memory store."""
    if path is None:
        return None
    try:
        stamps = [os.stat(path).st_mtime] + [entry.stat().st_mtime for entry in os.scandir(path)]
    except OSError:
        return None
    return datetime.fromtimestamp(max(stamps), timezone.utc).replace(microsecond=0)


def describe(store, *, sparql_endpoint: str | None = None, dumps: Iterable[str] = (),
             modified: datetime | None = None) -> list[ox.Triple]:
    """The VoID description of ``store`` (a ``kg.store.Store``)."""
    return build(collect(store_runner(store)), sparql_endpoint=sparql_endpoint, dumps=dumps,
                 modified=modified or last_modified(store.path))


def _count(rows: list[dict[str, str]], name: str = "n") -> int:
    return int(rows[0].get(name, 0)) if rows else 0


def build(counts: dict[str, list[dict[str, str]]], *, sparql_endpoint: str | None = None,
          dumps: Iterable[str] = (), modified: datetime | None = None) -> list[ox.Triple]:
    """Triples of the description from the rows of ``collect``."""
    out: list[ox.Triple] = []
    ds = ox.NamedNode(DATASET)

    def add(s, p: str, o) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(PREFIXES["xsd"] + "integer"))

    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    add(ds, PREFIXES["rdf"] + "type", iri(VOID + "Dataset"))
    add(ds, DCTERMS + "title", ox.Literal("pmkg: a knowledge graph of police misconduct", language="en"))
    add(ds, DCTERMS + "description", ox.Literal(
        "Facts about police misconduct in the United Kingdom extracted from news reporting; every fact "
        "cites the article and sentence that support it.", language="en"))
    add(ds, DCTERMS + "license", iri(LICENSE))
    add(ds, DCTERMS + "rights", ox.Literal(RIGHTS, language="en"))
    if modified is not None:
        add(ds, DCTERMS + "modified", ox.Literal(modified.isoformat(), datatype=iri(PREFIXES["xsd"] + "dateTime")))
    add(ds, FOAF + "homepage", iri(BASE))
    add(ds, VOID + "uriSpace", ox.Literal(ID))
    add(ds, VOID + "triples", integer(_count(counts["triples"])))
    add(ds, VOID + "entities", integer(_count(counts["entities"])))
    for vocabulary in VOCABULARIES:
        add(ds, VOID + "vocabulary", iri(vocabulary))
    for fmt in ("text/turtle", "application/trig", "application/n-quads", "application/ld+json"):
        add(ds, VOID + "feature", iri(f"http://www.w3.org/ns/formats/{_FORMAT_NAMES[fmt]}"))
    if sparql_endpoint:
        add(ds, VOID + "sparqlEndpoint", iri(sparql_endpoint))
    for dump in dumps:
        add(ds, VOID + "dataDump", iri(dump))

    for i, row in enumerate(counts["classes"]):   # blank nodes named, so the same store gives the same bytes
        part = ox.BlankNode(f"class{i}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", iri(row["class"]))
        add(part, VOID + "entities", integer(int(row["n"])))

    for i, row in enumerate(sorted(counts["graphs"], key=lambda r: r["g"])):
        subset = ox.BlankNode(f"graph{i}")
        add(ds, VOID + "subset", subset)
        add(subset, PREFIXES["rdf"] + "type", iri(VOID + "Dataset"))
        add(subset, SD + "name", iri(row["g"]))
        add(subset, VOID + "triples", integer(int(row["n"])))
    articles = ox.NamedNode(DATASET + "/articles")
    add(ds, VOID + "subset", articles)
    add(articles, PREFIXES["rdf"] + "type", iri(VOID + "Dataset"))
    add(articles, DCTERMS + "description", ox.Literal("One named graph per news article, named by the article's IRI.",
                                                      language="en"))
    add(articles, VOID + "triples", integer(_count(counts["articles"])))
    add(articles, VOID + "documents", integer(_count(counts["articles"], "graphs")))

    wikidata, police_uk = iri(WIKIDATA_DATASET), iri(POLICE_UK_DATASET)
    add(wikidata, PREFIXES["rdf"] + "type", iri(VOID + "Dataset"))
    add(wikidata, FOAF + "homepage", wikidata)
    add(wikidata, VOID + "uriSpace", ox.Literal(WIKIDATA))
    add(wikidata, VOID + "sparqlEndpoint", iri("https://query.wikidata.org/sparql"))
    add(police_uk, PREFIXES["rdf"] + "type", iri(VOID + "Dataset"))
    add(police_uk, FOAF + "homepage", police_uk)
    add(police_uk, VOID + "uriLookupEndpoint", ox.Literal("https://data.police.uk/api/forces/"))
    linksets = [
        ("wikidata-reference", _SAME_AS, wikidata, counts["wikidata_reference"], REFERENCE_GRAPH,
         "Forces and bodies of the reference data and their Wikidata items, where verified."),
        ("wikidata-links", _SAME_AS, wikidata, counts["wikidata_links"], LINKS_GRAPH,
         "Links to Wikidata items accepted by a person with `pmkg link`."),
        ("police-uk", PMKG + "policeUkId", police_uk, counts["police_uk"], None,
         "Forces and their data.police.uk force ids (a literal: the id in the data.police.uk API)."),
    ]
    for name, predicate, target, rows, graph, text in linksets:
        linkset = iri(f"{DATASET}/linkset/{name}")
        add(ds, VOID + "subset", linkset)
        add(linkset, PREFIXES["rdf"] + "type", iri(VOID + "Linkset"))
        add(linkset, VOID + "subjectsTarget", ds)
        add(linkset, VOID + "objectsTarget", target)
        add(linkset, VOID + "linkPredicate", iri(predicate))
        add(linkset, VOID + "triples", integer(_count(rows)))
        add(linkset, DCTERMS + "description", ox.Literal(text, language="en"))
        if graph:
            add(linkset, SD + "name", iri(graph))
    return out


_FORMAT_NAMES = {"text/turtle": "Turtle", "application/trig": "TriG", "application/n-quads": "N-Quads",
                 "application/ld+json": "JSON-LD"}


def serialize(triples: list[ox.Triple], fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> bytes:
    """The description as bytes (Turtle with readable prefixes by default)."""
    prefixes = PREFIXES_OUT if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    return ox.serialize(triples, None, fmt, prefixes=prefixes)
