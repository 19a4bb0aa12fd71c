"""Fairness between clients (issue 8, point 3): a real server, clients on their own loopback addresses.

Four clients looping a costly query used to take every query worker, so a
fifth client waited and got 503s. Now each client has a budget of query time,
a cap on concurrent queries (429 with Retry-After beyond either), and clients
running long queries never hold every worker.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from kg.store import Store
from test_web_server import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
COSTLY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # runs to the time limit
SIMPLE = "ASK { ?s ?p ?o }"


def start(tmp_path: Path, **settings: str):
    path = tmp_path / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
    port = free_port()
    env = {**os.environ, "PMKG_QUERY_TIMEOUT": "3", **{f"PMKG_{k}": v for k, v in settings.items()}}
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(path), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_until_serving(f"http://127.0.0.1:{port}/sparql", process)
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


def ask(port: int, query: str, *, source: str = "127.0.0.1", headers: dict | None = None):
    """GET /sparql?query=... from the loopback address ``source``: (status, headers, JSON body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                           headers={"Accept": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"null")
    finally:
        connection.close()


def in_background(port: int, query: str, **options) -> threading.Thread:
    thread = threading.Thread(target=ask, args=(port, query), kwargs=options, daemon=True)
    thread.start()
    time.sleep(1)  # it is running now
    return thread


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, port = start(tmp_path_factory.mktemp("fair"), CLIENT_CONCURRENCY="1", CLIENT_BUDGET="4")
    yield port
    stop(process)


def test_a_second_query_at_once_gets_429_with_retry_after(server):
    running = in_background(server, COSTLY, source="127.0.0.2")
    status, headers, body = ask(server, SIMPLE, source="127.0.0.2")
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert "too many queries at once" in body["error"]["message"]
    assert "Traceback" not in json.dumps(body)
    # X-Forwarded-For is not believed from a client when no proxy is trusted
    status, _, _ = ask(server, SIMPLE, source="127.0.0.2", headers={"X-Forwarded-For": "198.51.100.9"})
    assert status == 429
    # another address is answered meanwhile
    status, _, body = ask(server, SIMPLE, source="127.0.0.3")
    assert (status, body["boolean"]) == (200, True)
    running.join(30)


def test_a_client_over_its_query_time_gets_429_with_retry_after(server):
    for _ in range(2):  # two queries cut at the 3 s time limit: 6 s of the 4 s budget
        assert ask(server, COSTLY, source="127.0.0.4")[0] == 503
    status, headers, body = ask(server, SIMPLE, source="127.0.0.4")
    assert status == 429
    assert int(headers["Retry-After"]) >= 2
    assert "used its query time" in body["error"]["message"]
    assert ask(server, SIMPLE, source="127.0.0.5")[0] == 200


def test_a_light_client_is_answered_while_four_clients_loop_a_costly_query(tmp_path):
    process, port = start(tmp_path)
    stop_looping = threading.Event()
    heavy_statuses: list[int] = []

    def loop(source: str) -> None:
        while not stop_looping.is_set():
            heavy_statuses.append(ask(port, COSTLY, source=source)[0])

    heavy = [threading.Thread(target=loop, args=(f"127.0.0.{n}",), daemon=True) for n in range(10, 14)]
    try:
        for thread in heavy:
            thread.start()
        time.sleep(4)  # past the heavy clients' first queries
        statuses = [ask(port, SIMPLE, source="127.0.0.20")[0] for _ in range(30)]
        assert statuses == [200] * 30
        assert heavy_statuses and set(heavy_statuses) <= {503, 429}  # they kept trying, and were cut
    finally:
        stop_looping.set()
        for thread in heavy:
            thread.join(30)
        stop(process)


def test_behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for(tmp_path):
    process, port = start(tmp_path, CLIENT_CONCURRENCY="1", TRUSTED_PROXIES="127.0.0.1")
    try:
        running = in_background(port, COSTLY, headers={"X-Forwarded-For": "203.0.113.7"})
        assert ask(port, SIMPLE, headers={"X-Forwarded-For": "203.0.113.7"})[0] == 429
        # a client cannot pass for another by sending the header itself: the proxy appends the real address
        assert ask(port, SIMPLE, headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})[0] == 429
        assert ask(port, SIMPLE, headers={"X-Forwarded-For": "203.0.113.8"})[0] == 200
        # a connection from an address that is not a trusted proxy is its own client, whatever it says
        assert ask(port, SIMPLE, source="127.0.0.30", headers={"X-Forwarded-For": "203.0.113.7"})[0] == 200
        running.join(30)
    finally:
        stop(process)


def test_behind_n_proxies_the_client_is_the_forwarded_address(tmp_path):
    from kg.web import create_app

    path = tmp_path / "store"
    Store.create(path).close()
    app = create_app({"STORE": str(path), "TRUSTED_PROXIES": 1, "CLIENT_BUDGET": 0.001})
    client = app.test_client()
    try:
        def status(forwarded: str) -> int:
            return client.get("/sparql", query_string={"query": SIMPLE},
                              headers={"X-Forwarded-For": forwarded, "Accept": "application/json"}).status_code

        assert status("203.0.113.1") == 200
        assert status("203.0.113.1") == 429  # its tiny budget is spent
        assert status("203.0.113.2") == 200
    finally:
        app.extensions["pmkg.executor"].close()


@pytest.mark.parametrize("value", ["-1", "proxy.example", "[true]"])
def test_a_wrong_trusted_proxies_setting_is_refused_at_start(tmp_path, value):
    from kg.web import create_app

    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app({"STORE": str(tmp_path), "TRUSTED_PROXIES": json.loads(value) if value.startswith("[") else value})


def test_a_query_waits_in_the_queue_at_most_its_deadline_then_gets_503_with_retry_after(tmp_path):
    process, port = start(tmp_path, QUERY_WORKERS="1", RESERVED_WORKERS="0", QUEUE_TIMEOUT="1")
    try:
        running = in_background(port, COSTLY, source="127.0.0.40")
        status, headers, body = ask(port, SIMPLE, source="127.0.0.41")
        assert status == 503
        assert int(headers["Retry-After"]) >= 1
        assert "no query worker became free within 1 s" in body["error"]["message"]
        running.join(30)
        assert ask(port, SIMPLE, source="127.0.0.41")[0] == 200
    finally:
        stop(process)
