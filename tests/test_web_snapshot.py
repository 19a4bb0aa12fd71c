"""The app's snapshot follows the store without a freeze: old data for queries in flight, new data after."""

from __future__ import annotations

import gc
import http.server
import json
import os
import signal
import threading
import weakref
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import Store
from kg.web.executor import Executor

ROOT = Path(__file__).resolve().parent.parent
NEW = "http://example.org/new-article"
ASK_NEW = f"ASK {{ GRAPH <{NEW}> {{ ?s ?p ?o }} }}"


def job(query: str, **extra) -> dict:
    return {"query": query, "union": True, "default_graph": None, "named_graphs": None,
            "row_limit": 100, "tabular": "json", "graph": "turtle", **extra}


def article(n: int = 3, value: str = "reported") -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                      ox.Literal(value)) for i in range(n)]


def sees_new(executor: Executor) -> bool:
    return b"true" in executor.run(job(ASK_NEW), timeout=10)["body"]


class HeldEndpoint:
    """A SPARQL endpoint on loopback that answers only when the test lets it."""

    def __init__(self):
        self.arrived = threading.Event()
        self.release = threading.Event()
        held = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                held.arrived.set()
                held.release.wait(20)
                body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"1"}}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def store_path(tmp_path) -> Path:
    path = tmp_path / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
    return path


@pytest.fixture
def executor(store_path):
    executor = Executor(store_path, size=2, check_interval=0.2)
    yield executor
    executor.close()


def test_a_query_in_flight_during_a_refresh_finishes_on_the_old_data(store_path):
    endpoint = HeldEndpoint()
    executor = Executor(store_path, size=2, check_interval=0.2, allowlist=[endpoint.url])
    try:
        query = f"SELECT ?x ?new WHERE {{ SERVICE <{endpoint.url}> {{ ?x ?p ?o }} BIND(EXISTS {{ {ASK_NEW[4:]} }} AS ?new) }}"
        answers = []
        in_flight = threading.Thread(target=lambda: answers.append(executor.run(job(query, check=True), timeout=30)))
        in_flight.start()
        assert endpoint.arrived.wait(20), "the query never reached its SERVICE"
        with Store(store_path) as writer:  # `pmkg ingest` of one article, in the middle of the query
            writer.replace_graph(NEW, article())
        executor.refresh(force=True)
        assert sees_new(executor)  # queries started after the switch see the article ...
        assert in_flight.is_alive()
        endpoint.release.set()
        in_flight.join(30)
        assert answers and answers[0]["ok"], answers
        row = json.loads(answers[0]["body"])["results"]["bindings"][0]
        assert row["new"]["value"] == "false"  # ... the one in flight did not
    finally:
        endpoint.close()
        executor.close()


def test_an_ingested_article_is_applied_to_the_snapshot_in_place(executor, store_path):
    """Only the changed graph is read and applied: the snapshot is not copied again."""
    assert not sees_new(executor)
    before = executor.current_snapshot()
    size = len(before)
    with Store(store_path) as writer:
        writer.replace_graph(NEW, article(5))
    executor.refresh(force=True)
    assert sees_new(executor)
    assert executor.current_snapshot() is before and len(before) == size + 5
    assert NEW in executor.graphs()
    with Store(store_path) as writer:  # re-ingested with other content, then removed
        writer.replace_graph(NEW, article(2, "corrected"))
    executor.refresh(force=True)
    assert {q.object.value for q in before.quads(NEW)} == {"corrected"} and len(before) == size + 2
    with Store(store_path) as writer:
        writer.remove_graph(NEW)
    executor.refresh(force=True)
    assert not sees_new(executor) and NEW not in executor.graphs() and len(before) == size


def test_a_change_the_log_cannot_name_is_picked_up_by_a_whole_new_copy(executor, store_path):
    before = executor.current_snapshot()
    with Store(store_path) as writer:
        writer.update(f"INSERT DATA {{ GRAPH <{NEW}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}")
    executor.refresh(force=True)
    assert sees_new(executor) and executor.current_snapshot() is not before
    with Store(store_path) as writer:  # written around pmkg's writers: no line in the change log
        writer._store.remove_graph(ox.NamedNode(NEW))
    executor.refresh(force=True)
    assert not sees_new(executor)


