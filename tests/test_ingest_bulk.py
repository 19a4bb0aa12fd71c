"""Big RDF files go through pyoxigraph's bulk loader (kg.bulk) and keep ingest's promises.

The promises: a file that fails writes nothing, re-ingesting replaces the
file's graphs, the graphs are those the transaction path writes, and a crash
in the middle never leaves half a file for anyone to read.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kg import bulk
from kg.errors import StoreError
from kg.ingest import BULK_BYTES, ingest
from kg.namespaces import ONTOLOGY_GRAPH
from kg.reference import REFERENCE_GRAPH
from kg.store import SHAPES_GRAPH, Store

from conftest import FORMAT_FIXTURES, run_pmkg

EX = "https://example.org/"
UNTOUCHED = {ONTOLOGY_GRAPH, SHAPES_GRAPH, REFERENCE_GRAPH}  # ingest of RDF files leaves these alone


def big_nquads(path: Path, graphs: int, value: str, *, per_graph: int = 40) -> Path:
    """An N-Quads file of ``graphs`` graphs, each with ``per_graph`` triples whose object is ``value``."""
    with open(path, "w", encoding="utf-8") as out:
        for g in range(graphs):
            for i in range(per_graph):
                out.write(f'<{EX}s/{g}/{i}> <{EX}p> "{value}" <{EX}g/{g}> .\n')
    return path


def dataset(store: Store, skip: set[str]) -> dict[str, rdflib.Graph]:
    """Every named graph not in ``skip``, as an rdflib graph (blank nodes compared up to renaming)."""
    out: dict[str, rdflib.Graph] = {}
    for name in store.named_graphs():
        if name in skip:
            continue
        text = ox.serialize((q.triple for q in store.quads(name)), None, ox.RdfFormat.N_TRIPLES)
        out[name] = rdflib.Graph().parse(data=text.decode("utf-8"), format="nt")
    return out


def values(store_dir: Path) -> dict[str, int]:
    with Store(store_dir, read_only=True) as store:
        rows = store.query(f"SELECT ?v (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{EX}p> ?v }} }} GROUP BY ?v")
        return {r["v"].value: int(r["n"].value) for r in rows}


@pytest.mark.parametrize("graph", [None, EX + "chosen"], ids=["own-graphs", "one-graph"])
def test_the_bulk_path_writes_the_graphs_of_the_transaction_path(tmp_path, graph):
    blank = tmp_path / "blank-nodes.ttl"  # blank nodes stay apart from those of other files
    blank.write_text(f'<{EX}a> <{EX}p> [ <{EX}q> "one" ], [ <{EX}q> "two" ] .\n_:x <{EX}q> "three" .\n')
    mixed = tmp_path / "mixed.trig"  # default-graph triples go to the file's graph, named graphs stay
    mixed.write_text(f'<{EX}a> <{EX}p> _:x .\n<{EX}g/m> {{ _:x <{EX}p> "in a graph" }}\n')
    files = [*FORMAT_FIXTURES.values(), blank, mixed]
    stores = {}
    for name, bulk_bytes in (("transaction", None), ("bulk", 0)):
        with Store.create(tmp_path / name) as store:
            report = ingest(store, files, graph=graph, bulk_bytes=bulk_bytes)
            assert report.failed == 0, report.failures
            stores[name] = (dataset(store, skip=UNTOUCHED), report.files_read, report.quads_written, len(report.graphs))
    (old, *old_report), (new, *new_report) = stores["transaction"], stores["bulk"]
    assert new_report == old_report
    assert sorted(new) == sorted(old)
    for name in old:
        assert len(new[name]) == len(old[name]), name
        if any(isinstance(term, rdflib.BNode) for triple in old[name] for term in triple):
            assert isomorphic(new[name], old[name]), name
        else:
            assert set(new[name]) == set(old[name]), name


def test_a_malformed_big_file_leaves_the_store_unchanged(store_dir, tmp_path):
    good = big_nquads(tmp_path / "data.nq", 300, "old")
    assert good.stat().st_size >= BULK_BYTES
    assert run_pmkg("ingest", "--store", str(store_dir), str(good)).returncode == 0
    with Store(store_dir, read_only=True) as store:
        before = store.dump(format="nquads")
    lines = good.read_text().splitlines(keepends=True)
    lines = [line.replace('"old"', '"new"') for line in lines]
    lines[-5] = f'<{EX}s/broken> <{EX}p> "no end <{EX}g/299> .\n'  # near the end: most of it parses
    good.write_text("".join(lines))
    result = run_pmkg("ingest", "--store", str(store_dir), str(good))
    assert result.returncode == 1
    assert "malformed nquads" in result.stderr and f"line {len(lines) - 4}" in result.stderr
    assert "Traceback" not in result.stderr
    with Store(store_dir, read_only=True) as store:
        assert store.dump(format="nquads") == before
    assert not (store_dir / bulk.JOURNAL).exists()


def test_reingesting_a_big_file_replaces_its_graphs(store_dir, tmp_path):
    data = big_nquads(tmp_path / "data.nq", 300, "old")
    first = run_pmkg("ingest", "--store", str(store_dir), str(data))
    assert first.returncode == 0, first.stderr
    assert "wrote 12000 quad(s) into 300 graph(s)" in first.stdout
    assert values(store_dir) == {"old": 12000}
    big_nquads(data, 300, "new", per_graph=30)
    again = run_pmkg("ingest", "--store", str(store_dir), str(data))
    assert again.returncode == 0, again.stderr
    assert values(store_dir) == {"new": 9000}


def test_a_big_file_into_one_graph_with_others_replaces_that_graph_once(store_dir, tmp_path):
    big = big_nquads(tmp_path / "big.nq", 300, "big")
    triples = tmp_path / "big.nt"
    triples.write_text("".join(f'<{EX}t/{i}> <{EX}p> "big" .\n' for i in range(15000)))
    small = tmp_path / "small.nt"
    small.write_text(f'<{EX}t/x> <{EX}p> "small" .\n')
    with Store(store_dir) as store:
        for _ in range(2):  # the second run replaces what the first wrote
            report = ingest(store, [big, triples, small], graph=EX + "chosen")
            assert report.failed == 0, report.failures
        assert len(list(store.quads(EX + "chosen"))) == 15001
        assert len(list(store.quads(EX + "g/7"))) == 40


KILL_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    import pyoxigraph as ox
    from kg import bulk
    from kg.store import Store
    count = int(sys.argv[4])
    parts = bulk.parts(Path(sys.argv[2]), ox.RdfFormat.N_QUADS, count=count, min_part=0)
    assert len(parts) == count
    store = Store(sys.argv[1])
    print("loading", flush=True)
    store.bulk_load(Path(sys.argv[2]), format="nquads", graph=sys.argv[3], replace=sys.argv[5:], parts=parts)
    print("done", flush=True)
""")


