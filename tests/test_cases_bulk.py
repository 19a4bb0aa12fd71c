"""A full recompute of the cases writes big graphs through the bulk loader, and a crash loses nothing.

The cases graph (and the case-links graph while it holds no decision) can be
computed again from the article graphs, so after a full recompute a big one
is written with pyoxigraph's bulk loader under the bulk-load journal
(``kg.bulk.write``). These tests use real stores and real child processes
killed with SIGKILL; they check that the bulk path gives the same cases as
the transaction, and that cases lost to a crash are computed again whole.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

from kg import bulk
from kg.cases import write
from kg.cases.write import CASE_LINKS_GRAPH, CASES_GRAPH
from kg.ingest import ingest
from kg.store import Store

from test_search_incremental import ARTICLES, put, rebuilt, state

EVERYTHING = ("alpha", "bravo", "charlie", "delta", "echo", "fox", "golf", "hotel")


def test_the_bulk_path_gives_the_cases_the_transaction_gives(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "SCOPE_LIMIT", 0)  # a full recompute, as after a bulk load
    expected = rebuilt(tmp_path, "transaction", *EVERYTHING)
    monkeypatch.setattr(write, "BULK_TRIPLES", 1)  # every cases graph goes through the bulk loader
    got = rebuilt(tmp_path, "bulk", *EVERYTHING)
    assert got == expected
    assert len(got[1]) > 0 and len(got[2]) > 0
    assert not (tmp_path / "bulk" / "store" / bulk.JOURNAL).exists()


def test_cases_lost_to_a_crash_are_computed_again_whole(tmp_path):
    """The journal a crash leaves names the cases graphs: the next writer removes them, the next ingest
    recomputes every case (not only those of the new article)."""
    work = tmp_path / "work"
    work.mkdir()
    with Store.create(work / "store") as store:
        put(store, work, *(k for k in EVERYTHING if k != "hotel"))
    journal = work / "store" / bulk.JOURNAL
    journal.write_text(json.dumps({"file": "the recomputed cases", "graphs": [CASE_LINKS_GRAPH, CASES_GRAPH],
                                   "computed": True}))
    notices: list[str] = []
    with Store(work / "store", on_wait=notices.append) as store:
        assert not store.contains_graph(CASES_GRAPH)
        put(store, work, "hotel")
        after = state(store)
    assert any("rolled back an interrupted bulk load" in n for n in notices)
    assert after == rebuilt(tmp_path, "all", *EVERYTHING)
    assert not (work / "store" / bulk.STALE).exists()


KILL_CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import pyoxigraph
    from kg.cases import write
    from kg.ingest import ingest
    from kg.store import Store
    write.BULK_TRIPLES = 1
    write.SCOPE_LIMIT = 0  # a full recompute, as after a bulk load
    def crash(*args, **kwargs):  # the bulk write serializes each graph once the old ones are removed
        os.kill(os.getpid(), signal.SIGKILL)
    pyoxigraph.serialize = crash
    with Store(sys.argv[1]) as store:
        ingest(store, [Path(p) for p in sys.argv[2:]])
""")


def test_a_killed_cases_write_is_rolled_back_and_recomputed(tmp_path):
    """A decision in the case-links graph keeps it on the transaction path; the kill lands once the
    cases graph is removed, before its new content is written."""
    work = tmp_path / "work"
    work.mkdir()
    first = [k for k in EVERYTHING if k != "hotel"]
    with Store.create(work / "store") as store:
        put(store, work, *first)
        proposal = next(iri for iri, status in write.decisions(store).values() if status == "proposed")
        write.decide(store, proposal.rsplit("/", 1)[-1], "rejected", "tester")
        decided = write.decisions(store)
    path = work / "hotel.trig"
    path.write_text(ARTICLES["hotel"], encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}
    child = subprocess.run([sys.executable, "-c", KILL_CHILD, str(work / "store"), str(path)], env=env,
                           capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert (work / "store" / bulk.JOURNAL).exists()
    notices: list[str] = []
    with Store(work / "store", on_wait=notices.append) as store:
        assert not store.contains_graph(CASES_GRAPH)
        assert bulk.stale(store.path) == {CASES_GRAPH}
        assert write.decisions(store) == decided  # the person's decision survives the crash
        assert not ingest(store, [path]).failures
        after = state(store)
        assert write.decisions(store)[next(k for k, (_, s) in decided.items() if s == "rejected")][1] == "rejected"
    assert any("the next ingest computes them again" in n for n in notices)
    assert not (work / "store" / bulk.STALE).exists()
    expected = rebuilt(tmp_path, "all", *EVERYTHING)
    assert after[0] == expected[0] and after[1] == expected[1]
