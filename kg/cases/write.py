"""The cases graph (recomputed) and the case-links graph (proposals and decisions).

``refresh(store)`` reads the article graphs, resolves the cases and replaces
both graphs in one transaction. The cases graph holds only what is derived,
so it is rebuilt whole each time; the case-links graph keeps every decision a
person made (accepted or rejected, by whom and when) across rebuilds, and the
proposals still supported by the articles. Each graph is written only when
its content changed.

The cases are always recomputed over every article graph; only the search
index follows just the changed graphs. A narrower recompute that stays exact
would take, for the changed articles C: the old cases reporting an article
of C; the cases of every mention sharing an officer, a name, or (where one
side names no officer) a force and a body with a new mention of C, and of
every decision naming a mention of C; closed under "every case of every
article in scope"; plus the cases sharing an anchor officer with a case in
scope (a shared anchor changes both IRIs), and the names of the officers in
scope taken from every article (a label uses the last article's name). Not
done yet: the mention queries restricted to the graphs in scope (pyoxigraph's
``named_graphs``) cost about 1.7 ms an article at a million quads.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

import pyoxigraph as ox

from kg import search
from kg.cases.gather import mentions
from kg.cases.resolve import Case, Proposal, resolve
from kg.cases.status import CONCLUDING, EPISTEMIC, STATUS, conflicts, current, timeline
from kg.errors import PmkgError
from kg.identity import slug
from kg.namespaces import GRAPH, ID, PMKG, PREFIXES, VOCAB, sparql_prefixes
from kg.store import Store

CASES_GRAPH = GRAPH + "cases"
CASE_LINKS_GRAPH = GRAPH + "case-links"
CASE_LINK_PREFIX = ID + "case-link/"
LINK_STATUS = VOCAB + "link-status/"
DATE_BASIS = VOCAB + "date-basis/"
XSD = PREFIXES["xsd"]
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
RDFS_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
PROV = PREFIXES["prov"]


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _p(name: str) -> ox.NamedNode:
    return ox.NamedNode(PMKG + name)


def _date(value: str) -> ox.Literal:
    kind = {4: "gYear", 7: "gYearMonth", 10: "date"}.get(len(value), "string")
    return ox.Literal(value, datatype=_n(XSD + kind))


class _Triples(list):
    def add(self, s, p, o) -> None:
        self.append(ox.Triple(s if not isinstance(s, str) else _n(s), p, o if not isinstance(o, str) else _n(o)))


def case_triples(cases: list[Case], names: dict[str, str]) -> list[ox.Triple]:
    t = _Triples()
    for case in cases:
        steps = timeline(case)
        c = _n(case.iri)
        t.add(c, RDF_TYPE, PMKG + "Case")
        who = sorted({names[o] for o in case.officers if o in names})
        label = f"Case of {', '.join(who)}" if who else f"Case first reported {min((s.date for s in steps), default='')}"
        t.add(c, RDFS_LABEL, ox.Literal(label.strip()))
        for article in case.articles:
            t.add(c, _p("reportedIn"), article)
        for subject in sorted({s.iri for m in case.mentions for s in m.subjects}):
            t.add(c, _p("caseSubject"), subject)
        for fact in sorted({f.iri for m in case.mentions for f in m.facts}):
            t.add(c, _p("caseFact"), fact)
        for number, step in enumerate(steps, 1):
            s = _n(step.iri)
            t.add(s, RDF_TYPE, PMKG + "StatusAssertion")
            t.add(s, _p("ofCase"), c)
            t.add(s, _p("caseStatus"), STATUS + step.status)
            t.add(s, _p("stepNumber"), ox.Literal(str(number), datatype=_n(XSD + "integer")))
            if step.date:
                t.add(s, _p("statusDate"), _date(step.date))
            t.add(s, _p("dateBasis"), DATE_BASIS + ("reported-by" if step.date_reported else "event"))
            t.add(s, _p("reportedIn"), step.article)
            t.add(s, _p("epistemicStatus"), EPISTEMIC + step.epistemic)
            for sentence in sorted(step.sentences):
                t.add(s, _p("supportedBy"), sentence)
            for fact in step.facts:
                t.add(s, _n(PROV + "wasDerivedFrom"), fact)
            for subject in step.subjects:
                t.add(s, _p("concerns"), subject)
        now = current(steps)
        if now is not None:
            t.add(c, _p("currentStatus"), STATUS + now.status)
            t.add(c, _p("currentStep"), now.iri)
            t.add(c, _p("caseOpen"), ox.Literal("false" if now.status in CONCLUDING else "true",
                                                datatype=_n(XSD + "boolean")))
        for conflict in conflicts(case, steps):
            k = _n(conflict.iri)
            t.add(k, RDF_TYPE, PMKG + "SourceConflict")
            t.add(k, _p("ofCase"), c)
            t.add(k, _p("concerns"), conflict.officer)
            for a in conflict.assertions:
                t.add(k, _p("conflictingAssertion"), a.iri)
            t.add(k, _p("conflictReason"), ox.Literal(conflict.reason))
    return list(t)


_DECISIONS = sparql_prefixes() + """
SELECT ?link ?key ?status WHERE { GRAPH <%s> {
  ?link a pmkg:CaseLink ; pmkg:caseLinkKey ?key ; pmkg:caseLinkStatus ?status } }
