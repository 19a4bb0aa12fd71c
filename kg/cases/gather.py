"""Read the article graphs into mentions: what one article reports about one matter.

Within an article, the officers and groups that share a fact (an
investigation, allegation or outcome naming several of them) are reported
together and form one mention; facts without a subject go to every mention of
their article. An article with facts but no officer is one mention of its own.
Only the article graphs are read (graphs whose IRI is a pmkg:NewsArticle in
them), with SPARQL, so the extractor's modules are never imported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from kg.namespaces import ID, PMKG, sparql_prefixes
from kg.store import Store

ARTICLE_PREFIX = ID + "article/"

_ARTICLES = sparql_prefixes() + """
SELECT ?a ?pub WHERE { GRAPH ?a { ?a a pmkg:NewsArticle . OPTIONAL { ?a schema:datePublished ?pub } } }
"""

_SUBJECTS = sparql_prefixes() + """
SELECT ?a ?o ?name ?force ?forceName WHERE { GRAPH ?a {
  ?a a pmkg:NewsArticle .
  { ?o a pmkg:PoliceOfficer } UNION { ?o a pmkg:OfficerGroup }
  OPTIONAL { ?o pmkg:name ?name }
  OPTIONAL { ?o pmkg:force ?force OPTIONAL { ?force pmkg:name ?forceName } }
} }
"""

_FACTS = sparql_prefixes() + """
SELECT ?a ?x ?cls ?subject ?type ?stage ?body ?kind ?istatus ?date ?opened ?ep ?sentence WHERE { GRAPH ?a {
  ?a a pmkg:NewsArticle .
  VALUES ?cls { pmkg:Investigation pmkg:Allegation pmkg:Outcome }
  ?x a ?cls .
  OPTIONAL { ?x pmkg:hasSubject ?subject }
  OPTIONAL { ?x pmkg:outcomeType ?type }
  OPTIONAL { ?x pmkg:allegationCategory ?type }
  OPTIONAL { ?x pmkg:outcomeStage ?stage }
  OPTIONAL { ?x pmkg:investigatingBody ?body }
  OPTIONAL { ?x pmkg:investigationKind ?kind }
  OPTIONAL { ?x pmkg:investigationStatus ?istatus }
  OPTIONAL { ?x pmkg:date ?date }
  OPTIONAL { ?x pmkg:dateOpened ?opened }
  OPTIONAL { ?x pmkg:epistemicStatus ?ep }
  OPTIONAL { ?x pmkg:supportedBy ?sentence }
} }
"""


@dataclass
class Fact:
    iri: str
    kind: str                       # Investigation, Allegation or Outcome
    article: str
    types: set[str] = field(default_factory=set)      # outcome types or allegation categories
    stage: str | None = None
    bodies: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    status: str | None = None       # investigation status
    date: str | None = None         # the event's date, where the article gives it
    epistemic: str | None = None
    sentences: set[str] = field(default_factory=set)
    subjects: set[str] = field(default_factory=set)

    @property
    def sentence(self) -> str | None:
        return min(self.sentences) if self.sentences else None


@dataclass
class Subject:
    iri: str
    name: str | None
    force: str | None
    force_name: str | None = None

    @property
    def is_global(self) -> bool:
        """Minted across articles (a named officer with a force), not the article's own."""
        return not self.iri.startswith(ARTICLE_PREFIX)


@dataclass
class Mention:
    article: str
    published: str | None
    subjects: list[Subject]
    facts: list[Fact]

    @property
    def key(self) -> str:
        """Stable within the article: its smallest subject IRI, or the article IRI."""
        return min((s.iri for s in self.subjects), default=self.article)

    @cached_property
    def officers(self) -> set[str]:
        return {s.iri for s in self.subjects if s.is_global}

    @cached_property
    def forces(self) -> set[str]:
        return {s.force for s in self.subjects if s.force}

    @cached_property
    def bodies(self) -> set[str]:
        return {b for f in self.facts for b in f.bodies}

    @cached_property
    def categories(self) -> set[str]:
        return {t for f in self.facts if f.kind == "Allegation" for t in f.types}


def _s(term) -> str | None:
    return None if term is None else term.value


def _local(iri: str) -> str:
    return iri[len(PMKG):] if iri.startswith(PMKG) else iri


def mentions(store: Store, articles: set[str] | None = None) -> list[Mention]:
    """Every mention of every article graph (or of those of ``articles``), in a stable order."""
    if articles is not None and not articles:
        return []
    scope = {} if articles is None else {"named_graphs": sorted(articles)}
    published = {}
    for a, pub in store.query(_ARTICLES, **scope):
        published[a.value] = pub.value[:10] if pub is not None and pub.value else None
    if not published:
        return []  # the two queries below cost seconds at a million quads even when they find nothing
    subjects: dict[str, dict[str, Subject]] = defaultdict(dict)
    for a, o, name, force, force_name in store.query(_SUBJECTS, **scope):
        own = subjects[a.value]
        if o.value not in own:
            own[o.value] = Subject(o.value, _s(name), _s(force), _s(force_name))
    facts: dict[str, dict[str, Fact]] = defaultdict(dict)
    # Unpacked by position (the SELECT's order): a name lookup per cell cost seconds at a million quads.
    for a, x, cls, subject, kind_of, stage, body, kind, istatus, date, opened, ep, sentence in store.query(
            _FACTS, **scope):
        own = facts[a.value]
        fact = own.get(x.value)
        if fact is None:
            fact = own[x.value] = Fact(x.value, _local(cls.value), a.value)
        for term, target in ((kind_of, fact.types), (body, fact.bodies), (kind, fact.kinds),
                             (sentence, fact.sentences), (subject, fact.subjects)):
            if term is not None and term.value:
                target.add(term.value)
        fact.stage = fact.stage or _s(stage)
        fact.status = fact.status or _s(istatus)
        fact.date = fact.date or _s(date) or _s(opened)
        fact.epistemic = fact.epistemic or _s(ep)
    found = []
    for article in sorted(published):
        found.extend(_split(article, published[article], subjects.get(article, {}), facts.get(article, {})))
    return found


def _split(article: str, published: str | None, subjects: dict[str, Subject],
           facts: dict[str, Fact]) -> list[Mention]:
    """The mentions of one article: subjects joined by the facts they share."""
    if not facts:
        return []
    parent = {s: s for s in subjects}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for fact in facts.values():
        named = sorted(s for s in fact.subjects if s in parent)
        for other in named[1:]:
            parent[root(other)] = root(named[0])
    groups: dict[str, list[str]] = defaultdict(list)
    for s in sorted(subjects):
        groups[root(s)].append(s)
    loose = [f for f in facts.values() if not (f.subjects & parent.keys())]
    found = []
    for members in groups.values():
        own = [f for f in facts.values() if f.subjects & set(members)]
        if not own:
            continue  # a person named in the article but in none of its facts
        found.append(Mention(article, published, [subjects[m] for m in members],
                             sorted(own + loose, key=lambda f: f.iri)))
    if not found:
        found.append(Mention(article, published, [], sorted(loose, key=lambda f: f.iri)))
    return sorted(found, key=lambda m: m.key)
