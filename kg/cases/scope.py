"""Which articles a change to some article graphs can move between cases.

A case is a connected group of mentions (``resolve``), so a change to the
articles C can only alter the cases reached from C: the old cases reporting
an article of C; those of every mention that shares an officer, a name, or
a force and a body with a new mention of C (``resolve._candidates``), or a
decision with one; every case of every article so reached (an article's
mentions are read together); and the cases sharing an anchor officer with a
case in scope (a shared anchor changes both IRIs). Resolving the mentions of
those articles alone gives exactly the cases a recompute over the whole store
gives for them; every other case is unchanged. Read from the cases graph as
it stands, which must be the recompute of the store before the change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.cases.gather import ARTICLE_PREFIX, Mention, mentions
from kg.cases.resolve import Case, Proposal, _anchor, _name_key, resolve
from kg.namespaces import GRAPH, sparql_prefixes
from kg.store import Store

CASES_GRAPH = GRAPH + "cases"
_OLD = sparql_prefixes() + """
SELECT ?case ?p ?o WHERE { GRAPH <%s> {
  VALUES ?p { pmkg:reportedIn pmkg:caseSubject } ?case a pmkg:Case ; ?p ?o } }
""" % CASES_GRAPH
_FORCE_BODY = sparql_prefixes() + """
SELECT DISTINCT ?a WHERE { %s GRAPH ?a { ?a a pmkg:NewsArticle . ?o pmkg:force ?f . ?x pmkg:investigatingBody ?b } }
"""


@dataclass
class Old:
    """The cases graph before the change: each case's articles and subjects, and the reverse."""

    articles: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    subjects: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_article: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_subject: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def anchor(self, case: str) -> str | None:
        return min((s for s in self.subjects[case] if not s.startswith(ARTICLE_PREFIX)), default=None)


@dataclass
class Scope:
    articles: set[str]              # the articles whose cases are recomputed
    old_cases: set[str]             # the IRIs of the cases they had
    mentions: list[Mention]
    cases: list[Case]
    proposals: list[Proposal]
    total: int                      # cases in the store after the change


def read_old(store: Store) -> Old:
    old = Old()
    for case, p, o in store.query(_OLD):
        if p.value.endswith("reportedIn"):
            old.articles[case.value].add(o.value)
            old.by_article[o.value].add(case.value)
        else:
            old.subjects[case.value].add(o.value)
            old.by_subject[o.value].add(case.value)
    return old


def _force_body_articles(store: Store, pairs: set[tuple[str, str]]) -> set[str]:
    if not pairs:
        return set()
    values = "VALUES (?f ?b) { %s }" % " ".join(f"({ox.NamedNode(f)} {ox.NamedNode(b)})" for f, b in sorted(pairs))
    return {row["a"].value for row in store.query(_FORCE_BODY % values)}


def find(store: Store, changed: set[str], decided: dict[str, str], limit: int) -> Scope | None:
    """The scope of a change to the graphs ``changed``; None when it exceeds ``limit`` articles."""
    if len(changed) > limit:
        return None
    old = read_old(store)
    scope = set(changed)
    names: dict[str, set[str]] = defaultdict(set)  # name key -> old cases with an officer of that name
    for subject, cases in old.by_subject.items():
        if not subject.startswith(ARTICLE_PREFIX):
            names[_name_key(subject)] |= cases
    pairs = set()
    for m in mentions(store, set(changed)):
        for o in m.officers:
            scope |= {a for c in old.by_subject.get(o, set()) | names.get(_name_key(o), set()) for a in old.articles[c]}
        pairs |= {(f, b) for f in m.forces for b in m.bodies}
    scope |= _force_body_articles(store, pairs)
    for key in decided:  # a decision naming a mention of a changed article joins or parts it from the other
        arts = {mention_id.split(" ", 1)[0] for mention_id in key.split("|")}
        if arts & changed:
            scope |= arts
    while True:
        cases = _close(old, scope)
        if len(scope) > limit:
            return None
        found = mentions(store, scope)
        new, proposals = resolve(found, decided)
        anchors = {_anchor(c.mentions) for c in new} | {old.anchor(c) for c in cases}
        more = {a for anchor in anchors if anchor for c in old.by_subject.get(anchor, set())
                if old.anchor(c) == anchor for a in old.articles[c]} - scope
        if not more:
            return Scope(scope, cases, found, new, proposals, len(old.articles) - len(cases) + len(new))
        scope |= more


def _close(old: Old, scope: set[str]) -> set[str]:
    """Grow ``scope`` (in place) by every article of every old case of its articles; returns those cases."""
    cases: set[str] = set()
    todo = list(scope)
    while todo:
        for case in old.by_article.get(todo.pop(), ()):
            if case not in cases:
                cases.add(case)
                fresh = old.articles[case] - scope
                scope |= fresh
                todo.extend(fresh)
    return cases
