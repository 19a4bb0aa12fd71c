"""What the extractor finds in one article, before it becomes RDF.

Every fact carries the evidence (sentence span and method) it came from.
Subjects of investigations, allegations and outcomes are keys of officers or
groups in the same ArticleFacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Evidence:
    """A sentence of the cleaned text that supports a fact, and how it was found."""

    start: int
    end: int
    text: str
    method: str


@dataclass
class Officer:
    """A police officer the article names or describes individually."""

    key: str
    name: str | None = None
    rank: str | None = None          # rank concept code, e.g. "constable"
    force: str | None = None         # organisation key, e.g. "kent-police"
    status: str | None = None        # "serving" or "former"
    age: int | None = None
    description: str | None = None   # the words used for an unnamed officer
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Group:
    """Officers the article counts but does not name."""

    key: str
    size: int
    force: str | None = None
    status: str | None = None
    description: str | None = None
    parts: list[str] = field(default_factory=list)     # keys of subgroups
    members: list[str] = field(default_factory=list)   # keys of identified officers
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Investigation:
    key: str
    body: str                                     # organisation key (a force when its own unit investigates)
    kinds: set[str] = field(default_factory=set)  # "criminal", "misconduct"
    subjects: list[str] = field(default_factory=list)
    subject_count: int | None = None
    status: str | None = None                     # "ongoing", "paused", "concluded"
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Allegation:
    key: str
    categories: set[str] = field(default_factory=set)
    subjects: list[str] = field(default_factory=list)
    media: set[str] = field(default_factory=set)
    period: tuple[str | None, str | None] | None = None   # ISO date, year-month or year
    status: str = "alleged"                               # epistemic status code
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Outcome:
    key: str
    type: str                                     # outcome type code
    subjects: list[str] = field(default_factory=list)
    stage: str = "happened"                       # or "scheduled"
    date: str | None = None
    decided_by: str | None = None                 # organisation key
    investigation: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Quote:
    key: str
    speaker: str                                  # the speaker's name
    text: str
    role: str | None = None
    speaking_for: str | None = None               # organisation key
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ArticleFacts:
    """Everything extracted from one article."""

    officers: list[Officer] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    investigations: list[Investigation] = field(default_factory=list)
    allegations: list[Allegation] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    def subject(self, key: str) -> Officer | Group | None:
        for item in (*self.officers, *self.groups):
            if item.key == key:
                return item
        return None
