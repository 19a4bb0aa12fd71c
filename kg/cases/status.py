"""Status over time: each case's dated status assertions, current status and conflicts.

Every investigation, allegation and outcome an article attaches to a case
gives one status assertion (facts of one article with the same status, date
and subjects are one assertion, supported by all their sentences). Its date
is the event's where the article gives one, else the article's publication
date, marked as "reported by". The timeline is ordered by date, then by how
far along a case the status lies (criminal proceedings
before the misconduct proceedings that usually wait for them); the current status is the last step. It is
derived here each time the cases are recomputed, never typed in, and an
earlier step is never deleted by a later one.

Where two articles disagree about one officer (dismissed in one, resigned in
the other; two different sanctions), both assertions stay and a conflict
records them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from kg.cases.gather import Fact
from kg.cases.resolve import Case
from kg.namespaces import VOCAB

STATUS = VOCAB + "case-status/"
EPISTEMIC = VOCAB + "epistemic/"
OUTCOME = VOCAB + "outcome/"

# status code -> place along a case (ties on one date are ordered by it)
ORDER = {code: rank for rank, code in enumerate((
    "reported", "under-investigation", "misconduct-notice", "suspended-or-restricted",
    "referred-to-prosecutors", "charged", "convicted", "acquitted", "sentenced", "case-to-answer",
    "no-case-to-answer", "hearing-scheduled", "hearing-held", "finding", "sanction", "appeal",
    "left-service", "closed"))}
CONCLUDING = {"no-case-to-answer", "sanction", "acquitted", "sentenced", "left-service", "closed"}
DECIDED = {"case-to-answer", "no-case-to-answer", "finding", "sanction", "convicted", "acquitted", "sentenced"}

_BY_OUTCOME = {
    "restricted-duties": "suspended-or-restricted", "suspension": "suspended-or-restricted",
    "written-warning": "sanction", "final-written-warning": "sanction", "dismissal": "sanction",
    "barred-list": "sanction", "resigned": "left-service", "retired": "left-service",
    "criminal-charge": "charged", "conviction": "convicted", "prison-sentence": "sentenced",
    "acquittal": "acquitted", "case-to-answer": "case-to-answer", "no-case-to-answer": "no-case-to-answer",
    "no-further-action": "closed", "investigation-ongoing": "under-investigation",
}
_HEARINGS = {"misconduct-meeting", "gross-misconduct-hearing"}

# outcome types two sources cannot both be right about for one officer
CONFLICTS = {frozenset(p) for p in (
    ("dismissal", "resigned"), ("dismissal", "retired"), ("dismissal", "written-warning"),
    ("dismissal", "final-written-warning"), ("written-warning", "final-written-warning"),
    ("conviction", "acquittal"), ("case-to-answer", "no-case-to-answer"))}


@dataclass
class Assertion:
    iri: str
    status: str                     # a code of ORDER
    date: str
    date_reported: bool             # True: the publication date stands in for the event's
    article: str
    epistemic: str                  # reported, alleged or decided
    subjects: tuple[str, ...]
    facts: list[str] = field(default_factory=list)
    sentences: set[str] = field(default_factory=set)
    outcome_types: set[str] = field(default_factory=set)

    @property
    def sort_key(self) -> tuple:
        return (self.date, ORDER[self.status], self.article, self.iri)


@dataclass
class Conflict:
    iri: str
    officer: str
    assertions: tuple[Assertion, Assertion]
    reason: str


def _code(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _status_of(fact: Fact) -> str | None:
    if fact.kind == "Investigation":
        return "under-investigation"
    if fact.kind == "Allegation":
        return "reported"
    types = {_code(t) for t in fact.types}
    scheduled = bool(fact.stage) and _code(fact.stage) == "scheduled"
    for t in sorted(types):
        if t in _HEARINGS:
            return "hearing-scheduled" if scheduled else "hearing-held"
        if t in _BY_OUTCOME and not scheduled:  # a sanction still to come is no step yet
            return _BY_OUTCOME[t]
    return None


def _epistemic(fact: Fact, status: str) -> str:
    if fact.kind == "Allegation":
        return "alleged"
    return "decided" if status in DECIDED else "reported"


def timeline(case: Case) -> list[Assertion]:
    """The case's status assertions in order."""
    found: dict[str, Assertion] = {}
    for mention in case.mentions:
        for fact in mention.facts:
            status = _status_of(fact)
            if status is None:
                continue
            day = fact.date or mention.published or ""
            subjects = tuple(sorted(fact.subjects))
            key = "|".join((mention.article, status, day, *subjects))
            iri = f"{case.iri}/status/{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"
            a = found.setdefault(iri, Assertion(iri, status, day, fact.date is None, mention.article,
                                                _epistemic(fact, status), subjects))
            if fact.iri not in a.facts:
                a.facts.append(fact.iri)
            a.sentences |= fact.sentences
            if fact.kind == "Outcome" and status != "hearing-scheduled":
                a.outcome_types |= {_code(t) for t in fact.types}
    return sorted(found.values(), key=lambda a: a.sort_key)


def current(steps: list[Assertion]) -> Assertion | None:
    """The last step that has happened: scheduled hearings count, allegations only when nothing else does."""
    real = [a for a in steps if a.status != "reported"]
    return (real or steps)[-1] if steps else None


def conflicts(case: Case, steps: list[Assertion]) -> list[Conflict]:
    by_officer: dict[str, list[Assertion]] = defaultdict(list)
    for a in steps:
        for s in a.subjects:
            by_officer[s].append(a)
    found = {}
    for officer, items in sorted(by_officer.items()):
        for x, y in combinations(items, 2):
            if x.article == y.article:
                continue
            for tx in sorted(x.outcome_types):
                for ty in sorted(y.outcome_types):
                    if frozenset((tx, ty)) in CONFLICTS:
                        pair = tuple(sorted((x, y), key=lambda a: a.iri))
                        key = "|".join((officer, pair[0].iri, pair[1].iri))
                        iri = f"{case.iri}/conflict/{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"
                        found[iri] = Conflict(iri, officer, pair,
                                              f"one source reports {tx}, another {ty}")
    return [found[k] for k in sorted(found)]
