"""The query workers: deadline and restart, no network, snapshot refresh."""

from __future__ import annotations

import http.server
import os
import threading
import time
from pathlib import Path

import pytest

from kg.store import Store
from kg.web.executor import Busy, Executor, QueryTimeout

ROOT = Path(__file__).resolve().parent.parent
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def job(query: str, **extra) -> dict:
    return {"query": query, "union": True, "default_graph": None, "named_graphs": None,
            "row_limit": 100, "tabular": "json", "graph": "turtle", **extra}


class RequestLog:
    """A tiny HTTP server on loopback that records every request it gets."""

    def __init__(self):
        self.requests: list[str] = []
        log = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                log.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.end_headers()
                self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def request_log():
    log = RequestLog()
    yield log
    log.close()


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


def test_a_query_past_its_limit_is_cancelled_and_the_worker_replaced(executor):
    assert executor.run(job("ASK {}"), timeout=5)["ok"]
    first = {w.pid for w in executor._idle}
    with pytest.raises(QueryTimeout):
        executor.run(job(EXPENSIVE), timeout=0.5)
    assert executor.run(job("ASK { ?s ?p ?o }"), timeout=5)["body"] == b'{"head": {}, "boolean": true}'
    assert {w.pid for w in executor._idle} != first  # the killed worker was replaced


def test_the_logger_works(request_log):
    """The request logger below really records requests (so 'nothing received' means something)."""
    import urllib.request

    urllib.request.urlopen(request_log.url + "?query=x", timeout=5).read()
    assert request_log.requests == ["/sparql?query=x"]


def test_workers_have_no_network_even_if_the_guard_let_a_service_through(executor, request_log):
    answer = executor.run(job(f"SELECT * WHERE {{ SERVICE <{request_log.url}> {{ ?s ?p ?o }} }}"), timeout=5)
    assert not answer["ok"] and answer["error"] == "failed"
    time.sleep(0.2)
    assert request_log.requests == []


def test_the_snapshot_follows_the_store_on_disk(executor, store_path):
    ask = job("ASK { GRAPH <http://example.org/new> { ?s ?p ?o } }")
    assert b"false" in executor.run(ask, timeout=5)["body"]
    with Store(store_path) as store:  # a writer, as `pmkg ingest` would be
        store.load(b"<http://example.org/a> <http://example.org/b> 1 .", format="turtle",
                   graph="http://example.org/new")
        # while the writer holds the store the last snapshot is still served
        time.sleep(0.3)
        assert b"false" in executor.run(ask, timeout=5)["body"]
    deadline = time.monotonic() + 5
    while b"true" not in executor.run(ask, timeout=5)["body"]:
        assert time.monotonic() < deadline, "the new graph never appeared"
        time.sleep(0.1)
    assert "http://example.org/new" in executor.graphs()


def test_a_query_waits_for_a_free_worker_within_its_own_limit(store_path):
    executor = Executor(store_path, size=1)
    try:
        results = []
        slow = threading.Thread(target=lambda: results.append(_outcome(executor, EXPENSIVE, 1.0)))
        slow.start()
        time.sleep(0.2)
        outcome = _outcome(executor, "ASK {}", 0.3)
        slow.join()
        assert outcome == "busy"  # it waited for the one worker, within its own limit, then gave up
        assert results[0] == "timeout"
    finally:
        executor.close()


def _outcome(executor, query, timeout):
    try:
        executor.run(job(query), timeout=timeout)
        return "ok"
    except QueryTimeout:
        return "timeout"
    except Busy:
        return "busy"


def test_workers_inherit_no_file_descriptor_of_the_app(executor):
    """A download's pipe or a store's lock open in the app must not live on in a worker forked meanwhile."""
    read_end, write_end = os.pipe()
    try:
        executor.run(job("ASK {}"), timeout=5)
        for worker in executor._idle:
            fds = {int(fd) for fd in os.listdir(f"/proc/{worker.pid}/fd")}
            assert read_end not in fds and write_end not in fds
            assert fds <= {0, 1, 2, worker_fd(worker)}
    finally:
        os.close(read_end)
        os.close(write_end)


def worker_fd(worker) -> int:
    """The worker's end of its pipe: the one descriptor above 2 it keeps."""
    fds = sorted(int(fd) for fd in os.listdir(f"/proc/{worker.pid}/fd") if int(fd) > 2)
    return fds[0] if len(fds) == 1 else -1
