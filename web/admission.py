"""Admission of queries: a fair share of the query workers for every client.

Every query the app runs (``/sparql``, saved queries, entity pages) goes
through ``run``, which decides when it may have a worker of the executor
(``kg.web.executor``). The rules, in the style of the Wikidata Query Service:

* a client is its address (``request.remote_addr``; behind a trusted proxy the
  forwarded address, see ``TRUSTED_PROXIES``; IPv6 addresses by their /64);
* each client has a budget of query time per window (``CLIENT_BUDGET`` seconds
  per ``CLIENT_WINDOW`` seconds, a token bucket refilled steadily); a client
  whose budget is spent is answered 429 with ``Retry-After``: the seconds
  until it has budget again;
* a client may have at most ``CLIENT_CONCURRENCY`` queries running or waiting
  at once; one more is answered 429 with ``Retry-After: 1``;
* queries wait for a free worker in one queue; a free worker goes to the
  waiting query of the client that has used the least query time (its spent
  budget plus the time its running queries have taken so far), the earliest
  first among equals;
* ``RESERVED_WORKERS`` workers of each pool are kept from clients that ran a
  query longer than ``LONG_QUERY`` seconds in the window or are running one
  now: together they hold at most the other workers (by default half the
  workers and one fewer than the machine's cores), so clients looping costly
  queries never take every worker or every core (a query's cost is known only once
  it runs: new clients can fill every worker until their first queries pass
  ``LONG_QUERY``, and a running query is never stopped before its time limit);
* a query waits at most ``QUEUE_TIMEOUT`` seconds (503 with ``Retry-After``);
  at most ``QUEUE_LIMIT`` wait at once: a newcomer that has used less than the
  heaviest waiting client takes its place (the latter gets the 503).

The time limit of a query (``QUERY_TIMEOUT``) starts when it has a worker.
State is per process: run the app in one process (``pmkg serve``) so that the
limits are global.
"""

from __future__ import annotations

import ipaddress
import math
import os
import threading
import time
from dataclasses import dataclass, field

from flask import current_app, request

from kg.config import is_url
from kg.web.errors import Overloaded, Unavailable
from kg.web.executor import Executor

_lock = threading.Lock()
PRUNE_AT = 10_000  # forget idle clients with a full budget once this many are known


def executor() -> Executor:  # or kg.web.remote.RemoteExecutor, its stand-in for a server
    """This process's executor for the app (created on first use, again after a fork)."""
    with _lock:
        current = current_app.extensions.get("pmkg.executor")
        if current is None or current.owner != os.getpid():
            config = current_app.config
            if is_url(config["STORE"]):   # a SPARQL server: queries go there (kg.web.remote)
                from kg.web.remote import RemoteExecutor

                current = RemoteExecutor(config["STORE"], size=config["QUERY_WORKERS"],
                                         check_interval=config["STORE_CHECK_INTERVAL"],
                                         allowlist=config["SERVICE_ALLOWLIST"], result_bytes=int(config["RESULT_BYTES"]))
                current_app.extensions["pmkg.executor"] = current
                return current
            current = Executor(
                config["STORE"], size=config["QUERY_WORKERS"], check_interval=config["STORE_CHECK_INTERVAL"],
                allowlist=config["SERVICE_ALLOWLIST"], memory=int(config["QUERY_MEMORY_MB"]) * 1024 * 1024,
                result_bytes=int(config["RESULT_BYTES"]), service_timeout=config["QUERY_TIMEOUT"],
                service_bytes=int(config["RESULT_BYTES"]), require_isolation=bool(config["REQUIRE_ISOLATION"]),
            )
            current_app.extensions["pmkg.executor"] = current
        return current


