"""Every saved query answers on Virtuoso as on the embedded store, both holding the same data.

The data is the sample case (samples/sample-case.trig) and the articles and
cases of tests/test_saved_queries_rewrites.py, shaped to reach every branch of
the saved queries (officers in groups, officers recurring across articles,
investigations of groups with subgroups). Each query runs with its default
parameters and, where it has an officer parameter, for officers named directly
and as members of a group.

Answers are compared as multisets of rows (an ORDER BY may order tied rows
either way), after one normalisation where the two stores legitimately
differ: Virtuoso's own graphs (``VIRTUOSO_GRAPHS``) are left out, and Virtuoso gives numbers as xsd:int or xsd:decimal where pyoxigraph
gives xsd:integer (compared by value), and types plain strings xsd:string.
CONSTRUCT answers are compared as sets of triples. The federated queries
(``wikidata-*``) are left out: they call Wikidata.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import saved_queries
from kg.errors import PmkgError
from kg.namespaces import GRAPH, ID
from kg.remote_store import VIRTUOSO_GRAPHS, RemoteStore
from kg.store import Store
from remote_servers import VIRTUOSO_MISSING, VIRTUOSO_PASSWORD, VIRTUOSO_USER, virtuoso_server
from test_saved_queries_rewrites import PMKG, article_graph, case_graph, n

ROOT = Path(__file__).resolve().parent.parent
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {XSD + t for t in ("integer", "int", "long", "short", "decimal", "double", "float", "nonNegativeInteger")}
# Virtuoso's own graphs (graphs.rq lists them there): left out, as pmkg's exports and graph lists do.
OWN_GRAPHS = {("iri", g) for g in VIRTUOSO_GRAPHS}
QUERIES = sorted(name for name, q in saved_queries.load_all().items() if not q.federated)
# More parameter values than the defaults: officers named directly, as members of groups, and both.
OFFICERS = [f"{ID}officer/test-1", f"{ID}officer/test-6", f"{ID}officer/test-5",
            f"{ID}article/fenland-ledger-2020-02-11/officer/2"]
MORE = {"officer-articles": [{"officer": o} for o in OFFICERS],
        "officer-graph": [{"officer": o} for o in OFFICERS],
        "officer-reported": [{"officer": o} for o in OFFICERS] + [{"officer": f"{ID}officer/nobody"}],
        "officer-timeline": [{"officer": o} for o in OFFICERS] + [{"officer": f"{ID}officer/test-1",
                                                                  "since": "2021-01-01"}],
        "officers": [{"reviewed": "true"}]}
# investigations.rq runs without its parameter bound, as the scorer and `pmkg query FILE` send it: bound
# by the VALUES block pmkg puts first in the query's group, Virtuoso 7.2 never answers it and then
# stops answering anything (the same block last in the group is answered right).
UNBOUND = {"investigations"}

pytestmark = pytest.mark.skipif(VIRTUOSO_MISSING is not None,
                                reason="Virtuoso is not installed (virtuoso-t of Debian's virtuoso-opensource; "
                                       "scripts/setup.sh installs it where apt-get may run)")


def fill(store: Store) -> None:
    store.load(ROOT / "samples" / "sample-case.trig", format="trig")
    store.replace_graphs(dict(article_graph(a) for a in range(24)))
    store.replace_graph(f"{ID}article/test-extra", [
        ox.Triple(n(f"{ID}officer/test-1"), n(PMKG + "force"), n(f"{ID}force/test-other")),
        ox.Triple(n(f"{ID}force/test-other"), n(PMKG + "name"), ox.Literal("Other force")),
    ])
    store.replace_graph(GRAPH + "cases", case_graph())


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """(Virtuoso, embedded store): a fresh Virtuoso started here and a store folder, holding the same data."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso") / "data") as url, pytest.MonkeyPatch.context() as env:
        env.setenv("PMKG_STORE_USER", VIRTUOSO_USER)
        env.setenv("PMKG_STORE_PASSWORD", VIRTUOSO_PASSWORD)
        env.setenv("PMKG_STORE_TIMEOUT", "60")   # a query Virtuoso cannot answer fails the test, not the run
        remote = RemoteStore.create(url)
        embedded = Store.create(tmp_path_factory.mktemp("embedded") / "store")
        try:
            fill(remote)
            fill(embedded)
            yield remote, embedded
        finally:
            remote.close()
            embedded.close()


def term(t) -> tuple | None:
    if t is None:
        return None
    if isinstance(t, ox.Literal):
        kind = t.datatype.value
        if kind in NUMBERS:
            return ("number", Decimal(t.value))
        if kind == XSD + "string" or t.language:
            return ("string", t.value, t.language)
        return ("literal", t.value, kind)
    if isinstance(t, ox.BlankNode):
        return ("blank",)
    return ("iri", t.value)


def answer(store: Store, text: str, bound: dict):
    result = store.query(text, union_default_graph=True, substitutions=bound)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        found = [tuple(term(r[v]) for v in names) for r in result]
        return names, sorted((row for row in found if not OWN_GRAPHS & set(row)), key=repr)
    return sorted({(term(t.subject), term(t.predicate), term(t.object)) for t in result}, key=repr)


def cases(name: str) -> list[dict]:
    query = saved_queries.get(name)
    if name in UNBOUND:
        return [{}]
    return [query.defaults()] + [{**query.defaults(), **values} for values in MORE.get(name, [])]


# Beyond Virtuoso 7.2: its SQL compiler fails on open-cases.rq (SQ156), and it subtracts xsd:dates in
# other units than pyoxigraph's days (README: Running on a triple-store server). What a user gets there
# is checked below instead.
BEYOND_VIRTUOSO = {"open-cases"}


@pytest.mark.parametrize("name", [q for q in QUERIES if q not in BEYOND_VIRTUOSO])
def test_a_saved_query_answers_on_virtuoso_as_on_the_embedded_store(stores, name):
    remote, embedded = stores
    query = saved_queries.get(name)
    for values in cases(name):
        bound = query.bind(values) if values else None
        expected = answer(embedded, query.text(), bound)
        assert answer(remote, query.text(), bound) == expected, values


def test_the_officer_queries_find_officers_named_through_a_group(stores):
    """The data reaches the path's second branch: an officer reported only as a member of a group."""
    remote, embedded = stores
    query = saved_queries.get("officer-reported")
    assert answer(embedded, query.text(), query.bind({"officer": f"{ID}officer/test-6"})) is True   # only in groups
    assert answer(embedded, query.text(), query.bind({"officer": f"{ID}officer/nobody"})) is False


def test_a_saved_query_virtuoso_cannot_run_fails_in_one_line(stores):
    """No wrong answer and no stack trace: the server's complaint, on one line."""
    remote, _ = stores
    for name in BEYOND_VIRTUOSO:
        query = saved_queries.get(name)
        with pytest.raises(PmkgError) as error:
            answer(remote, query.text(), query.bind(query.defaults()))
        assert "\n" not in str(error.value) and "SQ156" in str(error.value), str(error.value)
