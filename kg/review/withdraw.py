"""Withdraw an article from the published graph (a retraction, a complaint, a court order), and restore it.

``withdraw(store_dir, article, reason=..., by=...)``:

- the article's published graph leaves the public store, so its facts leave
  the endpoint, the downloads, ``pmkg export``, the search index and every
  entity page; what other articles report about the same officers, forces and
  people stays, in their own graphs, citing only them;
- the public store gains an entry in the withdrawals graph
  (``WITHDRAWALS_GRAPH``): the article's IRI with ``pmkg:withdrawnAt`` and
  ``pmkg:withdrawalReason``, from which the web app answers the article's IRI
  with 410 Gone. No reviewer's name and nothing else of the article is public;
- the private review store keeps the tombstone (the article, when, why and
  who: ``kg.review.store.WITHDRAWALS_GRAPH``), which ingest reads to skip the
  article, a copy of the published graph (for an article the review store has
  no raw extraction of, such as one loaded from RDF) and a record of each
  withdrawal and restoration (a ``prov:Activity``), kept after a restore;
- the cases and the search index are recomputed (``kg.cases.refresh``).

``restore(store_dir, article, by=...)`` republishes the article from its raw
extraction with the review decisions applied (or from the kept copy), removes
the tombstone and the public entry, and recomputes the cases and the index.

Validation comes first: bad input is a one-line PmkgError and nothing is
written. The public store is opened before the private one (as every writer
of both does), each for the whole operation, under their locks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from kg.errors import PmkgError
from kg.identity import slug
from kg.namespaces import ID, PMKG, PREFIXES, sparql_prefixes
from kg.store import Store, named_node, sparql_data

WITHDRAWALS_GRAPH = ID + "graph/withdrawals"   # public: article -> withdrawnAt, withdrawalReason
KEPT_PREFIX = "urn:pmkg:review:withdrawn:"      # private: the published graph as it was withdrawn
MAX_REASON = 2000
MAX_NAME = 200

_XSD_DATETIME = ox.NamedNode(PREFIXES["xsd"] + "dateTime")
_WITHDRAWN_AT = ox.NamedNode(PMKG + "withdrawnAt")
_REASON = ox.NamedNode(PMKG + "withdrawalReason")
_PROV = PREFIXES["prov"]
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
_IS_ARTICLE = sparql_prefixes() + "ASK { GRAPH ?g { ?g a pmkg:NewsArticle } }"


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawn article as the public sees it."""

    article: str
    at: str          # ISO 8601 date-time
    reason: str


def _article(article: str) -> str:
    value = (article or "").strip()
    try:
        return ox.NamedNode(value).value
    except ValueError:
        raise PmkgError(f"not an IRI: {article!r}") from None


