"""Saved queries rewritten to stay fast at a million triples answer exactly as they did before.

tests/fixtures/queries/before-rewrite/ holds each query as it was before its
rewrite (commit f0f6ef1; officer-reported, officer-articles and officer-graph as
they were before their rewrite for Virtuoso, commit 364dd97). Both versions run on one store: the sample case plus
articles shaped to reach every branch of the queries (officers recurring
across articles, one force's name repeated in many graphs, an officer without
a force, one with two, unnamed officers, members of a group, investigations).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import saved_queries
from kg.namespaces import GRAPH, ID, PMKG, VOCAB
from kg.store import Store

ROOT = Path(__file__).parent.parent
BEFORE = Path(__file__).parent / "fixtures" / "queries" / "before-rewrite"
REWRITTEN = sorted(p.stem for p in BEFORE.glob("*.rq"))
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
ORG = "http://www.w3.org/ns/org#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def article_graph(a: int) -> tuple[str, list[ox.Triple]]:
    """Article ``a``: who it reports, shaped so that officers and forces recur across articles."""
    art = f"{ID}article/test-{a}"
    t = [ox.Triple(n(art), n(RDF_TYPE), n(SCHEMA + "NewsArticle")),
         ox.Triple(n(art), n(SCHEMA + "datePublished"), ox.Literal(f"202{a % 4}-0{1 + a % 9}-10", datatype=XSD_DATE))]
    officers = [f"{ID}officer/test-{a % 6}", f"{ID}officer/test-{(a + 2) % 9}"]
    unnamed = f"{ID}officer/test-unnamed-{a}"
    group = f"{ID}group/test-{a}"
    for k, officer in enumerate(officers + [unnamed]):
        t.append(ox.Triple(n(officer), n(RDF_TYPE), n(PMKG + "PoliceOfficer")))
        if officer != unnamed:
            t.append(ox.Triple(n(officer), n(PMKG + "name"), ox.Literal(f"Officer {officer[-1]}")))
        if not officer.endswith("test-5"):   # one officer never has a force
            force = f"{ID}force/test-{(a + k) % 3}"
            t.append(ox.Triple(n(officer), n(PMKG + "force"), n(force)))
            t.append(ox.Triple(n(force), n(PMKG + "name"), ox.Literal(f"Force {force[-1]}")))
    t.append(ox.Triple(n(group), n(PMKG + "hasMember"), n(officers[1])))
    for kind, subject in (("Investigation", officers[0]), ("Outcome", group), ("Allegation", unnamed)):
        fact = f"{ID}{kind.lower()}/test-{a}"
        if kind == "Investigation" and a % 3 == 0:
            continue
        t.append(ox.Triple(n(fact), n(RDF_TYPE), n(PMKG + kind)))
        t.append(ox.Triple(n(fact), n(PMKG + "hasSubject"), n(subject)))
    outcome = n(f"{ID}outcome/test-{a}")
    types = ("outcome/dismissal", "outcome/suspension", "outcome/dismissal", "outcome/would-have-been-dismissed")
    t.append(ox.Triple(outcome, n(PMKG + "outcomeType"), n(VOCAB + types[a % 4])))
    if a % 4 == 0:
        t.append(ox.Triple(outcome, n(PMKG + "date"), ox.Literal(f"2019-0{1 + a % 9}-01", datatype=XSD_DATE)))
    if a % 3 == 1:
        t.append(ox.Triple(outcome, n(PMKG + "outcomeStage"), n(VOCAB + ("outcome-stage/happened", "outcome-stage/scheduled")[a % 2])))
    if a % 5 == 0:   # a second subject: an officer, named or not
        t.append(ox.Triple(outcome, n(PMKG + "hasSubject"), n((officers[0], unnamed)[a % 2])))
    t.append(ox.Triple(n(group), n(PMKG + "groupSize"), ox.Literal(str(2 + a % 3), datatype=XSD_INTEGER)))
    return art, t + investigation_details(a, officers, group)


def investigation_details(a: int, officers: list[str], group: str) -> list[ox.Triple]:
    """Article ``a``'s investigation: one kind or two, a body (a force's department, or one with a name of
    its own, or none with a name), sometimes a subject count, a review state, a group with a subgroup."""
    inv = n(f"{ID}investigation/test-{a}")
    if a % 3 == 0:
        return []
    kinds = ["misconduct", "criminal"][:1 + (a % 4 == 1)] if a % 2 else ["criminal"]
    t = [ox.Triple(inv, n(PMKG + "investigationKind"), n(f"{VOCAB}investigation-kind/{k}")) for k in kinds]
    body = n(f"{ID}org/test-body-{a % 4}")
    t.append(ox.Triple(inv, n(PMKG + "investigatingBody"), body))
    if a % 4 == 1:   # a force's professional standards department: the body is the force
        t.append(ox.Triple(body, n(ORG + "unitOf"), n(f"{ID}force/test-{a % 3}")))
        t.append(ox.Triple(body, n(PMKG + "name"), ox.Literal("Professional Standards")))
    elif a % 4 != 3:
        t.append(ox.Triple(body, n(PMKG + "name"), ox.Literal(f"Body {a % 4}")))
    if a % 2 == 0:
        t.append(ox.Triple(inv, n(PMKG + "subjectCount"), ox.Literal("2", datatype=XSD_INTEGER)))
    if a % 5 == 2:
        t.append(ox.Triple(inv, n(PMKG + "reviewState"), n(VOCAB + "review/confirmed")))
    if a % 4 == 2:   # a group of officers with a subgroup, whose member has a force
        parent = n(f"{ID}group/test-parent-{a}")
        t += [ox.Triple(inv, n(PMKG + "hasSubject"), parent),
              ox.Triple(parent, n(PMKG + "hasSubgroup"), n(group))]
        t.append(ox.Triple(n(group), n(PMKG + "force"), n(f"{ID}force/test-{(a + 1) % 3}")))
    return t


def reported_article(a: int) -> tuple[str, list[ox.Triple]]:
    """Article ``a`` typed pmkg:NewsArticle, for officers and quotes: named and unnamed officers, an
    officer reported by no fact, groups (with identified members, broken down into parts, nested two
    deep), review states of groups and of name statements, ranks and statuses, quotations by people,
    officers and an unnamed speaker."""
    art = f"{ID}article/reported-{a}"
    officer = [f"{ID}officer/reported-{(a + k) % 5}" for k in range(3)]
    group, part, sub = (f"{art}/group/{k}" for k in ("whole", "part", "sub"))
    t = [(art, RDF_TYPE, n(PMKG + "NewsArticle"))]
    for k, o in enumerate(officer):
        t += [(o, RDF_TYPE, n(PMKG + "PoliceOfficer")),
              (o, PMKG + "rank", n(VOCAB + ("rank/constable", "rank/sergeant")[k % 2])),
              (o, PMKG + "serviceStatus", n(VOCAB + ("status/serving", "status/former")[(a + k) % 2]))]
        if k != 2 or a % 2:
            t.append((o, PMKG + "name", ox.Literal(f"Reported {o[-1]}")))
        if k != 1:
            force = f"{ID}force/reported-{(a + k) % 2}"
            t += [(o, PMKG + "force", n(force)), (force, PMKG + "name", ox.Literal(f"Force {(a + k) % 2}"))]
    statement = n(f"{art}/statement/0")
    t += [(statement, RDF_TYPE, n(RDF + "Statement")), (statement, RDF + "subject", n(officer[0])),
          (statement, RDF + "predicate", n(PMKG + "name")),
          (statement, PMKG + "reviewState", n(VOCAB + ("review/confirmed", "review/unreviewed")[a % 2]))]
    for g, size in ((group, 5), (part, 3), (sub, 1 + a % 2)):
        t += [(g, RDF_TYPE, n(PMKG + "OfficerGroup")), (g, PMKG + "groupSize", ox.Literal(str(size), datatype=XSD_INTEGER))]
    t += [(group, PMKG + "hasSubgroup", n(part)), (part, PMKG + "hasSubgroup", n(sub)), (sub, PMKG + "hasMember", n(officer[1])),
          (part, PMKG + "hasMember", n(officer[2])), (part, PMKG + "force", n(f"{ID}force/test-{a % 3}")),
          (group, PMKG + "reviewState", n(VOCAB + "review/corrected")),
          (sub, PMKG + "reviewState", n(VOCAB + ("review/added", "review/unreviewed")[a % 4 // 2]))]
    fact = n(f"{art}/allegation/0")
    t += [(fact, RDF_TYPE, n(PMKG + "Allegation")), (fact, PMKG + "hasSubject", n(group if a % 3 else officer[0]))]
    if a % 3 == 0:
        t.append((fact, PMKG + "hasSubject", n(sub)))
    for k, speaker in enumerate([f"{ID}person/reported-{a % 2}", officer[0], f"{art}/spokesperson"]):
        quote = n(f"{art}/quote/{k}")
        t += [(quote, RDF_TYPE, n(PMKG + "Quotation")), (quote, PMKG + "speaker", n(speaker)),
              (quote, PMKG + "text", ox.Literal(f"Words {a}-{k}"))]
        if k != 1:
            t.append((n(speaker), RDF_TYPE, n(PMKG + "Person")))
        if k != 2:
            t.append((n(speaker), PMKG + "name", ox.Literal(f"Speaker {speaker[-1]}")))
        if (a + k) % 2:
            t.append((quote, PMKG + "speakerRole", ox.Literal("spokesperson")))
        if (a + k) % 3 == 0:
            t.append((quote, PMKG + "reviewState", n(VOCAB + "review/confirmed")))
    return art, [ox.Triple(s if isinstance(s, ox.NamedNode) else n(s), n(p), o) for s, p, o in t]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = Store.create(tmp_path_factory.mktemp("rewrites") / "store")
    store.load(ROOT / "samples" / "sample-case.trig", format="trig")
    store.replace_graphs(dict(article_graph(a) for a in range(24)))
    store.replace_graphs(dict(reported_article(a) for a in range(6)))
    # An officer with a second force, named in a graph of its own.
    store.replace_graph(f"{ID}article/test-extra", [
        ox.Triple(n(f"{ID}officer/test-1"), n(PMKG + "force"), n(f"{ID}force/test-other")),
        ox.Triple(n(f"{ID}force/test-other"), n(PMKG + "name"), ox.Literal("Other force")),
    ])
    store.replace_graph(GRAPH + "cases", case_graph())
    yield store
    store.close()


def case_graph() -> list[ox.Triple]:
    """Cases with status steps (some dated, some cases labelled) and conflicts between two or three steps."""
    t = []
    for c in range(4):
        case = n(f"{ID}case/test-{c}")
        t.append(ox.Triple(case, n(RDF_TYPE), n(PMKG + "Case")))
        if c != 1:
            t.append(ox.Triple(case, n(RDFS_LABEL), ox.Literal(f"Case {c}")))
        steps = []
        for k in range(2 + c % 2):
            step = n(f"{ID}case/test-{c}/step/{k}")
            steps.append(step)
            t += [ox.Triple(step, n(PMKG + "ofCase"), case),
                  ox.Triple(step, n(PMKG + "caseStatus"), n(VOCAB + ("case-status/sanction", "case-status/left-service")[k % 2])),
                  ox.Triple(step, n(PMKG + "reportedIn"), n(f"{ID}article/test-{c + k}"))]
            if k != 1:
                t.append(ox.Triple(step, n(PMKG + "statusDate"), ox.Literal(f"2020-0{1 + k}-01", datatype=XSD_DATE)))
        conflict = n(f"{ID}case/test-{c}/conflict")
        t += [ox.Triple(conflict, n(RDF_TYPE), n(PMKG + "SourceConflict")),
              ox.Triple(conflict, n(PMKG + "ofCase"), case),
              ox.Triple(conflict, n(PMKG + "concerns"), n(f"{ID}officer/test-{c}")),
              ox.Triple(conflict, n(PMKG + "conflictReason"), ox.Literal("the sources disagree"))]
        t += [ox.Triple(conflict, n(PMKG + "conflictingAssertion"), step) for step in steps]
    return t


def rows(store: Store, text: str, values: dict | None = None) -> tuple[list[str], list[tuple]]:
    """The answer's variables and rows; an ASK's is one row (its boolean), a CONSTRUCT's its set of triples."""
    result = store.query(text, union_default_graph=True, substitutions=values)
    if isinstance(result, ox.QueryBoolean):
        return ["ASK"], [(bool(result),)]
    if isinstance(result, ox.QueryTriples):
        return ["subject", "predicate", "object"], sorted({tuple(str(term) for term in t) for t in result})
    names = [v.value for v in result.variables]
    return names, [tuple(None if r[v] is None else str(r[v]) for v in result.variables) for r in result]