""" % CASE_LINKS_GRAPH


def decisions(store: Store) -> dict[str, tuple[str, str]]:
    """Proposal key -> (link IRI, status code) for every link in the case-links graph."""
    return {row["key"].value: (row["link"].value, row["status"].value.rsplit("/", 1)[-1])
            for row in store.query(_DECISIONS)}


def _link_triples(store: Store, proposals: list[Proposal], decided: dict[str, tuple[str, str]]) -> list:
    kept = {iri for iri, status in decided.values() if status != "proposed"}
    triples = [q.triple for q in store.quads(CASE_LINKS_GRAPH) if q.subject.value in kept]
    t = _Triples()
    for p in sorted(proposals, key=lambda p: p.key):
        iri = CASE_LINK_PREFIX + p.id
        if iri in kept:
            continue
        t.add(iri, RDF_TYPE, PMKG + "CaseLink")
        t.add(iri, _p("caseLinkKey"), ox.Literal(p.key))
        t.add(iri, _p("caseLinkStatus"), LINK_STATUS + "proposed")
        t.add(iri, _p("caseLinkReason"), ox.Literal(p.reason))
        for m in (p.a, p.b):
            t.add(iri, _p("linkedArticle"), m.article)
            for s in m.subjects:
                t.add(iri, _p("linkedSubject"), s.iri)
    return triples + list(t)


def refresh(store: Store, changed: Iterable[str | None] | None = None) -> int:
    """Recompute the cases from the article graphs; returns the number of cases.

    ``changed`` names the graphs written since the last refresh (None: not
    known); the search index then follows only those (``search.update``).
    The cases and case-links graphs are written only if their content
    changed: a write after a bulk load sets RocksDB compacting the whole
    store, which nearly doubles its size on disk.
    """
    found = mentions(store)
    decided = decisions(store)
    cases, proposals = resolve(found, {k: s for k, (_, s) in decided.items()})
    names = {s.iri: s.name + (f" ({s.force_name})" if s.force_name else "")
             for m in found for s in m.subjects if s.name and s.is_global}
    graphs = {CASES_GRAPH: case_triples(cases, names), CASE_LINKS_GRAPH: _link_triples(store, proposals, decided)}
    differ = {g: triples for g, triples in graphs.items() if set(triples) != {q.triple for q in store.quads(g)}}
    if differ:
        store.replace_graphs(differ)
    search.update(store, None if changed is None else set(changed) | set(differ))
    return len(cases)


def decide(store: Store, link_id: str, status: str, by: str) -> str:
    """Accept or reject a proposed case link (by its id or a unique prefix); returns its IRI."""
    links = {iri: key for key, (iri, _) in decisions(store).items()}
    matches = [iri for iri in links if iri.removeprefix(CASE_LINK_PREFIX).startswith(link_id.strip())]
    if not link_id.strip() or len(matches) != 1:
        raise PmkgError(f"{link_id!r}: " + ("no such case link" if not matches else "ambiguous case link id"))
    iri = _n(matches[0])
    graph = _n(CASE_LINKS_GRAPH)
    status_p = _p("caseLinkStatus")
    with_graph = [q for q in store.quads(CASE_LINKS_GRAPH)
                  if not (q.subject == iri and q.predicate in (status_p, _n(PROV + "wasAttributedTo"),
                                                               _n(PROV + "generatedAtTime")))]
    now = datetime.now(timezone.utc).isoformat()
    with_graph += [ox.Quad(iri, status_p, _n(LINK_STATUS + status), graph),
                   ox.Quad(iri, _n(PROV + "wasAttributedTo"), _n(f"{ID}reviewer/{slug(by)}"), graph),
                   ox.Quad(iri, _n(PROV + "generatedAtTime"), ox.Literal(now, datatype=_n(XSD + "dateTime")), graph)]
    store.replace_graph(CASE_LINKS_GRAPH, [q.triple for q in with_graph])
    refresh(store, [CASE_LINKS_GRAPH])
    return matches[0]


def withdraw(store: Store, article: str) -> int:
    """Delete an article's graph and recompute the cases; returns the number of cases left."""
    if not store.query(sparql_prefixes() + "ASK { GRAPH ?g { ?g a pmkg:NewsArticle } }",
                       substitutions={"g": _n(article)}):
        raise PmkgError(f"<{article}>: no such article graph in the store")
    store.remove_graph(article)
    return refresh(store, [article])
