"""The cases graph (recomputed) and the case-links graph (proposals and decisions).

``refresh(store)`` reads the article graphs, resolves the cases and replaces
both graphs in one transaction; a big cases graph (after a bulk load) goes
through the bulk loader under the bulk-load journal instead (``_write_full``),
and cases rolled back after a crash (``bulk.stale``) make the next refresh a
full one. The cases graph holds only what is derived,
so it is rebuilt whole each time; the case-links graph keeps every decision a
person made (accepted or rejected, by whom and when) across rebuilds, and the
proposals still supported by the articles. Each graph is written only when
its content changed.

With the graphs that changed, only the cases they can reach are recomputed
(``kg.cases.scope``; the same result as the whole recompute) and written with
one SPARQL update; the search index follows the same graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from functools import cache

import pyoxigraph as ox

from kg import bulk, search
from kg.cases import scope
from kg.cases.gather import mentions
from kg.cases.resolve import Case, Proposal, resolve
from kg.cases.scope import Scope
from kg.cases.status import CONCLUDING, EPISTEMIC, STATUS, conflicts, current, timeline
from kg.errors import PmkgError
from kg.identity import slug
from kg.namespaces import GRAPH, ID, PMKG, PREFIXES, VOCAB, sparql_prefixes
from kg.store import Store, sparql_data

CASES_GRAPH = GRAPH + "cases"
CASE_LINKS_GRAPH = GRAPH + "case-links"
CASE_LINK_PREFIX = ID + "case-link/"
LINK_STATUS = VOCAB + "link-status/"
DATE_BASIS = VOCAB + "date-basis/"
XSD = PREFIXES["xsd"]
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
RDFS_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
PROV = PREFIXES["prov"]
BULK_TRIPLES = 20_000   # a cases graph this big goes through the bulk loader after a full recompute
SCOPE_LIMIT = 2000   # articles: beyond, the cases are recomputed over the whole store
last_scope: set[str] | None = None   # the articles the last refresh recomputed (None: all), for tests


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@cache
def _p(name: str) -> ox.NamedNode:
    return ox.NamedNode(PMKG + name)


def _date(value: str) -> ox.Literal:
    kind = {4: "gYear", 7: "gYearMonth", 10: "date"}.get(len(value), "string")
    return ox.Literal(value, datatype=_n(XSD + kind))


class _Triples(list):
    def add(self, s, p, o) -> None:
        self.append(ox.Triple(s if not isinstance(s, str) else _n(s), p, o if not isinstance(o, str) else _n(o)))


def _names(case: Case) -> dict[str, str]:
    """Each named officer's name (with the force's), as the case's last article (by IRI) gives it."""
    return {s.iri: s.name + (f" ({s.force_name})" if s.force_name else "")
            for m in sorted(case.mentions, key=lambda m: (m.article, m.key)) for s in m.subjects
            if s.name and s.is_global}


def case_triples(cases: list[Case]) -> list[ox.Triple]:
    t = _Triples()
    for case in cases:
        names = _names(case)
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


