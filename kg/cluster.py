"""Run tasks on a Dask cluster: ``pmkg ingest --dask SCHEDULER`` (see :func:`kg.batch.extract_on_cluster`).

This process reads each article file's bytes and sends them with the task,
so the workers need pmkg and its spaCy model installed but not this
machine's files; the article's location (its ``file:`` IRI, from which its
graph IRI comes) is fixed here, so a graph is the same as a local run's.
Workers run :func:`kg.batch.extract_loaded`, the function a local run uses,
and send back each article's graph as N-Quads; only this process writes to
the store, one transaction per article, as results come back.

Bounds: at most ``in_flight`` articles are sent and not yet back (by default
the cluster's worker threads, so an article starts as soon as it is sent); an
article not back within ``timeout`` seconds of being sent is reported as
failed and cancelled, and the worker running it is restarted (through its
nanny) so it cannot hold a thread for ever. A worker that dies while running
an article (crash, killed, out of memory) makes the scheduler retry it on
another worker up to its ``allowed-failures``; then that article is reported
as failed and the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from kg.errors import PmkgError

DEFAULT_TIMEOUT = 600.0  # seconds an article may take on the cluster
MAX_IN_FLIGHT = 1024
SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


@dataclass(frozen=True)
class DaskSettings:
    """Where and how to extract on a cluster."""

    scheduler: str                   # the scheduler's address, e.g. tcp://10.0.0.5:8786
    timeout: float = DEFAULT_TIMEOUT
    in_flight: int | None = None     # None: the cluster's worker threads (at least 1)


def connect(address: str):
    """A ``distributed.Client`` of the scheduler at ``address``, or a one-line PmkgError.

    It waits for the scheduler as long as Dask's ``distributed.comm.timeouts.connect``
    says (30 s unless configured, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``).
    """
    try:
        from distributed import Client
    except ImportError:
        raise PmkgError("--dask needs Dask distributed: pip install 'pmkg[cluster]'") from None
    from distributed.comm import parse_address

    scheme, rest = parse_address(address.strip(), strict=False)
    if scheme not in SCHEMES or not rest:
        raise PmkgError(f"not a Dask scheduler address: {address!r} (give tcp://HOST:PORT or tls://HOST:PORT)")
    try:
        return Client(address.strip(), set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PmkgError(f"cannot reach the Dask scheduler at {address}: {detail}") from None


def run_tasks(client, function: Callable, items: Iterable[tuple[str, object]], *, in_flight: int,
              timeout: float) -> Iterator[tuple[str, object, str | None]]:
    """Run ``function(argument)`` on the cluster for each (name, argument), at most ``in_flight`` at once.

    Yields (name, result, None) as each comes back, or (name, None, reason)
    for one that raised, whose worker died, or that was not back within
    ``timeout`` seconds of being sent. Arguments are taken from ``items``
    only as room frees up, so a long input is never all in memory.
    """
    from distributed import wait

    pending = iter(items)
    running: dict[object, tuple[str, float]] = {}   # future -> (name, when sent)

    def fill() -> None:
        while len(running) < in_flight:
            item = next(pending, None)
            if item is None:
                return
            name, argument = item
            running[client.submit(function, argument, pure=False)] = (name, time.monotonic())

    try:
        fill()
        while running:
            oldest = min(sent for _, sent in running.values())
            left = max(0.05, oldest + timeout - time.monotonic())
            try:
                with client.as_current():
                    wait(list(running), timeout=left, return_when="FIRST_COMPLETED")
            except TimeoutError:
                pass
            now = time.monotonic()
            late = [f for f, (_, sent) in running.items() if not f.done() and now - sent >= timeout]
            for future in [f for f in running if f.done()]:
                name, _ = running.pop(future)
                yield (name, future.result(), None) if future.status == "finished" else (name, None, _why(future))
            if late:
                _abandon(client, late)
                for future in late:
                    name, _ = running.pop(future)
                    yield name, None, f"not back from the cluster within {timeout:g} s; cancelled"
            fill()
    finally:
        if running:
            client.cancel(list(running))


def _why(future) -> str:
    """One line on why a task did not finish."""
    if future.status == "cancelled":
        return "cancelled on the cluster (the scheduler lost it)"
    error = future.exception()
    if type(error).__name__ == "KilledWorker":
        return "the worker running it died (crashed, killed or out of memory), also on retry"
    message = str(error).splitlines()[0] if str(error) else ""
    return f"error on the cluster: {type(error).__name__}: {message}".rstrip(": ")


def _abandon(client, futures: list) -> None:
    """Cancel late tasks and restart the workers still running them, freeing their threads."""
    keys = {f.key for f in futures}
    busy = [worker for worker, running in client.processing().items() if keys & set(running)]
    client.cancel(futures)
    if busy:
        client.restart_workers(busy, raise_for_error=False)
