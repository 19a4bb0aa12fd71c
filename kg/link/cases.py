"""Linking the cases of the store (pmkg:Investigation) to Wikidata or any SPARQL endpoint.

A case is reconciled only through its subjects: for each investigation
whose subject (an officer or person) already has an ACCEPTED link to an
external item Q (``owl:sameAs`` in the links graph), the candidate query
asks for items that name Q as perpetrator (P8031), participant (P710) or
main subject (P921), with their label, description, classes and dates
(P585 point in time, P580 start time). One query per linked subject, so it
is cheap on the Wikidata Query Service and the cache shares it between
cases of the same officer. Nobody is linked on a case's name alone.

The type filter is deliberately loose: a candidate must have a label in
one of the languages and be an instance of something (P31), and is not a
scholarly article, human or news article (P921 "main subject" on live
Wikidata is mostly papers and articles about a person). What a reviewer
should check against live Wikidata before accepting: that the item is
an event, legal case, inquiry, hearing or scandal (its P31 classes are in
the reason), that its dates fit the reporting, and that it is about the
same matter as the article and not another episode in the officer's career.

Scoring (see :func:`score_case`): a base for the accepted-linked subject,
more when the subject is the perpetrator, and agreement of the item's
earliest date with the publication dates of the articles reporting the case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from kg.link.client import SparqlClient
from kg.link.links import LINKS_GRAPH, read_links
from kg.link.reconcile import (DEFAULT_THRESHOLD, WIKIDATA, Outcome, Vocabulary, _date, reconcile_each,
                               sparql_string)
from kg.link.score import Scored
from kg.namespaces import sparql_prefixes
from kg.store import named_node

# Where the subject item appears on the candidate, best first.
ROLES = {"P8031": "perpetrator", "P710": "participant", "P921": "main subject"}
EXCLUDED_TYPES = ("Q5", "Q13442814", "Q5707594")   # human, scholarly article, news article

BASE = 0.6                  # the case's subject has an accepted link and the item names it
ROLE_WEIGHTS = {"perpetrator": 0.2, "participant": 0.1, "main subject": 0.1}
DATE_WEIGHT = 0.2           # dates agree: all of it; no dates: half; a date after every article: none


@dataclass(frozen=True)
class Case:
    """A local investigation to link, with its subjects that have accepted links."""

    iri: str
    name: str                                          # "investigation of Harriet Voss"
    subjects: tuple[tuple[str, str, str], ...] = ()    # (subject IRI, name, external item)
    article_dates: tuple[date, ...] = ()

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(sorted({item for _, _, item in self.subjects}))


@dataclass(frozen=True)
class CaseCandidate:
    """An external item that names one of the case's linked subjects."""

    iri: str
    label: str
    description: str | None = None
    roles: tuple[tuple[str, str], ...] = ()   # (subject item, role)
    types: tuple[str, ...] = ()               # labels (or ids) of its P31 classes
    dates: tuple[date, ...] = ()              # P585 and P580


# -- the cases of the store --------------------------------------------------------------------

CASES = sparql_prefixes() + f"""
SELECT ?inv ?subject ?item ?g ?published WHERE {{
  GRAPH <{LINKS_GRAPH}> {{ ?subject owl:sameAs ?item }}
  GRAPH ?g {{
    ?inv a pmkg:Investigation ; pmkg:hasSubject ?subject .
    OPTIONAL {{ ?g schema:datePublished ?published }}
  }}
  FILTER(?g != <{LINKS_GRAPH}>)
}}"""

NAMES = sparql_prefixes() + f"""
SELECT ?entity ?name WHERE {{ GRAPH ?g {{ ?entity pmkg:name ?name }} FILTER(?g != <{LINKS_GRAPH}>) }}"""