def test_repeated_refreshes_release_the_old_snapshots_and_their_workers(executor, store_path):
    from kg.web.snapshot import live_snapshots

    executor.current_snapshot()
    held = live_snapshots()  # this executor's one, and those other apps of the test session still hold
    copies = []
    retired = []
    for round_ in range(4):
        assert executor.run(job("ASK {}"), timeout=10)["ok"]
        retired += [w.pid for w in executor._idle]
        copies.append(weakref.ref(executor.current_snapshot()))
        with Store(store_path) as writer:  # an update the change log cannot narrow: a whole new copy
            writer.update(f"INSERT DATA {{ GRAPH <{NEW}> {{ <http://example.org/a> <http://example.org/b> {round_} }} }}")
        executor.refresh(force=True)
    gc.collect()
    current = executor.current_snapshot()
    assert [ref() for ref in copies if ref() is not None and ref() is not current] == []
    assert all(w.pid not in retired for w in executor._idle)
    for pid in retired:  # the workers forked from the old copies are gone (reaped, not just idle)
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert live_snapshots() == held



def test_every_write_notes_the_graphs_it_changes_before_the_app_reads_them(store_path):
    from kg import changelog

    position, _ = changelog.read(store_path, None)
    with Store(store_path) as writer:
        writer.replace_graphs({NEW: article(), NEW + "/2": []})
        position, changed = changelog.read(store_path, position)
        assert changed == {NEW, NEW + "/2"}
        writer.remove_graph(NEW)
        writer.load(b"<http://example.org/a> <http://example.org/b> \"1\" .", format="ntriples", graph=NEW)
        writer.add([ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b"),
                            ox.Literal("x"), ox.DefaultGraph())])
        position, changed = changelog.read(store_path, position)
        assert changed == {NEW, None}
        assert changelog.read(store_path, position) == (position, set())
        writer.update("CLEAR ALL")  # any graph: the reader is told it cannot narrow it down
        position, changed = changelog.read(store_path, position)
        assert changed is None
        writer.load(b"<http://example.org/a> <http://example.org/b> \"1\" <http://example.org/g> .", format="nquads")
        assert changelog.read(store_path, position)[1] is None


def test_a_damaged_or_restarted_change_log_means_everything_changed(store_path):
    from kg import changelog

    log = store_path / changelog.LOG
    position, _ = changelog.read(store_path, None)
    with open(log, "a", encoding="utf-8") as damaged:
        damaged.write('["http://example.org/cut-sh')  # a write cut short by a crash
    position, changed = changelog.read(store_path, position)
    assert changed is None
    changelog.record(store_path, [NEW])  # the next write after it is read cleanly
    assert changelog.read(store_path, position)[1] == {NEW}
    assert changelog.read(store_path, (position[0], position[1] + 10_000))[1] is None  # past the end
    log.write_bytes(b"x" * (changelog.LIMIT + 1))
    changelog.record(store_path, [NEW])  # an over-long log is started again, under a new id
    assert log.stat().st_size < 200
    assert changelog.read(store_path, position)[1] is None


def test_a_change_log_naming_no_iri_gets_a_whole_new_copy(executor, store_path):
    from kg import changelog

    before = executor.current_snapshot()
    with Store(store_path) as writer:
        writer.replace_graph(NEW, article())
    with open(store_path / changelog.LOG, "a", encoding="utf-8") as log:
        log.write('["not an IRI"]\n')
    executor.refresh(force=True)
    assert sees_new(executor) and executor.current_snapshot() is not before


def test_after_many_quads_replaced_in_place_the_snapshot_is_copied_afresh(executor, store_path):
    """pyoxigraph keeps replaced quads in memory; past ``compact_at`` of the snapshot a new copy gives them back."""
    from kg.web.snapshot import live_snapshots

    before = executor.current_snapshot()
    held = live_snapshots()  # this executor's one, and those other apps of the test session still hold
    executor.snapshots.compact_at = 0.001  # a few quads are already too many
    with Store(store_path) as writer:
        writer.replace_graph(NEW, article(20))
    executor.refresh(force=True)
    assert sees_new(executor) and executor.current_snapshot() is not before
    assert len(list(executor.current_snapshot().quads(NEW))) == 20
    del before
    assert live_snapshots() == held


