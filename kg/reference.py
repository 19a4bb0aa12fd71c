"""Reference data: the UK police forces and the oversight, prosecution and
professional bodies, from kg/data/organisations.csv.

This one file is the source of truth for both the reference graph loaded into
every store and the extractor's gazetteer of organisation names and aliases.
Identifiers (data.police.uk ids, Wikidata items) are facts: each row says in
its `source` column where they were checked, and a blank means not verified.

A force the file does not list, named in an article by its form ("Brookvale
Police Department", "Pima County Sheriff's Office"), is registered for the
process with `unlisted_force` (kg/extract/forces.py finds them) and gets an
IRI of its own minted from its name; `by_key` then knows it like a listed one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from kg.identity import slug
from kg.namespaces import GRAPH, ID, PMKG

REFERENCE_GRAPH = GRAPH + "reference"
WIKIDATA = "http://www.wikidata.org/entity/"

CLASS_OF_KIND = {
    "territorial": "TerritorialPoliceForce",
    "special": "SpecialPoliceForce",
    "oversight": "OversightBody",
    "prosecution": "ProsecutionService",
    "professional": "ProfessionalBody",
    "court": "Court",
}
FORCE_KINDS = {"territorial", "special"}
# Predecessors, by key: the IOPC took over from the IPCC on 8 January 2018.
# Fiosrú took over from the Garda Síochána Ombudsman Commission on 2 April 2025.
SUCCESSORS = {"independent-office-for-police-conduct": "independent-police-complaints-commission",
              "fiosru-office-of-the-police-ombudsman": "garda-siochana-ombudsman-commission"}
UNLISTED_SOURCE = "recognised by its form in an article; not in organisations.csv, no identifier verified"
UNLISTED_LIMIT = 2000
_UNLISTED: dict[str, Organisation] = {}
_UNLISTED_VERSION = 0


@dataclass(frozen=True)
class Organisation:
    key: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    police_uk_id: str | None
    wikidata: str | None
    source: str

    @property
    def iri(self) -> str:
        return organisation_iri(self.key)

    @property
    def is_force(self) -> bool:
        return self.kind in FORCE_KINDS


def organisation_iri(key: str) -> str:
    return f"{ID}org/{key}"


@lru_cache(maxsize=1)
def organisations() -> tuple[Organisation, ...]:
    """Every organisation in kg/data/organisations.csv, in file order."""
    text = files("kg").joinpath("data/organisations.csv").read_text(encoding="utf-8")
    rows = []
    for row in csv.DictReader(text.splitlines()):
        if row["kind"] not in CLASS_OF_KIND:
            raise ValueError(f"organisations.csv: unknown kind {row['kind']!r} for {row['name']!r}")
        rows.append(Organisation(
            key=row["key"],
            name=row["name"],
            kind=row["kind"],
            aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
            police_uk_id=row["police_uk_id"] or None,
            wikidata=row["wikidata"] or None,
            source=row["source"],
        ))
    return tuple(rows)


@lru_cache(maxsize=1)
def _listed() -> dict[str, Organisation]:
    return {org.key: org for org in organisations()}


def by_key() -> dict[str, Organisation]:
    """The listed organisations and the unlisted forces registered in this process, by key."""
    return {**_listed(), **_UNLISTED} if _UNLISTED else dict(_listed())


def unlisted_force(name: str, aliases: tuple[str, ...] = ()) -> Organisation:
    """Register a force the file does not list, named by its form; its key is minted from its name.

    The same name gives the same key in every process, so two articles about one
    department share its IRI. A name that is a listed organisation's gives that one.
    """
    key = slug(name, limit=80)
    if key in _listed():
        return _listed()[key]
    known = _UNLISTED.get(key)
    if known is None or not set(aliases) <= set(known.aliases):
        merged = tuple(dict.fromkeys((*(known.aliases if known else ()), *aliases)))
        known = Organisation(key=key, name=name, kind="territorial", aliases=merged, police_uk_id=None,
                             wikidata=None, source=UNLISTED_SOURCE)
        global _UNLISTED_VERSION
        _UNLISTED.pop(key, None)
        _UNLISTED[key] = known
        _UNLISTED_VERSION += 1
        while len(_UNLISTED) > UNLISTED_LIMIT:  # bounded: the oldest go first (a batch's earlier articles)
            _UNLISTED.pop(next(iter(_UNLISTED)))
    return known


def unlisted() -> tuple[Organisation, ...]:
    return tuple(_UNLISTED.values())


def unlisted_version() -> int:
    """A number that changes whenever an unlisted force is registered (for caches of them)."""
    return _UNLISTED_VERSION


def reference_graph() -> rdflib.Graph:
    """The organisations as RDF in the ontology's terms."""
    pmkg = rdflib.Namespace(PMKG)
    graph = rdflib.Graph()
    graph.bind("pmkg", pmkg)
    for org in organisations():
        node = rdflib.URIRef(org.iri)
        graph.add((node, RDF.type, pmkg[CLASS_OF_KIND[org.kind]]))
        graph.add((node, pmkg.name, rdflib.Literal(org.name)))
        for alias in org.aliases:
            graph.add((node, SKOS.altLabel, rdflib.Literal(alias)))
        if org.police_uk_id:
            graph.add((node, pmkg.policeUkId, rdflib.Literal(org.police_uk_id)))
        if org.wikidata:
            graph.add((node, OWL.sameAs, rdflib.URIRef(WIKIDATA + org.wikidata)))
        if org.source:
            graph.add((node, DCTERMS.source, rdflib.Literal(org.source)))
    for successor, predecessor in SUCCESSORS.items():
        graph.add((rdflib.URIRef(organisation_iri(successor)), pmkg.succeeds,
                   rdflib.URIRef(organisation_iri(predecessor))))
    return graph
