"""The store: creation, opening errors, graph replacement, atomicity, concurrency."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time

import pyoxigraph as ox
import pytest

from kg.errors import PmkgError, QuerySyntaxError, RdfSyntaxError, StoreError
from kg.namespaces import ONTOLOGY_GRAPH
from kg.reference import REFERENCE_GRAPH, reference_graph
from kg.store import MARKER, SHAPES_GRAPH, Format, Store

from conftest import FIXTURES, ontology_graph

G = "https://example.org/graph/a"
P = ox.NamedNode("https://example.org/p")


def triples(n: int, value: str) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"https://example.org/s{i}"), P, ox.Literal(value)) for i in range(n)]


def values_in(store: Store, graph: str) -> dict[str, int]:
    query = f"SELECT ?o (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} GROUP BY ?o"
    return {row["o"].value: int(row["n"].value) for row in store.query(query)}


def test_create_loads_ontology_shapes_and_reference_data(tmp_path):
    with Store.create(tmp_path / "s") as store:
        assert store.named_graphs() == sorted([ONTOLOGY_GRAPH, SHAPES_GRAPH, REFERENCE_GRAPH])
        assert len(list(store.quads(REFERENCE_GRAPH))) == len(reference_graph())
        assert len(list(store.quads(ONTOLOGY_GRAPH))) == len(ontology_graph())
        assert len(list(store.quads(SHAPES_GRAPH))) > 0
    assert (tmp_path / "s" / MARKER).is_file()


def test_create_again_replaces_the_ontology_graph(tmp_path):
    with Store.create(tmp_path / "s") as store:
        before = len(store)
        store.add([ox.Quad(ox.NamedNode("https://example.org/stale"), P, ox.Literal("x"), ox.NamedNode(ONTOLOGY_GRAPH))])
        assert len(store) == before + 1
    with Store.create(tmp_path / "s") as store:
        assert len(store) == before


def test_opening_missing_folder_and_non_store_fail_differently(tmp_path):
    with pytest.raises(StoreError, match="no store at"):
        Store(tmp_path / "missing")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("hello")
    with pytest.raises(StoreError, match="is not a pmkg store"):
        Store(tmp_path / "other")
    with pytest.raises(StoreError, match="not empty and is not a pmkg store"):
        Store.create(tmp_path / "other")
    assert sorted(p.name for p in (tmp_path / "other").iterdir()) == ["notes.txt"]


def test_second_opening_gets_a_clear_error(store_dir):
    with Store(store_dir):
        with pytest.raises(StoreError, match="in use"):
            Store(store_dir)
        with pytest.raises(StoreError, match="in use"):
            Store(store_dir, read_only=True)
    with Store(store_dir, read_only=True), Store(store_dir, read_only=True) as reader:
        assert len(reader) > 0  # readers share
        with pytest.raises(StoreError, match="in use"):
            Store(store_dir)
        with pytest.raises(StoreError, match="read-only"):
            reader.replace_graph(G, triples(1, "x"))


def test_replace_graph_replaces_without_duplicates(store_dir):
    with Store(store_dir) as store:
        base = len(store)
        store.replace_graph(G, triples(10, "old"))
        store.replace_graph(G, triples(10, "old"))
        assert len(store) == base + 10
        store.replace_graph(G, triples(4, "new"))
        assert values_in(store, G) == {"new": 4}
        store.replace_graphs({G: [], G + "2": triples(3, "other")})
        assert not store.contains_graph(G)
        assert values_in(store, G + "2") == {"other": 3}
        store.remove_graph(G + "2")
        assert len(store) == base


def test_literals_survive_replace_graph(tmp_path):
    store = Store()
    odd = ox.Literal('quote " backslash \\ newline \n tab \t é \u0001')
    tagged = ox.Literal("constable", language="en-gb")
    typed = ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    store.replace_graph(G, [ox.Triple(ox.BlankNode(), P, o) for o in (odd, tagged, typed)])
    assert {q.object for q in store.quads(G)} == {odd, tagged, typed}


def test_query_options(store_dir):
    with Store(store_dir) as store:
        store.replace_graphs({G: triples(2, "a"), G + "2": triples(3, "b")})
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        n = lambda r: int(next(iter(r))["n"].value)  # noqa: E731
        assert n(store.query(count)) == 0  # the default graph itself is empty
        assert n(store.query(count, union_default_graph=True)) == len(store)
        assert n(store.query(count, default_graph=G)) == 2
        assert n(store.query(count, default_graph=[G, G + "2"])) == 5
        graphs = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[G])
        assert [row["g"].value for row in graphs] == [G]
        ask = "ASK { GRAPH ?g { ?s ?p ?o } }"
        assert bool(store.query(ask, substitutions={"g": ox.NamedNode(G)}))
        assert not bool(store.query(ask, substitutions={"g": ox.NamedNode(G + "none")}))


def test_malformed_query_and_rdf_raise_pmkg_errors(store_dir):
    with Store(store_dir) as store:
        before = len(store)
        with pytest.raises(QuerySyntaxError, match=r"malformed query: error at 1:\d+"):
            store.query("SELECT ?x WHERE { ?x ?p }")
        with pytest.raises(RdfSyntaxError, match="line 5 column 16"):
            store.load(FIXTURES / "malformed.ttl", format=Format.TURTLE, graph=G)
        assert len(store) == before


def test_load_and_dump_round_trip(tmp_path):
    store = Store()
    store.load(FIXTURES / "articles.trig", format="trig")
    store.load((FIXTURES / "officer.nt").read_bytes(), format=Format.NTRIPLES, graph=G)
    copy = Store()
    copy.load(store.dump(format="nquads"), format="nquads")
    assert len(copy) == len(store) > 0
    assert set(copy.named_graphs()) == set(store.named_graphs())
    with pytest.raises(PmkgError, match="no graph"):
        store.dump(format="turtle", graph=G + "missing")


def test_snapshot_is_an_independent_in_memory_copy(store_dir):
    with Store(store_dir) as store:
        store.replace_graph(G, triples(5, "x"))
        snap = store.snapshot()
        assert snap.path is None
        assert len(snap) == len(store)
        # the copy goes through an N-Quads file, which pyoxigraph reads with fresh blank node labels
        plain = {q for q in store.quads() if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
        assert plain and plain <= set(snap.quads())
        snap.remove_graph(G)
        assert store.contains_graph(G) and not snap.contains_graph(G)


def test_format_guessing():
    assert Format.from_path("a/b.TTL") is Format.TURTLE
    assert Format.from_path("x.nq") is Format.NQUADS
    assert Format.from_path("x.jsonld") is Format.JSONLD
    assert Format.from_path("x.owl") is Format.RDFXML
    assert Format.from_path("x.txt") is None
    assert Format.TRIG.media_type == "application/trig"
    assert Format.from_label("ntriples").extension == "nt"
    with pytest.raises(PmkgError):
        Format.from_label("yaml")


KILL_CHILD = textwrap.dedent("""
    import sys
    import pyoxigraph as ox
    from kg.store import Store

    store = Store(sys.argv[1])
    real_update = Store.update
    def announced_update(self, sparql, **options):
        print("update started", flush=True)
        real_update(self, sparql, **options)
    Store.update = announced_update
    p = ox.NamedNode("https://example.org/p")
    new = [ox.Triple(ox.NamedNode(f"https://example.org/s{i}"), p, ox.Literal("new")) for i in range(int(sys.argv[3]))]
    store.replace_graph(sys.argv[2], new)
    print("done", flush=True)