def order_keys(text: str, names: list[str], found: list[tuple]) -> list[tuple]:
    """Each row's values of the ORDER BY variables: the order a query promises (ties may come in any order)."""
    clause = text[text.rindex("ORDER BY"):]
    columns = [names.index(v) for v in re.findall(r"\?(\w+)", clause)]
    return [tuple(row[c] for c in columns) for row in found]


def test_there_are_rewritten_queries():
    assert {"officers-by-force", "repeat-officers", "officer-timeline", "investigations", "outcomes",
            "officer-search", "case-conflicts", "officers", "quotes", "graphs", "officer-reported",
            "officer-articles", "officer-graph"} <= set(REWRITTEN)


@pytest.mark.parametrize("name", REWRITTEN)
def test_a_rewritten_query_answers_as_before(store, name):
    query = saved_queries.get(name)
    text = query.text()
    bound = query.bind(REQUIRED[name]) if name in REQUIRED else None
    names, before = rows(store, (BEFORE / f"{name}.rq").read_text(encoding="utf-8"), bound)
    new_names, after = rows(store, text, bound)
    assert len(before) >= 3 or before == [(True,)], "the fixture should give the query something to answer"
    assert new_names == names
    assert sorted(after, key=repr) == sorted(before, key=repr)
    if "ORDER BY" in text:
        assert order_keys(text, names, after) == order_keys(text, names, before)


