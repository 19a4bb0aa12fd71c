"""One linking run: the people of a store, their candidates, scores and proposals.

The candidate query is a plain SPARQL label match that any endpoint with
Wikidata-shaped data answers: items that are instances of human whose label
or alias is the name as reported, with their description, occupations,
employers and dates. For the Wikidata Query Service, ``search="mwapi"``
finds items through Wikidata's own (fuzzier) entity search instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from kg.errors import PmkgError
from kg.link.client import NotCachedError, SparqlClient
from kg.link.links import LINKS_GRAPH, SOFTWARE_AGENT, SOFTWARE_LABEL, Link, read_links
from kg.link.score import Candidate, Entity, Scored, score
from kg.namespaces import ONTOLOGY_GRAPH, sparql_prefixes
from kg.reference import REFERENCE_GRAPH
from kg.store import SHAPES_GRAPH

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
SEARCHES = ("label", "mwapi")
DEFAULT_THRESHOLD = 0.9


@dataclass(frozen=True)
class Vocabulary:
    """The terms of a Wikidata-shaped endpoint (Wikidata's by default)."""

    entity: str = "http://www.wikidata.org/entity/"
    direct: str = "http://www.wikidata.org/prop/direct/"
    human: str = "Q5"
    instance_of: str = "P31"
    occupation: str = "P106"
    employer: str = "P108"
    birth: str = "P569"
    death: str = "P570"
    police_occupations: tuple[str, ...] = ("Q384593",)   # police officer
    description: str = "http://schema.org/description"
    languages: tuple[str, ...] = ("en", "en-gb")

    @property
    def police(self) -> frozenset[str]:
        return frozenset(self.entity + q for q in self.police_occupations)


WIKIDATA = Vocabulary()


@dataclass
class Outcome:
    """What one run found for one entity: candidates best first, those proposed, or why none."""

    entity: Entity
    candidates: list[Scored] = field(default_factory=list)
    proposed: list[Scored] = field(default_factory=list)
    problem: str | None = None


# -- the people of the store ---------------------------------------------------------------

ENTITIES = sparql_prefixes() + f"""
SELECT ?entity ?class ?name ?g ?published ?force ?age WHERE {{
  VALUES ?class {{ pmkg:PoliceOfficer pmkg:Person }}
  GRAPH ?g {{
    ?entity a ?class ; pmkg:name ?name .
    OPTIONAL {{ ?entity pmkg:force ?force }}
    OPTIONAL {{ ?entity pmkg:age ?age }}
    OPTIONAL {{ ?g schema:datePublished ?published }}
  }}
  FILTER(?g NOT IN (<{REFERENCE_GRAPH}>, <{LINKS_GRAPH}>, <{ONTOLOGY_GRAPH}>, <{SHAPES_GRAPH}>))
}}"""

FORCE_ITEMS = sparql_prefixes() + f"""
SELECT ?force ?item WHERE {{ GRAPH <{REFERENCE_GRAPH}> {{ ?force owl:sameAs ?item }} }}"""


def entities(store) -> list[Entity]:
    """The named officers and people of the article graphs, with what helps to link them."""
    items: dict[str, set[str]] = defaultdict(set)
    for row in store.query(FORCE_ITEMS):
        items[row["force"].value].add(row["item"].value)
    found: dict[str, dict] = {}
    for row in store.query(ENTITIES):
        iri = row["entity"].value
        info = found.setdefault(iri, {"names": set(), "officer": False, "forces": set(), "dates": set(),
                                      "ages": set()})
        info["names"].add(row["name"].value)
        info["officer"] |= row["class"].value.endswith("#PoliceOfficer")
        published = _date(row["published"].value) if row["published"] is not None else None
        if published:
            info["dates"].add(published)
        if row["force"] is not None:
            info["forces"] |= items.get(row["force"].value, set())
        if row["age"] is not None and published and row["age"].value.isdigit():
            info["ages"].add((int(row["age"].value), published))
    return [
        Entity(iri=iri, name=sorted(info["names"])[0], is_officer=info["officer"],
               force_items=frozenset(info["forces"]), article_dates=tuple(sorted(info["dates"])),
               ages=tuple(sorted(info["ages"])))
        for iri, info in sorted(found.items())
    ]


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


# -- candidates ------------------------------------------------------------------------------

def sparql_string(text: str) -> str:
    """A SPARQL string literal (quotes, backslashes and line breaks escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def candidate_query(name: str, *, vocab: Vocabulary = WIKIDATA, search: str = "label", limit: int = 25) -> str:
    """The SELECT query that finds the candidates for one name."""
    if search not in SEARCHES:
        raise PmkgError(f"unknown search {search!r}; use one of {', '.join(SEARCHES)}")
    literal = sparql_string(name)
    langs = ", ".join(sparql_string(lang) for lang in (*vocab.languages, ""))
    if search == "label":
        values = " ".join([literal] + [f"{literal}@{lang}" for lang in vocab.languages])
        find = f"""VALUES ?name {{ {values} }}
      {{ ?item rdfs:label ?name }} UNION {{ ?item skos:altLabel ?name }}"""
    else:
        find = f"""SERVICE wikibase:mwapi {{
        bd:serviceParam wikibase:endpoint "www.wikidata.org" ; wikibase:api "EntitySearch" ;
                        mwapi:search {literal} ; mwapi:language "{vocab.languages[0]}" .
        ?item wikibase:apiOutputItem mwapi:item .
      }}"""
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wd: <{vocab.entity}>
PREFIX wdt: <{vocab.direct}>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX bd: <http://www.bigdata.com/rdf#>
PREFIX mwapi: <https://www.mediawiki.org/ontology#API/>
SELECT ?item ?label ?alias ?description ?occupation ?occupationLabel ?employer ?employerLabel ?birth ?death
WHERE {{
  {{ SELECT DISTINCT ?item WHERE {{
      {find}
      ?item wdt:{vocab.instance_of} wd:{vocab.human} .
    }} LIMIT {int(limit)} }}
  OPTIONAL {{ ?item rdfs:label ?label FILTER(LANG(?label) IN ({langs})) }}
  OPTIONAL {{ ?item skos:altLabel ?alias FILTER(LANG(?alias) IN ({langs})) }}
  OPTIONAL {{ ?item <{vocab.description}> ?description FILTER(LANG(?description) IN ({langs})) }}
  OPTIONAL {{ ?item wdt:{vocab.occupation} ?occupation
             OPTIONAL {{ ?occupation rdfs:label ?occupationLabel FILTER(LANG(?occupationLabel) IN ({langs})) }} }}
  OPTIONAL {{ ?item wdt:{vocab.employer} ?employer
             OPTIONAL {{ ?employer rdfs:label ?employerLabel FILTER(LANG(?employerLabel) IN ({langs})) }} }}
  OPTIONAL {{ ?item wdt:{vocab.birth} ?birth }}
  OPTIONAL {{ ?item wdt:{vocab.death} ?death }}
}}"""


def candidates(bindings: Iterable[dict[str, dict]]) -> tuple[list[Candidate], dict[str, str]]:
    """Candidates from the query's SPARQL JSON bindings, and the labels of the items they mention."""
    rows: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for binding in bindings:
        value = lambda var: binding.get(var, {}).get("value")  # noqa: E731
        item = value("item")
        if not item:
            continue
        info = rows.setdefault(item, {"labels": set(), "aliases": set(), "descriptions": set(),
                                      "occupations": set(), "employers": set(), "births": set(), "deaths": set()})
        for var, key in (("label", "labels"), ("alias", "aliases"), ("description", "descriptions"),
                         ("occupation", "occupations"), ("employer", "employers")):
            if value(var):
                info[key].add(value(var))
        for var, key in (("birth", "births"), ("death", "deaths")):
            year = _year(value(var))
            if year is not None:
                info[key].add(year)
        for var in ("occupation", "employer"):
            if value(var) and value(var + "Label"):
                labels.setdefault(value(var), value(var + "Label"))
    found = []
    for item, info in rows.items():
        names = sorted(info["labels"]) or sorted(info["aliases"])
        found.append(Candidate(
            iri=item, label=names[0] if names else item.rsplit("/", 1)[-1],
            aliases=tuple(sorted(info["aliases"] - {names[0] if names else ""})),
            description=min(info["descriptions"], default=None),
            occupations=frozenset(info["occupations"]), employers=frozenset(info["employers"]),
            birth_year=min(info["births"], default=None), death_year=max(info["deaths"], default=None),
        ))
    return found, labels


def _year(value: str | None) -> int | None:
    """The year of an xsd:date(Time) such as 1978-03-02T00:00:00Z; None for BCE or unreadable values."""
    if not value or value.startswith("-") or not value[:4].isdigit():
        return None
    return int(value[:4])


# -- a run -------------------------------------------------------------------------------------

def reconcile(
    people: Iterable[Entity],
    client: SparqlClient,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    vocab: Vocabulary = WIKIDATA,
    search: str = "label",
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Find, score and threshold the candidates of each entity. Offline misses are reported, not raised."""
    def find_and_score(entity: Entity) -> list[Scored]:
        found, labels = candidates(client.select(candidate_query(entity.name, vocab=vocab, search=search)))
        return [score(entity, c, police_occupations=vocab.police, labels=labels) for c in found]

    return reconcile_each(people, find_and_score, threshold=threshold, progress=progress)


def reconcile_each(items: Iterable, find_and_score: Callable[[object], list[Scored]], *, threshold: float,
                   progress: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """One outcome per item (a person or a case): its scored candidates best first, those at or
    above the threshold proposed; an item whose answer is not in the cache (offline) gets a problem."""
    outcomes = []
    for item in items:
        outcome = Outcome(item)
        try:
            scored = find_and_score(item)
        except NotCachedError:
            outcome.problem = "not in the cache (offline)"
        else:
            outcome.candidates = sorted(scored, key=lambda s: (-s.score, s.candidate.iri))
            outcome.proposed = [s for s in outcome.candidates if s.score >= threshold]
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return outcomes


def to_link(scored: Scored, *, endpoint: str, at: datetime) -> Link:
    """A proposed link, made by the software."""
    return Link(
        entity=scored.entity.iri, target=scored.candidate.iri, status="proposed",
        by=SOFTWARE_AGENT, by_label=SOFTWARE_LABEL, at=at,
        created_by=SOFTWARE_AGENT, created_by_label=SOFTWARE_LABEL, created_at=at,
        score=scored.score, reason=scored.reason, endpoint=endpoint,
        target_label=scored.candidate.label, target_description=scored.candidate.description,
        entity_name=scored.entity.name,
    )


def people_to_link(store) -> list[Entity]:
    """The entities still to link: those without an accepted link."""
    accepted = {link.entity for link in read_links(store) if link.status == "accepted"}
    return [e for e in entities(store) if e.iri not in accepted]
