"""The published graph of an article: its raw extraction with the review decisions applied.

Every fact node of the result carries ``pmkg:reviewState`` (a concept of
``vocab:review/``: unreviewed, confirmed, corrected, added). A rejected fact
and the rdf:Statement that reifies it are left out, with every triple that
points to it; a correction replaces the value; an addition is a new fact node
citing its sentence. Decisions on one key are applied oldest first, so the
newest one wins; a confirmation or rejection of an officer's field holds
only while the extractor still gives the value the reviewer saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg import identity
from kg.namespaces import PMKG, PREFIXES, VOCAB
from kg.review.decisions import Decision, order
from kg.review.keys import OFFICER_FIELDS, RawFact, TYPE, make_key, p, raw_facts

XSD = PREFIXES["xsd"]
RDF = PREFIXES["rdf"]
REVIEW_STATE = p("reviewState")
STATES = ("unreviewed", "confirmed", "corrected", "rejected", "added")
_PROPERTY_OF_FIELD = {name: prop for prop, name in OFFICER_FIELDS.items()}
_NODE_CLASS = {"allegation": "Allegation", "outcome": "Outcome", "investigation": "Investigation",
               "quote": "Quotation"}


def state_concept(state: str) -> ox.NamedNode:
    return ox.NamedNode(f"{VOCAB}review/{state}")


@dataclass
class Applied:
    """A fact after the decisions on it: its state and the values reviewers set."""

    fact: RawFact
    state: str = "unreviewed"
    corrections: dict[str, str] = field(default_factory=dict)
    sentence: tuple[int, int] | None = None      # an addition's cited sentence
    subject: str | None = None                   # an addition's subject key


def addition_key(article: str, kind: str, field_name: str, value: str, subject: str | None) -> str:
    return make_key(article, "added-" + kind, f"{field_name}|{value}|{subject or ''}")


def fold(article: str, facts: list[RawFact], decisions: list[Decision]) -> list[Applied]:
    """Each fact (raw or added) with the state the decisions give it, oldest decision first."""
    applied = {f.key: Applied(f) for f in facts}
    for d in sorted(decisions, key=order):
        if d.article != article:
            continue
        if d.action == "add":
            if d.key not in applied:
                fact = RawFact(d.key, d.kind or "", d.field or "", d.new_value or "", d.label or "", None)
                applied[d.key] = Applied(fact, "added", sentence=d.sentence, subject=d.subject)
            continue
        item = applied.get(d.key)
        if item is None:
            continue
        raw_kind = item.fact.kind == "officer"
        if d.action in ("confirm", "reject") and raw_kind and d.old_value not in (None, item.fact.value):
            continue   # the reviewer saw another value than the extractor gives now
        if d.action == "reject":
            item.state = "rejected"
        elif d.action == "confirm":
            if item.state in ("unreviewed", "rejected"):
                item.state = "corrected" if item.corrections else "confirmed"
        elif d.action == "correct":
            item.corrections[d.field or item.fact.field] = d.new_value or ""
            if item.state != "added":
                item.state = "corrected"
    return list(applied.values())


def _concept(scheme: str, code: str) -> ox.NamedNode:
    return ox.NamedNode(f"{VOCAB}{scheme}/{code}")


def _integer(value: str) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


def _date(value: str) -> ox.Literal:
    kind = {10: "date", 7: "gYearMonth", 4: "gYear"}.get(len(value), "date")
    return ox.Literal(value, datatype=ox.NamedNode(XSD + kind))


class Builder:
    """Edits a copy of the raw triples into the published graph."""

    def __init__(self, article: str, raw: list[ox.Triple], text: str | None):
        self.article, self.text = article, text
        self.triples: list[ox.Triple] = list(raw)
        self.extra: list[ox.Triple] = []

    def add(self, s, pred, o) -> None:
        self.extra.append(ox.Triple(s, pred, o))

    def drop(self, test) -> None:
        self.triples = [t for t in self.triples if not test(t)]

    def drop_node(self, node) -> None:
        prefix = node.value + "/" if isinstance(node, ox.NamedNode) else None
        self.drop(lambda t: t.subject == node or t.object == node
                  or (prefix is not None and isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(prefix)))

    def set_values(self, node, pred: ox.NamedNode, values: list) -> None:
        self.drop(lambda t: t.subject == node and t.predicate == pred)
        for value in values:
            self.add(node, pred, value)

    def org(self, key: str) -> ox.NamedNode:
        from kg.reference import CLASS_OF_KIND, by_key

        node = ox.NamedNode(identity.org_iri(key))
        reference = by_key().get(key)
        if reference is not None:
            self.add(node, TYPE, p(CLASS_OF_KIND[reference.kind]))
            self.add(node, p("name"), ox.Literal(reference.name))
        return node

    def person(self, name: str) -> ox.NamedNode:
        node = ox.NamedNode(identity.person_iri(name))
        self.add(node, TYPE, p("Person"))
        self.add(node, p("name"), ox.Literal(name))
        return node

    def term(self, field_name: str, value: str):
        """The RDF term of a checked value."""
        if field_name in ("name", "speaker", "role"):
            return ox.Literal(value)
        if field_name in ("force", "body"):
            return self.org(value)
        if field_name in ("age", "size"):
            return _integer(value)
        if field_name == "date":
            return _date(value)
        scheme = {"rank": "rank", "status": "status", "type": "outcome", "kind": "investigation-kind"}[field_name]
        return _concept(scheme, value)

    def sentence(self, span: tuple[int, int]) -> ox.NamedNode:
        start, end = span
        node = ox.NamedNode(f"{self.article}/sentence/{start}-{end}")
        self.add(node, TYPE, p("Sentence"))
        self.add(node, p("inArticle"), ox.NamedNode(self.article))
        if self.text is not None:
            self.add(node, p("text"), ox.Literal(self.text[start:end]))
        self.add(node, p("startOffset"), _integer(str(start)))
        self.add(node, p("endOffset"), _integer(str(end)))
        return node

    def result(self) -> list[ox.Triple]:
        """The triples, without sentences no fact cites any more, each once."""
        everything = self.triples + self.extra
        cited = {t.object for t in everything if t.predicate == p("supportedBy")}
        sentences = {t.subject for t in everything if t.predicate == TYPE and t.object == p("Sentence")}
        orphans = sentences - cited
        return list(dict.fromkeys(t for t in everything if t.subject not in orphans))


_NODE_FIELDS = {
    ("allegation", "category"): "allegationCategory", ("outcome", "type"): "outcomeType",
    ("outcome", "date"): "date", ("investigation", "body"): "investigatingBody",
    ("investigation", "kind"): "investigationKind", ("quote", "speaker"): "speaker",
    ("quote", "role"): "speakerRole", ("group", "size"): "groupSize", ("group", "force"): "force",
    ("group", "status"): "serviceStatus",
}


def _correct(b: Builder, item: Applied) -> None:
    fact = item.fact
    for field_name, value in item.corrections.items():
        if fact.kind == "officer":
            new = b.term(field_name, value)
            b.drop(lambda t: t.subject == fact.subject and t.predicate == fact.predicate and t.object == fact.obj)
            b.add(fact.subject, fact.predicate, new)
            if fact.node is not None:
                b.set_values(fact.node, ox.NamedNode(RDF + "object"), [new])
            continue
        pred = p(_NODE_FIELDS[(fact.kind, field_name)])
        if field_name == "category":
            values = [_concept("allegation", code) for code in value.split(",") if code]
        elif field_name == "speaker":
            values = [b.person(value)]
        else:
            values = [b.term(field_name, value)]
        b.set_values(fact.node, pred, values)


def _addition(b: Builder, item: Applied, subjects: dict[str, ox.NamedNode]) -> None:
    fact = item.fact
    node = ox.NamedNode(f"{b.article}/added/{fact.key}")
    values = {fact.field: fact.value, **item.corrections}
    sentence = b.sentence(item.sentence) if item.sentence is not None else None
    state = state_concept("added")
    if fact.kind == "officer":
        b.add(node, TYPE, p("PoliceOfficer"))
        b.add(node, p("name"), ox.Literal(values.get("name", fact.value)))
        statement = ox.BlankNode()
        for s, pred, o in ((statement, TYPE, ox.NamedNode(RDF + "Statement")),
                           (statement, ox.NamedNode(RDF + "subject"), node),
                           (statement, ox.NamedNode(RDF + "predicate"), p("name")),
                           (statement, ox.NamedNode(RDF + "object"), ox.Literal(values.get("name", fact.value)))):
            b.add(s, pred, o)
        target = statement
    else:
        b.add(node, TYPE, p(_NODE_CLASS[fact.kind]))
        for field_name, value in values.items():
            if field_name == "category":
                terms = [_concept("allegation", code) for code in value.split(",") if code]
            elif field_name == "speaker":
                terms = [b.person(value)]
            else:
                terms = [b.term(field_name, value)]
            for term in terms:
                b.add(node, p(_NODE_FIELDS[(fact.kind, field_name)]), term)
        if fact.kind == "quote" and sentence is not None and b.text is not None:
            b.add(node, p("text"), ox.Literal(b.text[item.sentence[0]:item.sentence[1]]))
        if item.subject in subjects:
            b.add(node, p("hasSubject"), subjects[item.subject])
        target = node
    if sentence is not None:
        b.add(target, p("supportedBy"), sentence)
    b.add(target, p("extractionMethod"), ox.Literal("review:added"))
    status = "alleged" if fact.kind == "allegation" else "reported"
    b.add(target, p("epistemicStatus"), _concept("epistemic", status))
    b.add(target, REVIEW_STATE, state)
    subjects[fact.key] = node


def apply(article: str, raw: list[ox.Triple], decisions: list[Decision],
          text: str | None = None) -> tuple[list[ox.Triple], list[Applied]]:
    """The published triples of an article and the state of each of its facts."""
    facts = raw_facts(article, raw)
    applied = fold(article, facts, decisions)
    b = Builder(article, raw, text)
    subjects: dict[str, ox.NamedNode] = {}
    for item in applied:
        fact = item.fact
        if fact.kind == "officer" and fact.subject is not None:
            subjects.setdefault(fact.key, fact.subject)
            subjects.setdefault(f"officer:{fact.subject.value}", fact.subject)
        elif fact.kind == "group" and fact.node is not None:
            subjects[fact.key] = fact.node
    for item in applied:
        fact = item.fact
        if item.state == "added":
            continue
        if item.state == "rejected":
            if fact.kind == "officer":
                b.drop(lambda t, f=fact: t.subject == f.subject and t.predicate == f.predicate and t.object == f.obj)
                if fact.node is not None:
                    b.drop_node(fact.node)
            else:
                b.drop_node(fact.node)
            continue
        if item.corrections:
            _correct(b, item)
        if fact.node is not None:
            b.add(fact.node, REVIEW_STATE, state_concept(item.state))
    for item in applied:
        if item.state == "added":
            _addition(b, item, subjects)
    return b.result(), applied