""")


def test_killed_replace_graph_leaves_a_whole_graph(store_dir):
    n = 100_000
    with Store(store_dir) as store:
        old = "".join(f'<https://example.org/s{i}> <https://example.org/p> "old" .\n' for i in range(n))
        store.load(old.encode(), format="ntriples", graph=G)
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, str(store_dir), G, str(n)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "update started"
    time.sleep(1.0)
    still_writing = child.poll() is None
    child.send_signal(signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    assert still_writing and "done" not in rest, "the kill did not land mid-write; raise n"
    assert child.returncode == -signal.SIGKILL
    with Store(store_dir) as store:
        assert values_in(store, G) in ({"old": n}, {"new": n})


def test_reader_thread_always_sees_whole_graphs(store_dir):
    n, versions = 3000, 15
    with Store(store_dir) as store:
        store.replace_graph(G, triples(n, "v0"))
        seen, bad, done = set(), [], threading.Event()

        def write():
            for v in range(1, versions + 1):
                store.replace_graph(G, triples(n, f"v{v}"))
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        reads = 0
        while not done.is_set():
            counts = values_in(store, G)
            reads += 1
            seen.update(counts)
            if len(counts) != 1 or sum(counts.values()) != n:
                bad.append(counts)
        writer.join()
    assert not bad, f"partial graphs seen: {bad[:3]}"
    assert len(seen) >= 3 and reads > versions  # reads really interleaved with writes


def test_derived_integer_types_come_back_as_xsd_integer():
    """Documents a pyoxigraph limit that SHACL shapes must allow for (see kg/store.py)."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    store = Store()
    age = ox.Literal("29", datatype=ox.NamedNode(xsd + "nonNegativeInteger"))
    store.replace_graph(G, [ox.Triple(ox.NamedNode("https://example.org/officer"), P, age)])
    (quad,) = store.quads(G)
    assert quad.object == ox.Literal("29", datatype=ox.NamedNode(xsd + "integer"))