def cases(store, *, vocab: Vocabulary = WIKIDATA) -> list[Case]:
    """The investigations whose subjects have accepted links (to items of ``vocab``) and no accepted link yet."""
    done = {link.entity for link in read_links(store) if link.status == "accepted"}
    found: dict[str, dict] = {}
    for row in store.query(CASES):
        item = row["item"].value
        if not item.startswith(vocab.entity) or row["inv"].value in done:
            continue
        info = found.setdefault(row["inv"].value, {"subjects": set(), "dates": set()})
        info["subjects"].add((row["subject"].value, item))
        published = _date(row["published"].value) if row["published"] is not None else None
        if published:
            info["dates"].add(published)
    if not found:
        return []
    names: dict[str, set[str]] = defaultdict(set)
    for row in store.query(NAMES):
        names[row["entity"].value].add(row["name"].value)
    result = []
    for iri, info in sorted(found.items()):
        subjects = tuple(sorted((s, min(names.get(s, {s.rsplit("/", 1)[-1]})), item)
                                for s, item in info["subjects"]))
        label = "investigation of " + ", ".join(sorted({name for _, name, _ in subjects}))
        result.append(Case(iri=iri, name=label, subjects=subjects, article_dates=tuple(sorted(info["dates"]))))
    return result


# -- candidates --------------------------------------------------------------------------------

def case_query(item: str, *, vocab: Vocabulary = WIKIDATA, limit: int = 50) -> str:
    """The SELECT query for the items naming ``item`` (an external IRI, checked) as perpetrator, participant or main subject."""
    langs = ", ".join(sparql_string(lang) for lang in (*vocab.languages, ""))
    roles = " ".join(f"wdt:{p}" for p in ROLES)
    excluded = " ".join(f"wd:{q}" for q in EXCLUDED_TYPES)
    return f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wd: <{vocab.entity}>