def gate() -> Gate:
    """This process's gate for the app (created on first use, again after a fork)."""
    workers = executor().size  # one pool of this size for queries with network, one for those without
    with _lock:
        current = current_app.extensions.get("pmkg.gate")
        if current is None or current.owner != os.getpid():
            config = current_app.config
            current = Gate(workers, budget=config["CLIENT_BUDGET"],
                           window=config["CLIENT_WINDOW"], concurrency=config["CLIENT_CONCURRENCY"],
                           reserved=config["RESERVED_WORKERS"], long_query=config["LONG_QUERY"],
                           queue_timeout=config["QUEUE_TIMEOUT"], queue_limit=config["QUEUE_LIMIT"])
            current_app.extensions["pmkg.gate"] = current
        return current


def client_key(address: str | None) -> str:
    """The client an address belongs to: itself, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def run(job: dict, *, timeout: float, network: bool = False) -> dict:
    """Run ``job`` on the executor once this request's client is admitted (see the module's rules).

    Raises Overloaded (429) or Unavailable (503), both with
    Retry-After, and whatever ``Executor.run`` raises.
    """
    if not current_app.config["FAIR_QUEUE"]:
        return executor().run(job, timeout=timeout)
    executor().prepare()   # loading the first snapshot (minutes at 4M quads) is not the client's query time
    pool = gate()
    ticket = pool.enter(client_key(request.remote_addr), network)
    started = time.monotonic()
    try:
        return executor().run(job, timeout=timeout)
    finally:
        pool.leave(ticket, time.monotonic() - started)


def refuse_spent_clients():
    """Answer 429 at once to a client without budget, before its query is even read (a before_request hook)."""
    if current_app.config["FAIR_QUEUE"] and request.blueprint in ("sparql", "queries", "entities"):
        gate().check(client_key(request.remote_addr))


@dataclass
class Client:
    tokens: float
    updated: float
    waiting: int = 0
    running: list = field(default_factory=list)  # start times of its running queries
    long_until: float = 0.0                       # ran a long query: no reserved worker until then


@dataclass(eq=False)
class Ticket:
    key: str
    client: Client
    network: bool
    arrived: float
    granted: bool = False
    started: float = 0.0
    refused: str = ""


class Gate:
    """The scheduler: which waiting query gets the next free worker."""

    def __init__(self, workers: int, *, budget: float, window: float, concurrency: int, reserved: int,
                 long_query: float, queue_timeout: float, queue_limit: int):
        self.owner = os.getpid()
        self.workers = max(1, workers)
        self.budget = float(budget)
        self.rate = float(budget) / float(window)
        self.window = float(window)
        self.concurrency = int(concurrency)
        if reserved is None:  # long queries get at most half the workers, and leave a core free
            reserved = self.workers - max(1, min(self.workers - self.workers // 2, (os.cpu_count() or 2) - 1))
        self.reserved = min(int(reserved), self.workers - 1)
        self.long_query = float(long_query)
        self.queue_timeout = float(queue_timeout)
        self.queue_limit = int(queue_limit)
        self._cond = threading.Condition()
        self._clients: dict[str, Client] = {}
        self._free = {False: self.workers, True: self.workers}  # the executor has one pool of each kind
        self._waiting: list[Ticket] = []
        self._running: set[Ticket] = set()

    # -- the public side -------------------------------------------------------

    def check(self, key: str) -> None:
        """Raise 429 if the client has spent its budget."""
        with self._cond:
            self._over_budget(self._client(key, time.monotonic()))

    def enter(self, key: str, network: bool) -> Ticket:
        """Wait for a worker; the ticket to give back to ``leave``."""
        with self._cond:
            now = time.monotonic()
            client = self._client(key, now)
            self._over_budget(client)
            if client.waiting + len(client.running) >= self.concurrency:
                raise Overloaded(f"too many queries at once from your address (at most {self.concurrency}); "
                                      "wait for one to finish", retry_after=1)
            ticket = Ticket(key, client, network, now)
            self._make_room(ticket, now)
            self._waiting.append(ticket)
            client.waiting += 1
            self._dispatch()
            deadline = now + self.queue_timeout
            while not ticket.granted and not ticket.refused:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    ticket.refused = (f"no query worker became free within {self.queue_timeout:g} s; "
                                      "the server is busy, try again shortly")
                    break
                self._cond.wait(remaining)
            if ticket.granted:
                return ticket
            if ticket in self._waiting:
                self._waiting.remove(ticket)
                client.waiting -= 1
            self._dispatch()
            raise Unavailable(ticket.refused, retry_after=self._retry_after())

    def leave(self, ticket: Ticket, seconds: float) -> None:
        """Give the worker back and charge the client for ``seconds`` of query time."""
        with self._cond:
            now = time.monotonic()
            client = ticket.client
            self._refill(client, now)
            client.running.remove(ticket.started)
            client.tokens -= seconds
            if seconds > self.long_query:
                client.long_until = now + self.window
            self._free[ticket.network] += 1
            self._running.discard(ticket)
            self._dispatch()

    # -- inside the lock -------------------------------------------------------

    def _client(self, key: str, now: float) -> Client:
        client = self._clients.get(key)
        if client is None:
            if len(self._clients) >= PRUNE_AT:
                self._prune(now)
            client = self._clients[key] = Client(tokens=self.budget, updated=now)
        self._refill(client, now)
        return client

    def _refill(self, client: Client, now: float) -> None:
        client.tokens = min(self.budget, client.tokens + (now - client.updated) * self.rate)
        client.updated = now

    def _prune(self, now: float) -> None:
        for key, client in list(self._clients.items()):
            self._refill(client, now)
            if client.tokens >= self.budget and not client.waiting and not client.running \
                    and client.long_until <= now:
                del self._clients[key]

    def _over_budget(self, client: Client) -> None:
        if client.tokens > 0:
            return
        retry = max(1, math.ceil(-client.tokens / self.rate) + 1)
        raise Overloaded(f"your address has used its query time ({self.budget:g} s per "
                              f"{self.window:g} s); try again in {retry} s", retry_after=retry)

    def _used(self, client: Client, now: float) -> float:
        """How much query time the client has used: spent budget and running queries so far."""
        return (self.budget - client.tokens) + sum(now - started for started in client.running)

    def _light(self, client: Client, now: float) -> bool:
        """True if the client ran no long query in the window and runs none now."""
        return client.long_until <= now and all(now - s <= self.long_query for s in client.running)

    def _make_room(self, ticket: Ticket, now: float) -> None:
        """Keep the queue bounded: the newcomer or the heaviest waiting query is refused."""
        if len(self._waiting) < self.queue_limit:
            return
        heaviest = max(self._waiting, key=lambda t: (self._used(t.client, now), t.arrived))
        if self._used(heaviest.client, now) <= self._used(ticket.client, now):
            raise Unavailable("too many queries are waiting; try again shortly",
                                     retry_after=self._retry_after())
        self._waiting.remove(heaviest)
        heaviest.client.waiting -= 1
        heaviest.refused = "too many queries are waiting, and yours came from the busiest address; try again shortly"
        self._cond.notify_all()

    def _dispatch(self) -> None:
        """Hand free workers to waiting queries, least used client first."""
        now = time.monotonic()
        granted = False
        for network in (False, True):
            while self._free[network] > 0:
                heavy = sum(1 for t in self._running if t.network == network and not self._light(t.client, now))
                candidates = [t for t in self._waiting if t.network == network
                              and (heavy < self.workers - self.reserved or self._light(t.client, now))]
                if not candidates:
                    break
                ticket = min(candidates, key=lambda t: (self._used(t.client, now), t.arrived))
                self._waiting.remove(ticket)
                ticket.client.waiting -= 1
                ticket.started = now
                ticket.client.running.append(now)
                ticket.granted = True
                self._running.add(ticket)
                self._free[network] -= 1
                granted = True
        if granted:
            self._cond.notify_all()

    def _retry_after(self) -> int:
        return max(1, math.ceil(min(self.queue_timeout, self.long_query)))
