"""The fair queue's scheduling (kg.web.admission.Gate) with real threads: who gets the next free worker."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from kg.web.admission import Gate, client_key


def gate(**options) -> Gate:
    settings = {"budget": 10, "window": 60, "concurrency": 3, "reserved": 0, "long_query": 2,
                "queue_timeout": 10, "queue_limit": 16, **options}
    return Gate(1, **settings)


def waiting(pool: Gate, key: str, outcomes: dict) -> threading.Thread:
    """Enter the gate in a thread; the ticket or the refusal lands in ``outcomes[key]``."""
    def enter():
        try:
            outcomes[key] = pool.enter(key, False)
        except (ServiceUnavailable, TooManyRequests) as refusal:
            outcomes[key] = refusal
    thread = threading.Thread(target=enter, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while key not in outcomes and not any(t.key == key for t in pool._waiting):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return thread


def test_a_free_worker_goes_to_the_client_that_used_the_least():
    pool = gate()
    pool.leave(pool.enter("heavy", False), 5.0)  # "heavy" has used 5 s
    holder = pool.enter("holder", False)
    outcomes: dict = {}
    heavy = waiting(pool, "heavy", outcomes)     # waits first
    light = waiting(pool, "light", outcomes)     # waits second, has used nothing
    pool.leave(holder, 0.01)
    light.join(10)
    assert outcomes["light"].granted and "heavy" not in outcomes
    pool.leave(outcomes["light"], 0.01)
    heavy.join(10)
    assert outcomes["heavy"].granted


def test_a_full_queue_refuses_the_heaviest_waiting_client():
    pool = gate(queue_limit=2)
    pool.leave(pool.enter("heavy", False), 5.0)
    holder = pool.enter("holder", False)
    outcomes: dict = {}
    threads = [waiting(pool, "heavy", outcomes), waiting(pool, "other", outcomes)]
    threads.append(waiting(pool, "newcomer", outcomes))  # the queue is full: "heavy" makes room
    threads[0].join(10)
    assert isinstance(outcomes["heavy"], ServiceUnavailable)
    assert outcomes["heavy"].retry_after >= 1
    pool.leave(holder, 0.01)
    threads[1].join(10)
    assert outcomes["other"].granted  # the earliest of the two that used nothing


def test_clients_that_ran_long_queries_never_hold_the_reserved_worker():
    pool = Gate(2, budget=100, window=60, concurrency=3, reserved=1, long_query=2, queue_timeout=1,
                queue_limit=16)
    pool.leave(pool.enter("a", False), 3.0)   # both ran a query longer than LONG_QUERY
    pool.leave(pool.enter("b", False), 3.0)
    first = pool.enter("a", False)            # one worker for long-query clients
    with pytest.raises(ServiceUnavailable):   # not the second: it waits out QUEUE_TIMEOUT
        pool.enter("b", False)
    other = pool.enter("c", False)            # a client without long queries gets it
    assert first.granted and other.granted


def test_budget_and_concurrency():
    pool = gate(budget=1, concurrency=1)
    ticket = pool.enter("a", False)
    with pytest.raises(TooManyRequests):      # one query at a time
        pool.enter("a", False)
    pool.leave(ticket, 2.0)                   # 2 s of a 1 s budget
    with pytest.raises(TooManyRequests) as refusal:
        pool.check("a")
    assert refusal.value.retry_after >= 60    # 1 s more to wait for at 1 s per 60 s


@pytest.mark.parametrize("address, key", [("192.0.2.1", "192.0.2.1"), ("::ffff:192.0.2.1", "192.0.2.1"),
                                          ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"), (None, "unknown")])
def test_a_client_is_an_address_or_an_ipv6_64(address, key):
    assert client_key(address) == key


def test_loading_the_first_snapshot_is_not_charged_to_the_client_or_its_time_limit(tmp_path):
    """At millions of quads the app's first snapshot takes minutes to load. The request that happens to
    arrive first must not pay for it: neither from its client's budget of query time (every later query
    of that client was answered 429 for minutes) nor from its own time limit (it timed out at once)."""
    from kg.store import Store
    from kg.web import create_app

    lines = "".join(f"<http://example.org/s{i}> <http://example.org/p{i % 7}> \"value {i}\" "
                    f"<http://example.org/g{i % 50}> .\n" for i in range(300_000))
    data = tmp_path / "data.nq"
    data.write_text(lines, encoding="utf-8")
    with Store.create(tmp_path / "store") as store:
        store.load(data, format="nquads")
    app = create_app({"STORE": str(tmp_path / "store"), "TESTING": True, "CLIENT_BUDGET": 0.3,
                      "CLIENT_WINDOW": 3600, "QUERY_TIMEOUT": 0.5, "QUERY_WORKERS": 1})
    try:
        client = app.test_client()
        started = time.monotonic()
        first = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        loading = time.monotonic() - started
        assert first.status_code == 200, first.get_data(as_text=True)
        second = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert second.status_code == 200, (loading, second.get_data(as_text=True))
    finally:
        app.extensions["pmkg.executor"].close()
