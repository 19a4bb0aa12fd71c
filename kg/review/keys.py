"""The facts of an article's raw extraction, each with a key that depends on its content only.

A key (``f-`` and 12 hex digits of a SHA-256) is made from the article IRI,
the fact's kind and what identifies it: for an officer's field, the officer
(its name, or for an unnamed officer its rank, force and status) and the
field; for an officer group, its size, force and status; for an
investigation its body and kinds; for an allegation its categories; for an
outcome its type and subjects; for a quotation the speaker and the quoted words. Where
two facts of an article would share a key, the names of their subjects are
added, then (still equal) a number in the order of their sentences' text.
Nothing comes from the order the extractor found the facts in (the ``o1``,
``a2`` parts of the IRIs) or from character offsets, so a decision keeps
its fact when the article is read again, even by a better extractor.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.identity import slug
from kg.namespaces import PMKG, PREFIXES

RDF = PREFIXES["rdf"]
TYPE = ox.NamedNode(RDF + "type")
STATEMENT = ox.NamedNode(RDF + "Statement")

# officer fields: the predicate's local name -> the field's name in the review
OFFICER_FIELDS = {"name": "name", "rank": "rank", "force": "force", "serviceStatus": "status", "age": "age"}
# node facts: class -> (kind, main field)
NODE_KINDS = {"Allegation": ("allegation", "category"), "Outcome": ("outcome", "type"),
              "Investigation": ("investigation", "body"), "Quotation": ("quote", "speaker"),
              "OfficerGroup": ("group", "size")}
KINDS = ("officer", "group", "investigation", "allegation", "outcome", "quote")


def p(local: str) -> ox.NamedNode:
    return ox.NamedNode(PMKG + local)


def local(term) -> str:
    """The code at the end of a concept or organisation IRI, or a literal's value."""
    if isinstance(term, ox.NamedNode):
        return term.value.rstrip("/").rsplit("/", 1)[-1]
    return "" if term is None else term.value


@dataclass
class RawFact:
    """One reviewable fact of the raw graph."""

    key: str
    kind: str                        # officer, group, investigation, allegation, outcome, quote
    field: str                       # the field a correction changes by default
    value: str                       # its value as extracted (codes for concepts and organisations)
    label: str                       # one readable line
    node: ox.NamedNode | ox.BlankNode | None   # the fact node (the rdf:Statement for an officer's field)
    subject: ox.NamedNode | None = None        # an officer field's officer
    predicate: ox.NamedNode | None = None      # an officer field's property
    spans: list[tuple[int, int, str]] = field(default_factory=list)   # supporting sentences
    obj: object = None                         # an officer field's value as a term


class Index:
    """A raw graph's triples by subject."""

    def __init__(self, triples: list[ox.Triple]):
        self.triples = triples
        self.out: dict = defaultdict(list)
        for t in triples:
            self.out[t.subject].append((t.predicate, t.object))

    def values(self, node, prop: str) -> list:
        pred = p(prop) if ":" not in prop else ox.NamedNode(prop)
        return [o for pr, o in self.out.get(node, ()) if pr == pred]

    def one(self, node, prop: str):
        found = self.values(node, prop)
        return found[0] if found else None

    def of_type(self, cls: str) -> list:
        target = p(cls) if ":" not in cls else ox.NamedNode(cls)
        return [t.subject for t in self.triples if t.predicate == TYPE and t.object == target]

    def spans(self, node) -> list[tuple[int, int, str]]:
        found = []
        for sentence in self.values(node, "supportedBy"):
            start, end, text = (self.one(sentence, name) for name in ("startOffset", "endOffset", "text"))
            if start is not None and end is not None:
                found.append((int(start.value), int(end.value), text.value if text is not None else ""))
        return sorted(found)


def subject_identity(index: Index, node) -> str:
    """What identifies an officer or group without the extractor's order: its name, or its description."""
    name = index.one(node, "name")
    if name is not None:
        return "officer:" + slug(name.value)
    parts = [local(index.one(node, prop)) for prop in ("groupSize", "rank", "force", "serviceStatus")]
    kind = "group" if index.one(node, "groupSize") is not None else "officer"
    return f"{kind}?" + "/".join(parts)


def subject_label(index: Index, node) -> str:
    name = index.one(node, "name")
    if name is not None:
        return name.value
    size = index.one(node, "groupSize")
    words = [local(index.one(node, prop)) for prop in ("serviceStatus", "rank", "force")]
    what = " ".join(w for w in words if w) or "officer"
    return f"{size.value} unnamed ({what})" if size is not None else f"unnamed {what}"