@pytest.mark.parametrize("count", [1, 2], ids=["whole", "two-parts"])
def test_a_killed_bulk_load_is_rolled_back_by_the_next_writer(store_dir, tmp_path, count):
    keep = EX + "g/unrelated"
    with Store(store_dir) as store:
        store.replace_graph(keep, [ox.Triple(ox.NamedNode(EX + "k"), ox.NamedNode(EX + "p"), ox.Literal("kept"))])
    graphs = 4000
    data = big_nquads(tmp_path / "data.nq", graphs, "new", per_graph=100)
    named = [f"{EX}g/{g}" for g in range(graphs)]
    child = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(store_dir), str(data), EX + "file", str(count),
                              *named],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "loading"
    time.sleep(1.5)
    still_loading = child.poll() is None
    child.send_signal(signal.SIGKILL)
    rest = child.stdout.read()
    child.wait()
    assert still_loading and "done" not in rest, "the kill did not land mid-load; make the file bigger"
    assert (store_dir / bulk.JOURNAL).exists()

    with pytest.raises(StoreError, match="interrupted bulk load of .*data.nq.*pmkg init"):
        Store(store_dir, read_only=True)
    result = run_pmkg("query", "--store", str(store_dir), "-", stdin="ASK { ?s ?p ?o }")
    assert result.returncode == 1 and "interrupted bulk load" in result.stderr
    assert "Traceback" not in result.stderr

    notices = []
    with Store(store_dir, on_wait=notices.append) as store:  # the next writer rolls it back
        present = set(store.named_graphs())
        assert not present & set(named), "half a file is visible"
        assert keep in present
    assert "rolled back an interrupted bulk load" in notices[0]
    assert not (store_dir / bulk.JOURNAL).exists()
    assert values(store_dir) == {"kept": 1}


def test_a_journal_that_cannot_be_read_is_a_clear_error(store_dir):
    (store_dir / bulk.JOURNAL).write_text("{not json")
    with pytest.raises(StoreError, match="cannot read the bulk-load journal"):
        Store(store_dir)
    (store_dir / bulk.JOURNAL).unlink()
    Store(store_dir).close()


def test_a_graph_named_by_a_blank_node_is_refused_before_anything_is_written(store_dir, tmp_path):
    data = tmp_path / "blank-graph.trig"
    data.write_text(f'<{EX}g/ok> {{ <{EX}a> <{EX}p> "fine" }}\n_:g {{ <{EX}a> <{EX}p> "no name" }}\n')
    with Store(store_dir) as store:
        before = store.dump(format="nquads")
        report = ingest(store, [data], bulk_bytes=0)
        assert report.failed == 1 and "blank node" in report.failures[0][1]
        assert store.dump(format="nquads") == before


