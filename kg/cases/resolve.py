"""Join mentions of one matter into cases, and propose links where evidence is weak.

Two mentions (of different articles) are one case when
- they report the same officer IRI (a named officer of a known force) and their
  allegations and dates are compatible, or
- one of them names no officer, and both report officers of the same force
  investigated by the same body, with mostly the same allegation categories
  (at least MIN_OVERLAP of them shared) and publication dates at most
  MAX_YEARS apart (the unnamed officers of one report named in a later one);
or when a person has accepted a proposed link between them.

Weaker evidence is a proposal, never a merge: the same officer with disjoint
allegations years apart (perhaps two matters), unnamed officers of the same
force and body with only some allegations shared, and the same name in different
forces (a name alone never merges people of different forces). A rejected
proposal is not made again.

A case's IRI comes from its anchor, the smallest IRI among its officers (or,
with none, among its mentions' keys), and, where one officer has two separate
cases, also from each one's earliest report; so it depends on what the store
holds, never on the order the articles came in.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from kg.cases.gather import Mention
from kg.namespaces import ID

CASE_PREFIX = ID + "case/"
MAX_YEARS = 3
MIN_OVERLAP = 0.5      # shared allegation categories over all of them, for unnamed officers


@dataclass
class Proposal:
    a: Mention
    b: Mention
    reason: str

    @property
    def key(self) -> str:
        return "|".join(sorted((_mention_id(self.a), _mention_id(self.b))))

    @property
    def id(self) -> str:
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Case:
    iri: str
    mentions: list[Mention] = field(default_factory=list)

    @property
    def articles(self) -> list[str]:
        return sorted({m.article for m in self.mentions})

    @property
    def officers(self) -> list[str]:
        return sorted({o for m in self.mentions for o in m.officers})


def _mention_id(m: Mention) -> str:
    return f"{m.article} {m.key}"


def _years_apart(a: str | None, b: str | None) -> float:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days) / 365.25
    except (TypeError, ValueError):
        return 0.0


def _name_key(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def compare(a: Mention, b: Mention) -> tuple[str, str] | None:
    """("same", reason), ("propose", reason) or None for two mentions of different articles."""
    apart = _years_apart(a.published, b.published)
    shared_cats = a.categories & b.categories
    shared = a.officers & b.officers
    if shared:
        who = ", ".join(sorted(_name_key(o) for o in shared))
        if shared_cats or not (a.categories and b.categories) or apart <= MAX_YEARS:
            return "same", f"same officer ({who})"
        return "propose", f"same officer ({who}) but different allegations {apart:.1f} years apart"
    if (not a.officers or not b.officers) and a.forces & b.forces and a.bodies & b.bodies:
        overlap = len(shared_cats) / len(a.categories | b.categories) if shared_cats else 0.0
        if overlap >= MIN_OVERLAP and apart <= MAX_YEARS:
            return "same", "unnamed officers of the same force and investigating body, same allegations"
        if shared_cats:
            return "propose", "unnamed officers of the same force and investigating body, some allegations shared"
        return None
    names_a = {_name_key(o): o for o in a.officers}
    names_b = {_name_key(o): o for o in b.officers}
    common = sorted(names_a.keys() & names_b.keys())
    if common:
        return "propose", (f"same name ({', '.join(common)}) in different forces: "
                           "a name alone never merges people of different forces")
    return None


def resolve(mentions: list[Mention], decisions: dict[str, str]) -> tuple[list[Case], list[Proposal]]:
    """Cases (sorted by IRI) and the proposals found; ``decisions`` maps proposal keys to a status."""
    index = {_mention_id(m): i for i, m in enumerate(mentions)}
    parent = list(range(len(mentions)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    proposals = []
    for i, j in _candidates(mentions):
        a, b = mentions[i], mentions[j]
        if a.article != b.article:
            verdict = compare(a, b)
            if verdict is None:
                continue
            if verdict[0] == "same":
                join(i, j)
            else:
                proposal = Proposal(a, b, verdict[1])
                proposals.append(proposal)
                if decisions.get(proposal.key) == "accepted":
                    join(i, j)
    for key, status in decisions.items():  # accepted links whose evidence is no longer proposed
        ids = key.split("|")
        if status == "accepted" and len(ids) == 2 and all(x in index for x in ids):
            join(index[ids[0]], index[ids[1]])
    groups: dict[int, list[Mention]] = defaultdict(list)
    for i, m in enumerate(mentions):
        groups[root(i)].append(m)
    anchors = [_anchor(ms) for ms in groups.values()]
    shared = {a for a in anchors if anchors.count(a) > 1}
    cases = [Case(case_iri(ms, distinct=anchor in shared), ms) for anchor, ms in zip(anchors, groups.values())]
    return sorted(cases, key=lambda c: c.iri), proposals


def _candidates(mentions: list[Mention]) -> list[tuple[int, int]]:
    """The pairs worth comparing: those sharing an officer, a name, or a force and a body (in order).

    A force and a body matter only where one of the two names no officer
    (``compare``), so those buckets pair each such mention with every other:
    not the square of a busy force's mentions.
    """
    buckets: dict[tuple, list[int]] = defaultdict(list)      # officer and name keys
    named: dict[tuple, list[int]] = defaultdict(list)        # force-body keys, mentions naming officers
    unnamed: dict[tuple, list[int]] = defaultdict(list)      # force-body keys, mentions naming none
    for i, m in enumerate(mentions):
        for key in {("officer", o) for o in m.officers} | {("name", _name_key(o)) for o in m.officers}:
            buckets[key].append(i)
        for key in {(f, b) for f in m.forces for b in m.bodies}:
            (named if m.officers else unnamed)[key].append(i)
    pairs = {(i, j) for members in buckets.values() for x, i in enumerate(members) for j in members[x + 1:]}
    for key, loose in unnamed.items():
        others = loose + named.get(key, [])
        pairs |= {(min(i, j), max(i, j)) for i in loose for j in others if i != j}
    return sorted(pairs)


def _anchor(mentions: list[Mention]) -> str:
    officers = sorted({o for m in mentions for o in m.officers})
    return officers[0] if officers else min(_mention_id(m) for m in mentions)


def case_iri(mentions: list[Mention], *, distinct: bool = False) -> str:
    """From the anchor; ``distinct`` when another case has the same one (one officer, two matters):
    then also from the earliest report of this case."""
    anchor = _anchor(mentions)
    if distinct:
        anchor += "|" + min((m.published or "", _mention_id(m)) for m in mentions)[1]
    return CASE_PREFIX + hashlib.sha256(anchor.encode("utf-8")).hexdigest()[:12]