# Values of the required parameters of a rewritten query, for the test above.
REQUIRED = {"officer-search": {"name": "officer"}, "officer-reported": {"officer": f"{ID}officer/test-6"},
            "officer-articles": {"officer": f"{ID}officer/test-1"}, "officer-graph": {"officer": f"{ID}officer/test-1"}}
# Officers reported directly (test-1, and in groups too), only as members of groups (test-6), or as neither
# (test-unnamed-0: only an allegation's subject, none of whose facts is an investigation or outcome).
OFFICERS = [{"officer": f"{ID}officer/{o}"} for o in ("test-1", "test-6", "test-5", "test-unnamed-0", "nobody")]
# For each parameter of a rewritten query: values, each narrowing the answer to something.
PARAMETERS = {"officer-timeline": [{"officer": f"{ID}officer/test-1"}, {"officer": f"{ID}officer/test-6"}, {"officer": f"{ID}group/test-3"},
                                   {"officer": f"{ID}officer/test-1", "since": "2021-01-01"}],
              "officer-reported": OFFICERS[:-1], "officer-articles": OFFICERS[:-1], "officer-graph": OFFICERS[:-1],
              "investigations": [{"reviewed": "true"}], "outcomes": [{"reviewed": "false"}],
              "officers": [{"reviewed": "true"}], "quotes": [{"reviewed": "true"}],
              "officer-search": [{"name": "Officer 1"}, {"name": "ficer 5"}, {"name": "OFFICER"}]}


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_a_rewritten_query_with_parameters_answers_as_before(store, name):
    query = saved_queries.get(name)
    for values in PARAMETERS[name]:
        bound = query.bind(values)
        names, before = rows(store, (BEFORE / f"{name}.rq").read_text(encoding="utf-8"), bound)
        assert rows(store, query.text(), bound) == (names, before), values
        assert before, values