def _link_triples(store: Store, proposals: list[Proposal], decided: dict[str, tuple[str, str]],
                  part: Scope | None = None, changed: set[str] = frozenset(),
                  quads: list[ox.Quad] | None = None) -> list:
    """Decided links, and the proposals: all of them, or with ``part`` those it found and the
    earlier ones that name no changed article and reach outside its articles."""
    kept = {iri for iri, status in decided.values() if status != "proposed"}
    quads = list(store.quads(CASE_LINKS_GRAPH)) if quads is None else quads
    if part is not None:
        linked: dict[str, set[str]] = {}
        for q in quads:
            if q.predicate == _p("linkedArticle"):
                linked.setdefault(q.subject.value, set()).add(q.object.value)
        kept |= {iri for iri, arts in linked.items() if not arts & changed and not arts <= part.articles}
    triples = [q.triple for q in quads if q.subject.value in kept]
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
    decided = decisions(store)
    statuses = {k: s for k, (_, s) in decided.items()}
    articles = None if changed is None else set(changed) - {CASES_GRAPH}
    part = None
    stale = bulk.stale(store.path) & {CASES_GRAPH, CASE_LINKS_GRAPH}  # lost to a crash: recompute all
    if articles is not None and store.path is not None and not articles & {None, CASE_LINKS_GRAPH} and not stale:
        part = scope.find(store, articles, statuses, SCOPE_LIMIT)
    if part is None:
        cases, proposals = resolve(mentions(store), statuses)
        graphs = {CASES_GRAPH: case_triples(cases), CASE_LINKS_GRAPH: _link_triples(store, proposals, decided)}
        differ = _write_full(store, graphs, all(s == "proposed" for s in statuses.values()))
        bulk.clear_stale(store.path)
        count = len(cases)
    else:
        current = list(store.quads(CASE_LINKS_GRAPH))
        _write_part(store, part, _link_triples(store, part.proposals, decided, part, articles, current),
                    {q.triple for q in current})
        differ, count = {CASES_GRAPH: None}, part.total
    global last_scope
    last_scope = None if part is None else part.articles
    search.update(store, None if changed is None else set(changed) | set(differ))
    return count


def _write_full(store: Store, graphs: dict[str, list[ox.Triple]], only_proposals: bool) -> dict:
    """Write the graphs of a full recompute whose content changed; returns those.

    Big ones go through the bulk loader (``Store.bulk_replace``) when losing
    them to a crash loses nothing a recompute cannot give back: the cases
    graph, and the case-links graph while it holds no decision. The
    case-links graph holding decisions is replaced in one transaction while
    the cases graph is absent, so a crash leaves the cases absent (listed by
    ``bulk.stale``: the next refresh recomputes everything), never out of step with it.
    """
    differ = {g: triples for g, triples in graphs.items() if not _holds(store, g, triples)}
    derived = {CASES_GRAPH} | ({CASE_LINKS_GRAPH} if only_proposals else set())
    big = {g: t for g, t in differ.items()
           if store.path is not None and g in derived and len(differ.get(CASES_GRAPH, ())) >= BULK_TRIPLES}
    small = {g: t for g, t in differ.items() if g not in big}
    if big:
        store.bulk_replace(big, "the recomputed cases", meanwhile=small)
    elif small:
        store.replace_graphs(small)
    return differ


def _holds(store: Store, graph: str, triples: list[ox.Triple]) -> bool:
    """Whether ``graph`` holds exactly ``triples``; counted first, read whole only when the counts agree."""
    new = set(triples)
    if not store.contains_graph(graph):
        return not new
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_n(graph)} {{ ?s ?p ?o }} }}"
    if int(next(iter(store.query(count)))[0].value) != len(new):
        return False
    return new == {q.triple for q in store.quads(graph)}


def _write_part(store: Store, part: Scope, links: list[ox.Triple], current: set[ox.Triple]) -> None:
    """Replace the cases of ``part``, and what changed in the case-links graph, in one transaction."""
    values = " ".join(str(_n(c)) for c in sorted(part.old_cases))
    parts = [("DELETE { GRAPH <%s> { ?s ?p ?o } } WHERE { VALUES ?case { %s } GRAPH <%s> {"
              " { ?case ?p ?o BIND(?case AS ?s) } UNION { ?s <%sofCase> ?case . ?s ?p ?o } } }"
              % (CASES_GRAPH, values, CASES_GRAPH, PMKG))] if values else []
    new = set(links)
    for verb, graph, triples in (("DELETE DATA", CASE_LINKS_GRAPH, current - new),
                                 ("INSERT DATA", CASES_GRAPH, case_triples(part.cases)),
                                 ("INSERT DATA", CASE_LINKS_GRAPH, new - current)):
        lines = "".join(sparql_data(triples))
        if lines:
            parts.append(f"{verb} {{ GRAPH <{graph}> {{\n{lines}}} }}")
    if parts:
        store.update(" ;\n".join(parts), graphs=[CASES_GRAPH, CASE_LINKS_GRAPH])


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