def _text(value: str | None, option: str, limit: int, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise PmkgError(f"{option} needs {what}")
    if len(text) > limit:
        raise PmkgError(f"{option} is longer than {limit} characters")
    return text


def withdrawal(store: Store, article: str) -> Withdrawal | None:
    """The public withdrawals entry of ``article`` in ``store`` (the public store or a snapshot of it), or None."""
    try:
        node = ox.NamedNode(article)
    except ValueError:
        return None
    at = reason = None
    for quad in store.query("SELECT ?a ?w ?p ?o WHERE { GRAPH ?w { ?a ?p ?o } }",
                            substitutions={"a": node, "w": ox.NamedNode(WITHDRAWALS_GRAPH)}):
        if quad["p"] == _WITHDRAWN_AT:
            at = quad["o"].value
        elif quad["p"] == _REASON:
            reason = quad["o"].value
    if at is None and reason is None:
        return None
    return Withdrawal(article, at or "", reason or "")


def withdrawals(store: Store) -> list[Withdrawal]:
    """Every withdrawn article of the public store, newest first."""
    found: dict[str, dict] = {}
    for quad in store.quads(WITHDRAWALS_GRAPH):
        entry = found.setdefault(quad.subject.value, {})
        if quad.predicate == _WITHDRAWN_AT:
            entry["at"] = quad.object.value
        elif quad.predicate == _REASON:
            entry["reason"] = quad.object.value
    items = [Withdrawal(a, e.get("at", ""), e.get("reason", "")) for a, e in found.items()]
    return sorted(items, key=lambda w: (w.at, w.article), reverse=True)


def _activity(kind: str, article: ox.NamedNode, by: str, at: ox.Literal, reason: str | None) -> list[ox.Triple]:
    """A withdrawal or restoration as a PROV activity of the private record."""
    node = ox.NamedNode(f"urn:uuid:{uuid.uuid4()}")
    reviewer = ox.NamedNode(f"{ID}reviewer/{slug(by) or 'unnamed'}")
    triples = [ox.Triple(node, _TYPE, ox.NamedNode(_PROV + "Activity")),
               ox.Triple(node, _LABEL, ox.Literal(kind)),
               ox.Triple(node, ox.NamedNode(_PROV + "used"), article),
               ox.Triple(node, ox.NamedNode(_PROV + "wasAssociatedWith"), reviewer),
               ox.Triple(reviewer, ox.NamedNode(PMKG + "name"), ox.Literal(by)),
               ox.Triple(node, ox.NamedNode(_PROV + "endedAtTime"), at)]
    if reason:
        triples.append(ox.Triple(node, ox.NamedNode(PMKG + "reason"), ox.Literal(reason)))
    return triples


def _insert(graph: str, triples: list[ox.Triple]) -> str:
    lines = "".join(sparql_data(triples))
    return f"INSERT DATA {{ GRAPH {named_node(graph)} {{\n{lines}}} }}" if lines else ""


def _drop_subject(graph: str, subject: ox.NamedNode) -> str:
    return f"DELETE WHERE {{ GRAPH {named_node(graph)} {{ {subject} ?p ?o }} }}"


def _now() -> ox.Literal:
    return ox.Literal(datetime.now(timezone.utc).isoformat(timespec="seconds"), datatype=_XSD_DATETIME)


def withdraw(store_dir: Path, article: str, *, reason: str, by: str) -> Withdrawal:
    """Take ``article`` out of the published graph, keeping a tombstone; see the module's docstring."""
    from kg.cases import refresh
    from kg.review.store import WITHDRAWALS_GRAPH as TOMBSTONES
    from kg.review.store import ReviewStore

    article = _article(article)
    reason = _text(reason, "--reason", MAX_REASON, "a reason (what the public is told)")
    by = _text(by, "--by", MAX_NAME, "a person's name")
    node = ox.NamedNode(article)
    with Store(Path(store_dir)) as store:
        earlier = withdrawal(store, article)
        if earlier is not None:
            raise PmkgError(f"<{article}> was withdrawn on {earlier.at[:10]}; `pmkg restore` brings it back")
        if not store.query(_IS_ARTICLE, substitutions={"g": node}):
            raise PmkgError(f"<{article}>: no such article graph in the store")
        published = [q.triple for q in store.quads(article)]
        at = _now()
        with ReviewStore.open(Path(store_dir)) as review:
            tombstone = [ox.Triple(node, _WITHDRAWN_AT, at), ox.Triple(node, _REASON, ox.Literal(reason)),
                         ox.Triple(node, ox.NamedNode(_PROV + "wasAttributedTo"),
                                   ox.NamedNode(f"{ID}reviewer/{slug(by) or 'unnamed'}"))]
            kept = KEPT_PREFIX + article
            review.store.update(" ;\n".join(part for part in (
                _drop_subject(TOMBSTONES, node),
                f"DROP SILENT GRAPH {named_node(kept)}",
                _insert(TOMBSTONES, tombstone + _activity("withdrawal", node, by, at, reason)),
                _insert(kept, published)) if part))
            review.flush()
        entry = [ox.Triple(node, _WITHDRAWN_AT, at), ox.Triple(node, _REASON, ox.Literal(reason))]
        store.update(f"DROP SILENT GRAPH {named_node(article)} ;\n" + _insert(WITHDRAWALS_GRAPH, entry))
        refresh(store, [article])   # the cases and the search index follow
        store.flush()
    return Withdrawal(article, at.value, reason)


def _republished(review, article: str) -> list[ox.Triple] | None:
    """The article's published triples: its raw extraction with the decisions applied, or the kept copy.

    What the public graph held beyond the extraction (a web capture's
    ``schema:archivedAt`` and the capture's own triples, ``prov:invalidatedAtTime``
    of a page that has gone) comes back from the kept copy. Decisions cannot
    change while an article is withdrawn, so the rest of the copy is what the
    extraction with the decisions gives.
    """
    kept = [q.triple for q in review.store.quads(KEPT_PREFIX + article)]
    raw = review.raw(article)
    if not raw:
        return kept or None
    from kg.review.apply import apply
    from kg.review.decisions import from_triples

    decisions = [d for d in from_triples(review.decision_quads()) if d.article == article]
    triples, _ = apply(article, raw, decisions, review.text(article))
    known = set(triples)
    node = ox.NamedNode(article)
    return triples + [t for t in kept if t not in known
                      and (t.subject == node or t.subject.value.startswith("urn:uuid:"))]


def restore(store_dir: Path, article: str, *, by: str, reason: str | None = None) -> int:
    """Publish a withdrawn ``article`` again; returns the number of triples of its graph."""
    from kg.cases import refresh
    from kg.review.store import WITHDRAWALS_GRAPH as TOMBSTONES
    from kg.review.store import ReviewStore

    article = _article(article)
    by = _text(by, "--by", MAX_NAME, "a person's name")
    reason = _text(reason, "--reason", MAX_REASON, "a reason") if reason and reason.strip() else None
    node = ox.NamedNode(article)
    with Store(Path(store_dir)) as store:
        public = withdrawal(store, article)
        with ReviewStore.open(Path(store_dir)) as review:
            if public is None and review.withdrawn(article) is None:
                raise PmkgError(f"<{article}> is not withdrawn")
            triples = _republished(review, article)
            if triples is None:
                raise PmkgError(f"<{article}>: nothing to restore it from (no raw extraction and no kept copy)")
            store.update(" ;\n".join(part for part in (
                _drop_subject(WITHDRAWALS_GRAPH, node),
                f"DROP SILENT GRAPH {named_node(article)}",
                _insert(article, triples)) if part))
            review.store.update(" ;\n".join(part for part in (
                _drop_subject(TOMBSTONES, node),
                f"DROP SILENT GRAPH {named_node(KEPT_PREFIX + article)}",
                _insert(TOMBSTONES, _activity("restoration", node, by, _now(), reason))) if part))
            review.flush()
        refresh(store, [article])
        store.flush()
    return len(triples)