def blank_nodes_file(path: Path, *, shared: bool) -> Path:
    """N-Quads in 200 graphs, each graph with its own blank nodes; with ``shared``, the last graph
    reuses the first graph's label, so the same node appears at both ends of the file."""
    with open(path, "w", encoding="utf-8") as out:
        for g in range(200):
            for i in range(30):
                out.write(f'<{EX}s/{g}/{i}> <{EX}p> _:n{g}x{i % 3} <{EX}g/{g}> .\n')
                out.write(f'_:n{g}x{i % 3} <{EX}q> "v{g}-{i}" <{EX}g/{g}> .\n')
        if shared:
            out.write(f'_:n0x0 <{EX}q> "end of the file" <{EX}g/0> .\n')
    return path


def test_a_line_based_file_is_cut_only_where_no_blank_node_crosses(tmp_path):
    data = blank_nodes_file(tmp_path / "apart.nq", shared=False)
    ranges = bulk.parts(data, ox.RdfFormat.N_QUADS, count=3, min_part=0)
    assert len(ranges) == 3 and ranges[0][0] == 0 and ranges[-1][1] == data.stat().st_size
    text = data.read_bytes()
    for (_, cut), (start, _) in zip(ranges, ranges[1:]):
        assert cut == start and text[cut - 1:cut] == b"\n"   # cut after a line end
        left, right = set(re.findall(rb"_:(\w+)", text[:cut])), set(re.findall(rb"_:(\w+)", text[cut:]))
        assert left and right and not left & right   # no label on both sides of a cut
    shared = blank_nodes_file(tmp_path / "shared.nq", shared=True)
    assert bulk.parts(shared, ox.RdfFormat.N_QUADS, count=2, min_part=0) == [(0, shared.stat().st_size)]
    turtle = tmp_path / "data.ttl"
    turtle.write_text("".join(f'<{EX}s/{i}> <{EX}p> "x" .\n' for i in range(2000)))
    assert bulk.parts(turtle, ox.RdfFormat.TURTLE, count=2, min_part=0) == [(0, turtle.stat().st_size)]
    small = big_nquads(tmp_path / "small.nq", 10, "x")
    assert len(bulk.parts(small, ox.RdfFormat.N_QUADS, count=2)) == 1   # below the size worth a loader each
    # More quads than a batch of the loader for each part: one loader, whose own batches run side by side.
    assert bulk.parts(data, ox.RdfFormat.N_QUADS, count=2, min_part=0, quads=2 * bulk.BATCH_QUADS + 1) == [
        (0, data.stat().st_size)]
    assert len(bulk.parts(data, ox.RdfFormat.N_QUADS, count=2, min_part=0, quads=2 * bulk.BATCH_QUADS)) == 2


@pytest.mark.parametrize("shared", [False, True], ids=["cut", "kept-whole"])
def test_loading_parts_side_by_side_gives_the_graphs_of_one_loader(tmp_path, shared):
    data = blank_nodes_file(tmp_path / "data.nq", shared=shared)
    stores = {}
    for name, count in (("one", 1), ("parts", 4)):
        found = bulk.check(data, ox.RdfFormat.N_QUADS, "nquads", count=count, min_part=0)
        assert len(found.parts) == (count if not shared else 1)
        with Store.create(tmp_path / name) as store:
            store.bulk_load(data, format="nquads", graph=EX + "file", replace=found.graphs, parts=found.parts)
            stores[name] = dataset(store, skip=UNTOUCHED)
    assert sorted(stores["parts"]) == sorted(stores["one"]) and len(stores["one"]) == 200
    for name, graph in stores["one"].items():
        assert isomorphic(stores["parts"][name], graph), name   # each label still one node in its graph
    assert len(stores["parts"][EX + "g/0"]) == 60 + shared


def test_an_ntriples_file_in_parts_goes_whole_into_its_graph(tmp_path):
    data = tmp_path / "data.nt"
    with open(data, "w", encoding="utf-8") as out:
        for i in range(300):   # rdflib's isomorphism check is slow beyond a few hundred blank nodes
            out.write(f'<{EX}s/{i}> <{EX}p> _:b{i} .\n_:b{i} <{EX}q> "v{i}" .\n')
    stores = {}
    for name, count in (("one", 1), ("parts", 3)):
        found = bulk.check(data, ox.RdfFormat.N_TRIPLES, "ntriples", count=count, min_part=0)
        assert len(found.parts) == count and found.default_quads == 600
        with Store.create(tmp_path / name) as store:
            store.bulk_load(data, format="ntriples", graph=EX + "chosen", replace=[EX + "chosen"], parts=found.parts)
            stores[name] = dataset(store, skip=UNTOUCHED)
    assert list(stores["parts"]) == [EX + "chosen"]
    assert isomorphic(stores["parts"][EX + "chosen"], stores["one"][EX + "chosen"])