PREFIX wdt: <{vocab.direct}>
SELECT ?item ?role ?label ?description ?type ?typeLabel ?point ?start
WHERE {{
  {{ SELECT DISTINCT ?item ?role WHERE {{
      VALUES ?role {{ {roles} }}
      ?item ?role {named_node(item)} ;
            wdt:{vocab.instance_of} ?anyType ;
            rdfs:label ?anyLabel .
      FILTER(LANG(?anyLabel) IN ({langs}))
      FILTER NOT EXISTS {{ VALUES ?excluded {{ {excluded} }} ?item wdt:{vocab.instance_of} ?excluded }}
    }} LIMIT {int(limit)} }}
  OPTIONAL {{ ?item rdfs:label ?label FILTER(LANG(?label) IN ({langs})) }}
  OPTIONAL {{ ?item <{vocab.description}> ?description FILTER(LANG(?description) IN ({langs})) }}
  OPTIONAL {{ ?item wdt:{vocab.instance_of} ?type
             OPTIONAL {{ ?type rdfs:label ?typeLabel FILTER(LANG(?typeLabel) IN ({langs})) }} }}
  OPTIONAL {{ ?item wdt:P585 ?point }}
  OPTIONAL {{ ?item wdt:P580 ?start }}
}}"""


def case_candidates(subject_item: str, bindings: Iterable[dict[str, dict]], *,
                    vocab: Vocabulary = WIKIDATA) -> list[CaseCandidate]:
    """Candidates from the SPARQL JSON bindings of :func:`case_query` for ``subject_item``."""
    rows: dict[str, dict] = {}
    for binding in bindings:
        value = lambda var: binding.get(var, {}).get("value")  # noqa: E731
        item = value("item")
        if not item:
            continue
        info = rows.setdefault(item, {"labels": set(), "descriptions": set(), "roles": set(), "types": set(),
                                      "dates": set()})
        if value("label"):
            info["labels"].add(value("label"))
        if value("description"):
            info["descriptions"].add(value("description"))
        role = (value("role") or "").removeprefix(vocab.direct)
        if role in ROLES:
            info["roles"].add((subject_item, ROLES[role]))
        if value("type"):
            info["types"].add(value("typeLabel") or value("type").rsplit("/", 1)[-1])
        for var in ("point", "start"):
            when = _wikidata_date(value(var))
            if when:
                info["dates"].add(when)
    return [
        CaseCandidate(iri=item, label=min(info["labels"], default=item.rsplit("/", 1)[-1]),
                      description=min(info["descriptions"], default=None), roles=tuple(sorted(info["roles"])),
                      types=tuple(sorted(info["types"])), dates=tuple(sorted(info["dates"])))
        for item, info in sorted(rows.items())
    ]


def _wikidata_date(value: str | None) -> date | None:
    """The date of an xsd:dateTime such as 2023-11-15T00:00:00Z; None for BCE or unreadable values."""
    if not value or value.startswith("-"):
        return None
    return _date(value)


def merge(found: Iterable[CaseCandidate]) -> list[CaseCandidate]:
    """One candidate per item, its roles for all subjects together (a case with two linked officers)."""
    merged: dict[str, CaseCandidate] = {}
    for c in found:
        old = merged.get(c.iri)
        merged[c.iri] = c if old is None else CaseCandidate(
            iri=c.iri, label=old.label, description=old.description or c.description,
            roles=tuple(sorted(set(old.roles) | set(c.roles))), types=tuple(sorted(set(old.types) | set(c.types))),
            dates=tuple(sorted(set(old.dates) | set(c.dates))))
    return list(merged.values())


# -- scoring -----------------------------------------------------------------------------------

def score_case(case: Case, candidate: CaseCandidate) -> Scored:
    """Score one candidate for one case, in [0, 1].

    ``BASE`` (0.6) because the item names a subject whose link a person
    accepted; plus the best role of a subject on the item (perpetrator 0.2,
    participant or main subject 0.1); plus dates (0.2): all of it when the
    item's earliest date (P585/P580) is on or before the last article
    reporting the case, nothing when it is after every one of them (a case
    cannot be reported before it happened), half when either is unknown.
    At the default threshold of 0.9 a perpetrator needs dates that do not
    contradict, a participant or main subject needs agreeing dates.
    """
    parts: dict[str, float | None] = {}
    names = {item: name for _, name, item in case.subjects}
    roles = [(ROLE_WEIGHTS[role], role, item) for item, role in candidate.roles if role in ROLE_WEIGHTS]
    weight, role, item = max(roles, default=(0.0, None, None))
    parts["role"] = weight
    reasons = [f"{role} {names.get(item, item)} (accepted link)" if role else "no subject of the case named"]
    if candidate.types:
        reasons.append("instance of " + ", ".join(candidate.types))

    parts["dates"] = None
    if candidate.dates and case.article_dates:
        earliest, last = min(candidate.dates), max(case.article_dates)
        if earliest > last:
            parts["dates"] = 0.0
            reasons.append(f"dated {earliest.isoformat()}, after every article ({last.isoformat()})")
        else:
            parts["dates"] = 1.0
            reasons.append(f"dated {earliest.isoformat()}, on or before the reporting ({last.isoformat()})")
    else:
        reasons.append("no dates to compare")
    total = (BASE if role else 0.0) + weight + DATE_WEIGHT * (0.5 if parts["dates"] is None else parts["dates"])
    return Scored(case, candidate, round(total, 3), parts, tuple(reasons))


# -- a run -------------------------------------------------------------------------------------

def reconcile_cases(
    found: Iterable[Case],
    client: SparqlClient,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    vocab: Vocabulary = WIKIDATA,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Find, score and threshold the candidates of each case. Offline misses are reported, not raised."""
    def find_and_score(case: Case) -> list[Scored]:
        found = merge(c for item in case.items
                      for c in case_candidates(item, client.select(case_query(item, vocab=vocab)), vocab=vocab))
        return [score_case(case, c) for c in found]

    return reconcile_each(found, find_and_score, threshold=threshold, progress=progress)