def make_key(article: str, kind: str, identity: str) -> str:
    return "f-" + hashlib.sha256(f"{article}|{kind}|{identity}".encode("utf-8")).hexdigest()[:12]


def _node_value(index: Index, node, kind: str) -> str:
    if kind == "allegation":
        return ",".join(sorted(local(c) for c in index.values(node, "allegationCategory")))
    if kind == "outcome":
        return local(index.one(node, "outcomeType"))
    if kind == "investigation":
        return local(index.one(node, "investigatingBody"))
    if kind == "quote":
        speaker = index.one(node, "speaker")
        name = index.one(speaker, "name") if speaker is not None else None
        return name.value if name is not None else ""
    size = index.one(node, "groupSize")
    return size.value if size is not None else ""


def _node_identity(index: Index, node, kind: str, value: str) -> str:
    if kind == "investigation":
        kinds = ",".join(sorted(local(k) for k in index.values(node, "investigationKind")))
        return f"{value}|{kinds}"
    if kind == "quote":
        text = index.one(node, "text")
        words = re.sub(r"\W+", " ", text.value if text is not None else "").strip().lower()
        return f"{slug(value)}|{hashlib.sha256(words.encode('utf-8')).hexdigest()[:16]}"
    if kind == "group":
        return subject_identity(index, node)
    return value


def _label(index: Index, kind: str, value: str, node) -> str:
    subjects = sorted(subject_label(index, s) for s in index.values(node, "hasSubject"))
    who = f" ({'; '.join(subjects)})" if subjects else ""
    if kind == "quote":
        text = index.one(node, "text")
        words = text.value if text is not None else ""
        return f"quote by {value}: \u201c{words[:80]}{'…' if len(words) > 80 else ''}\u201d"
    if kind == "group":
        return f"group: {subject_label(index, node)}"
    if kind == "investigation":
        kinds = "/".join(sorted(local(k) for k in index.values(node, "investigationKind")))
        return f"investigation by {value} ({kinds or 'kind not said'}){who}"
    return f"{kind} {value}{who}"


def raw_facts(article: str, triples: list[ox.Triple]) -> list[RawFact]:
    """Every reviewable fact of an article's raw graph, with its content-based key, in a stable order."""
    index = Index(triples)
    candidates: list[tuple[RawFact, str, str]] = []   # fact, identity, the names of its subjects
    statements = {}
    for node in index.of_type(RDF + "Statement"):
        subj, pred, obj = (index.one(node, RDF + name) for name in ("subject", "predicate", "object"))
        if subj is not None and pred is not None:
            statements[(subj, pred, obj)] = node
    for officer in index.of_type("PoliceOfficer"):
        who = subject_identity(index, officer)
        for prop, name in OFFICER_FIELDS.items():
            for value in index.values(officer, prop):
                node = statements.get((officer, p(prop), value))
                fact = RawFact("", "officer", name, local(value),
                               f"officer {subject_label(index, officer)}: {name} = {local(value)}",
                               node, officer, p(prop), index.spans(node) if node is not None else [], value)
                candidates.append((fact, f"{who}|{name}", ""))
    for cls, (kind, main) in NODE_KINDS.items():
        for node in index.of_type(cls):
            value = _node_value(index, node, kind)
            fact = RawFact("", kind, main, value, _label(index, kind, value, node), node, spans=index.spans(node))
            subjects = "+".join(sorted(subject_identity(index, s) for s in index.values(node, "hasSubject")))
            identity = _node_identity(index, node, kind, value)
            if kind == "outcome":   # "dismissed" is a different fact for each officer: always part of the key
                identity, subjects = f"{identity}|{subjects}", ""
            candidates.append((fact, identity, subjects))
    return _assign_keys(article, candidates)


def _assign_keys(article: str, candidates: list[tuple[RawFact, str, str]]) -> list[RawFact]:
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for fact, identity, subjects in candidates:
        groups[(fact.kind, identity)].append((fact, subjects))
    facts = []
    for (kind, identity), members in groups.items():
        by_subjects: dict[str, list[RawFact]] = defaultdict(list)
        for fact, subjects in members:
            by_subjects[subjects if len(members) > 1 else ""].append(fact)
        for subjects, same in by_subjects.items():
            same.sort(key=lambda f: ([s[2] for s in f.spans], f.label))
            for n, fact in enumerate(same, 1):
                extra = (f"|{subjects}" if subjects else "") + (f"|{n}" if n > 1 else "")
                fact.key = make_key(article, kind, identity + extra)
                facts.append(fact)
    order = {kind: i for i, kind in enumerate(KINDS)}
    facts.sort(key=lambda f: (order[f.kind], f.spans[0][0] if f.spans else -1, f.label, f.key))
    return facts
