"""Review decisions as PROV activities in the private graph ``urn:pmkg:review:decisions``.

Each decision is a ``prov:Activity`` of class pmkg:Confirmation,
pmkg:Rejection, pmkg:Correction or pmkg:Addition with the fact's key
(pmkg:factKey), its article (pmkg:inArticle), the reviewer
(prov:wasAssociatedWith, a ``{ID}reviewer/<slug>`` with pmkg:name), the time
(prov:endedAtTime), an optional pmkg:reason, and for a correction the field
(pmkg:field) with pmkg:oldValue and pmkg:newValue. An addition carries the
fact as data (pmkg:factKind, pmkg:field, pmkg:newValue, optionally the key
of its subject, pmkg:subjectKey) and the sentence it cites (pmkg:supportedBy
a node with pmkg:startOffset and pmkg:endOffset). A confirmation or
rejection of an officer's field remembers the value it saw (pmkg:oldValue).
A confirmation whose key is ``ARTICLE_KEY`` is about the article itself: a
reviewer read an article in which the extractor found no fact and agrees
that it has none (``pmkg review confirm ARTICLE --all``). Decisions are only
ever added: the trail is the audit log.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

import pyoxigraph as ox

from kg.identity import slug
from kg.namespaces import ID, PMKG, PREFIXES

PROV = PREFIXES["prov"]
XSD = PREFIXES["xsd"]
TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
ACTIONS = {"confirm": "Confirmation", "reject": "Rejection", "correct": "Correction", "add": "Addition"}
_ACTION_OF = {PMKG + cls: action for action, cls in ACTIONS.items()}
MAX_REASON = 2000
ARTICLE_KEY = "article"   # the key of a confirmation that an article has no facts (fact keys are f-...)


def _p(local: str) -> ox.NamedNode:
    return ox.NamedNode(PMKG + local)


@dataclass(frozen=True)
class Decision:
    """One review decision, as the log shows it."""

    iri: str
    action: str                      # confirm, reject, correct, add
    article: str
    key: str
    by: str
    at: str                          # ISO date-time (UTC)
    reason: str | None = None
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    kind: str | None = None          # the fact's kind (always for additions)
    sentence: tuple[int, int] | None = None   # additions: the cited sentence's offsets
    subject: str | None = None       # additions: the key of the officer or group it is about
    label: str | None = None         # the fact as the reviewer saw it


def reviewer_iri(name: str) -> str:
    return f"{ID}reviewer/{slug(name)}"


def new_decision(*, action: str, article: str, key: str, by: str, reason: str | None = None,
                 field: str | None = None, old_value: str | None = None, new_value: str | None = None,
                 kind: str | None = None, sentence: tuple[int, int] | None = None, subject: str | None = None,
                 label: str | None = None) -> Decision:
    return Decision(iri=f"urn:uuid:{uuid.uuid4()}", action=action, article=article, key=key, by=by,
                    at=datetime.now(timezone.utc).isoformat(), reason=reason, field=field,
                    old_value=old_value, new_value=new_value, kind=kind, sentence=sentence, subject=subject,
                    label=label)


def to_triples(d: Decision) -> list[ox.Triple]:
    node = ox.NamedNode(d.iri)
    agent = ox.NamedNode(reviewer_iri(d.by))
    out = [ox.Triple(node, TYPE, ox.NamedNode(PROV + "Activity")),
           ox.Triple(node, TYPE, _p(ACTIONS[d.action])),
           ox.Triple(node, _p("factKey"), ox.Literal(d.key)),
           ox.Triple(node, _p("inArticle"), ox.NamedNode(d.article)),
           ox.Triple(node, ox.NamedNode(PROV + "wasAssociatedWith"), agent),
           ox.Triple(agent, TYPE, ox.NamedNode(PROV + "Person")),
           ox.Triple(agent, _p("name"), ox.Literal(d.by)),
           ox.Triple(node, ox.NamedNode(PROV + "endedAtTime"),
                     ox.Literal(d.at, datatype=ox.NamedNode(XSD + "dateTime")))]
    for prop, value in (("reason", d.reason), ("field", d.field), ("oldValue", d.old_value),
                        ("newValue", d.new_value), ("factKind", d.kind), ("subjectKey", d.subject)):
        if value is not None:
            out.append(ox.Triple(node, _p(prop), ox.Literal(value)))
    if d.label:
        out.append(ox.Triple(node, LABEL, ox.Literal(d.label)))
    if d.sentence is not None:
        span = ox.NamedNode(d.iri + "#sentence")
        integer = ox.NamedNode(XSD + "integer")
        out += [ox.Triple(node, _p("supportedBy"), span),
                ox.Triple(span, _p("startOffset"), ox.Literal(str(d.sentence[0]), datatype=integer)),
                ox.Triple(span, _p("endOffset"), ox.Literal(str(d.sentence[1]), datatype=integer))]
    return out


def from_triples(triples: list[ox.Triple]) -> list[Decision]:
    """Every decision in the graph, oldest first."""
    out: dict = defaultdict(dict)
    for t in triples:
        out[t.subject].setdefault(t.predicate.value, []).append(t.object)
    names = {s: v[PMKG + "name"][0].value for s, v in out.items() if PMKG + "name" in v}
    found = []
    for node, props in out.items():
        action = next((_ACTION_OF[t.value] for t in props.get(TYPE.value, ()) if t.value in _ACTION_OF), None)
        if action is None:
            continue

        def one(prop: str, props=props) -> str | None:
            values = props.get(prop)
            return values[0].value if values else None

        agent = props.get(PROV + "wasAssociatedWith", [None])[0]
        sentence = None
        span = props.get(PMKG + "supportedBy", [None])[0]
        if span is not None and span in out:
            start, end = (out[span].get(PMKG + name, [None])[0] for name in ("startOffset", "endOffset"))
            if start is not None and end is not None:
                sentence = (int(start.value), int(end.value))
        found.append(Decision(iri=node.value, action=action, article=one(PMKG + "inArticle") or "",
                              key=one(PMKG + "factKey") or "", by=names.get(agent, ""),
                              at=one(PROV + "endedAtTime") or "", reason=one(PMKG + "reason"),
                              field=one(PMKG + "field"), old_value=one(PMKG + "oldValue"),
                              new_value=one(PMKG + "newValue"), kind=one(PMKG + "factKind"), sentence=sentence,
                              subject=one(PMKG + "subjectKey"), label=one(LABEL.value)))
    found.sort(key=order)
    return found


def order(d: Decision) -> tuple:
    """Oldest first: by time (as a date-time, not as text), then IRI."""
    try:
        return datetime.fromisoformat(d.at), d.iri
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc), d.iri