def count_in(executor: Executor, graph: str, **extra) -> int:
    answer = executor.run(job(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", **extra),
                          timeout=10)
    assert answer["ok"], answer
    return int(json.loads(answer["body"])["results"]["bindings"][0]["n"]["value"])


def test_workers_take_an_in_place_change_without_being_forked_again(executor, store_path):
    """Forking a worker stops the whole app while the kernel copies its memory map: a change made
    in place is sent to the workers, which apply it to their own copy of the snapshot."""
    assert not sees_new(executor)
    workers = sorted(w.pid for w in executor._idle)
    with Store(store_path) as writer:
        writer.replace_graph(NEW, article(4))
    executor.refresh(force=True)
    assert count_in(executor, NEW) == 4
    with Store(store_path) as writer:  # re-ingested with other content: the old quads go from the worker too
        writer.replace_graph(NEW, article(2, "corrected"))
    executor.refresh(force=True)
    assert count_in(executor, NEW) == 2
    with Store(store_path) as writer:
        writer.remove_graph(NEW)
    executor.refresh(force=True)
    assert not sees_new(executor)
    assert sorted(w.pid for w in executor._idle) == workers  # the same processes answered throughout


def test_a_worker_busy_during_several_changes_catches_up_with_all_of_them(store_path):
    endpoint = HeldEndpoint()
    executor = Executor(store_path, size=2, check_interval=0.2, allowlist=[endpoint.url])
    other = NEW + "/2"
    both = f"{{ GRAPH <{NEW}> {{ ?s ?p ?o }} GRAPH <{other}> {{ ?s ?p ?o }} }}"
    query = f"SELECT ?x ?new WHERE {{ SERVICE <{endpoint.url}> {{ ?x ?p ?o }} BIND(EXISTS {both} AS ?new) }}"
    try:
        answers = []
        in_flight = threading.Thread(target=lambda: answers.append(executor.run(job(query, check=True), timeout=30)))
        in_flight.start()
        assert endpoint.arrived.wait(20), "the query never reached its SERVICE"
        federating = [w.pid for w in executor._busy if w.federating]
        for graph in (NEW, other):  # two articles ingested while the query runs
            with Store(store_path) as writer:
                writer.replace_graph(graph, article())
            executor.refresh(force=True)
        endpoint.release.set()
        in_flight.join(30)
        assert answers and b'"value":"false"' in answers[0]["body"]  # the query in flight: the old data
        answer = executor.run(job(query, check=True), timeout=30)  # the same worker, with both changes
        assert answer["ok"] and b'"value":"true"' in answer["body"], answer
        assert [w.pid for w in executor._idle if w.federating] == federating
    finally:
        endpoint.close()
        executor.close()


def test_a_query_is_answered_while_the_snapshot_is_being_changed(executor):
    """The lock that keeps workers from being forked off a half-changed snapshot does not hold up
    a query that an idle worker can answer."""
    assert executor.run(job("ASK {}"), timeout=10)["ok"]
    answers = []
    query = threading.Thread(target=lambda: answers.append(executor.run(job("ASK {}"), timeout=20)))
    with executor.snapshots._fork_lock:  # what the watcher holds while it applies a change (or forks)
        query.start()
        query.join(15)
        answered = bool(answers)
    query.join(30)
    assert answered and answers[0]["ok"]


def test_a_worker_that_died_meanwhile_is_replaced_at_the_next_change(executor, store_path):
    assert not sees_new(executor)
    for worker in list(executor._idle):
        os.kill(worker.pid, signal.SIGKILL)
    with Store(store_path) as writer:
        writer.replace_graph(NEW, article())
    executor.refresh(force=True)
    assert sees_new(executor) and count_in(executor, NEW) == 3


def own_memory(pid: int) -> int:
    """kB of the process that it shares with no other process."""
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    return sum(int(line.split()[1]) for line in lines if line.startswith(("Private_Clean:", "Private_Dirty:")))


def test_a_worker_that_drifted_from_the_snapshot_is_forked_afresh(executor, store_path):
    """Each change applied in place unshares the pages it touches, in the app and in every worker, so
    a worker that only caught up would hold more memory of its own after every refresh (at a million
    quads, a few MB each: benchmarks/bench_refresh.py). Past ``drift`` of the app's memory it is
    replaced by a fresh fork, one a refresh, so no worker lives on through every change."""
    assert count_in(executor, NEW) == 0
    first = {w.pid for w in executor._idle}
    assert first and all(own_memory(pid) > 0 for pid in first)
    executor.drift = executor.drift_floor = 0  # any memory of its own is too much: each change renews one worker
    seen = set(first)
    for number in range(1, 2 * len(first) + 1):
        with Store(store_path) as writer:
            writer.replace_graph(NEW, article(number))
        executor.refresh(force=True)
        now = {w.pid for w in executor._idle}
        assert len(now) == len(first)  # as many workers as before, one of them new
        assert len(now - seen) == 1
        seen |= now
        for _ in now:  # every worker, the fresh one included, answers from the changed snapshot
            assert count_in(executor, NEW) == number
    assert not first & {w.pid for w in executor._idle}  # none of the first workers is left
