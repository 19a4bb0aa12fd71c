"""How well an external candidate fits a local person: a score in [0, 1].

Four pieces of evidence, each in [0, 1] or unknown:

- name: the best similarity between the local name and the candidate's
  labels and aliases (accents, case, punctuation and word order ignored);
- occupation (officers only): 1 if the candidate's occupations include a
  police occupation, 0 if it has occupations and none is;
- employer (officers only): 1 if one of the candidate's employers is the
  officer's force (its Wikidata item from the reference data), 0 if it has
  employers and none is the force;
- dates: 0 if the candidate's birth or death contradicts the reporting
  (born after the article, too young to be an officer, dead before an
  article that gives the officer's age), 1 if a reported age matches the
  birth year, 0.5 otherwise.

The score is the weighted sum (name 0.5, occupation 0.2, employer 0.2,
dates 0.1), an unknown piece counting half its weight. A name alone thus
scores at most 0.75: at the default threshold of 0.9 nobody is proposed on
a name alone, and an officer needs a matching name with a police occupation
and the right force (or a matching age).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

WEIGHTS = {"name": 0.5, "occupation": 0.2, "employer": 0.2, "dates": 0.1}
ADULT_AGE = 18
OLDEST_SERVING_AGE = 80
TITLES = {"sir", "dame", "lord", "lady", "dr", "mr", "mrs", "ms", "miss", "rev", "qc", "kc", "obe", "mbe", "cbe"}


@dataclass(frozen=True)
class Entity:
    """A local person to link: what the graph says about them."""

    iri: str
    name: str
    is_officer: bool
    force_items: frozenset[str] = frozenset()     # external IRIs of the officer's forces
    article_dates: tuple[date, ...] = ()          # publication dates of the articles naming them
    ages: tuple[tuple[int, date], ...] = ()       # (reported age, publication date)


@dataclass(frozen=True)
class Candidate:
    """An external item found by the candidate query."""

    iri: str
    label: str
    aliases: tuple[str, ...] = ()
    description: str | None = None
    occupations: frozenset[str] = frozenset()
    employers: frozenset[str] = frozenset()
    birth_year: int | None = None
    death_year: int | None = None


@dataclass(frozen=True)
class Scored:
    """A candidate with its score; for people (Entity, Candidate) and for cases
    (kg.link.cases.Case, CaseCandidate) alike."""

    entity: Entity
    candidate: Candidate
    score: float
    parts: dict[str, float | None] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def normalise(name: str) -> str:
    """Lower-case ASCII words without titles or punctuation: "Sir Seán O'Neill" -> "sean oneill"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`.]", "", text)
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in TITLES]
    return " ".join(words)


def name_similarity(a: str, b: str) -> float:
    """Similarity of two names in [0, 1], insensitive to word order."""
    x, y = normalise(a), normalise(b)
    if not x or not y:
        return 0.0
    if x == y:
        return 1.0
    plain = SequenceMatcher(None, x, y).ratio()
    ordered = SequenceMatcher(None, " ".join(sorted(x.split())), " ".join(sorted(y.split()))).ratio()
    return max(plain, ordered)


def score(entity: Entity, candidate: Candidate, *, police_occupations: frozenset[str],
          labels: dict[str, str] | None = None) -> Scored:
    """Score one candidate for one entity. ``labels`` names external items in the reasons."""
    labels = labels or {}
    parts: dict[str, float | None] = {}
    reasons: list[str] = []

    names = (candidate.label, *candidate.aliases)
    parts["name"] = max(name_similarity(entity.name, n) for n in names if n) if any(names) else 0.0
    reasons.append(f"name {parts['name']:.2f}")

    parts["occupation"] = None
    if entity.is_officer and candidate.occupations:
        police = candidate.occupations & police_occupations
        parts["occupation"] = 1.0 if police else 0.0
        shown = police or candidate.occupations
        reasons.append(("police occupation " if police else "occupation ") + _names(shown, labels))

    parts["employer"] = None
    if entity.is_officer and entity.force_items and candidate.employers:
        same = candidate.employers & entity.force_items
        parts["employer"] = 1.0 if same else 0.0
        reasons.append(("employer is the force " if same else "other employer ")
                       + _names(same or candidate.employers, labels))

    parts["dates"], why = _dates(entity, candidate)
    if why:
        reasons.append(why)

    total = sum(WEIGHTS[k] * (0.5 if v is None else v) for k, v in parts.items())
    return Scored(entity, candidate, round(total, 3), parts, tuple(reasons))


def _dates(entity: Entity, candidate: Candidate) -> tuple[float | None, str | None]:
    birth, death = candidate.birth_year, candidate.death_year
    if not entity.article_dates or (birth is None and death is None):
        return None, None
    first = min(d.year for d in entity.article_dates)
    last = max(d.year for d in entity.article_dates)
    if birth is not None:
        if birth > first:
            return 0.0, f"born {birth}, after the reporting ({first})"
        if entity.is_officer and birth > first - ADULT_AGE:
            return 0.0, f"born {birth}, too young to be an officer in {first}"
    if death is not None and entity.ages and death < last:
        return 0.0, f"died {death}, before an article giving an age ({last})"
    if death is not None and entity.is_officer and death < first:
        return 0.25, f"died {death}, before the reporting ({first})"
    if birth is not None and entity.ages:
        estimates = [when.year - age for age, when in entity.ages]
        if any(abs(birth - e) <= 1 for e in estimates):
            return 1.0, f"born {birth}, as the reported age says"
        return 0.0, f"born {birth}, but the reported age says about {estimates[0]}"
    if birth is not None and entity.is_officer and first - birth > OLDEST_SERVING_AGE and death is None:
        return 0.25, f"born {birth}, old for an officer in {first}"
    return 0.5, "dates do not contradict the reporting"


def _names(items: frozenset[str], labels: dict[str, str]) -> str:
    return ", ".join(sorted(labels.get(i) or i.rsplit("/", 1)[-1] for i in items))
