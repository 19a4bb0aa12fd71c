"""Queries run in worker processes, under a deadline, without network.

pyoxigraph has no query timeout, a signal does not stop a running query, and
it sends the HTTP request of any SERVICE clause itself. So each query runs in
a long-lived worker process forked from the app after the store's in-memory
snapshot was taken (the fork shares it copy-on-write), talking over a pipe:

* the app waits for the answer until the deadline; at the deadline it kills
  the worker (SIGKILL) and answers at once; a fresh worker is forked the next
  time one is needed. Other requests use other workers meanwhile (a pool of
  ``size`` workers; a request waits for a free one within its own deadline).
* a worker first moves into a network namespace of its own
  (``unshare(CLONE_NEWNET)``, or with ``CLONE_NEWUSER`` where that needs no
  privilege), where no address is reachable. Only queries whose SERVICE
  clauses all name allowlisted endpoints (checked by ``kg.web.query_guard``)
  go to a separate pool of workers that keep the network.
* the snapshot is reloaded when the store folder changes (checked at most
  every ``check_interval`` seconds); workers of an older snapshot are retired.

Where the kernel refuses a network namespace the workers still run, and the
app logs a warning once: the query guard is then the only protection.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import threading
import time
from multiprocessing import Pipe
from pathlib import Path

from kg.errors import PmkgError, StoreError
from kg.store import Store
from kg.web.results import execute

log = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


class QueryTimeout(PmkgError):
    """The query did not finish within its time limit."""


class Busy(PmkgError):
    """No worker became free within the request's time limit."""


class WorkerFailed(PmkgError):
    """The worker died while running the query (e.g. out of memory)."""


def isolate_network() -> bool:
    """Move this process into a new, empty network namespace; False if the kernel refuses."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    return libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0


def store_signature(path: Path) -> tuple | None:
    """Changes whenever the store folder's files change; None if it cannot be read now."""
    try:
        stats = [os.stat(path)] + [entry.stat() for entry in os.scandir(path)]
    except OSError:
        return None
    return (len(stats), max(s.st_mtime_ns for s in stats), sum(s.st_size for s in stats))


def load_snapshot(path: Path) -> Store:
    """An in-memory copy of the store; the on-disk store is closed again at once."""
    with Store(path, read_only=True) as store:
        return store.snapshot()


def _exit_with(parent: int) -> None:
    """End this worker if the app process goes away, even in the middle of a query."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _serve(conn, store: Store, parent: int) -> None:
    """The worker's loop: one request in, one answer out, until the pipe closes."""
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute(store, request))


class Worker:
    """One forked worker process and the app's end of its pipe."""

    def __init__(self, store: Store, generation: int, network: bool, close_fds: list[int]):
        self.generation = generation
        self.network = network
        ours, theirs = Pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker
            status = 1
            try:
                ours.close()
                for fd in close_fds:  # the app's ends of the other workers' pipes
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                isolated = isolate_network() if not network else False
                theirs.send(isolated)
                _serve(theirs, store, parent)
                status = 0
            except BaseException:  # noqa: BLE001 - a worker must never return into the app's code
                status = 1
            finally:
                os._exit(status)
        theirs.close()
        self.pid = pid
        self.conn = ours
        if not ours.poll(10):
            self.kill()
            raise WorkerFailed("a query worker did not start")
        self.isolated = ours.recv()

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.conn.close()


class Executor:
    """Runs queries on the snapshot of the store at ``path`` in a pool of workers."""

    def __init__(self, path: str | Path, *, size: int = 4, check_interval: float = 2.0):
        self.path = Path(path)
        self.size = max(1, int(size))
        self.check_interval = float(check_interval)
        self.owner = os.getpid()
        self._lock = threading.Condition()
        self._refreshing = threading.Lock()
        self._snapshot: Store | None = None
        self._graphs: frozenset[str] = frozenset()
        self._signature = None
        self._generation = 0
        self._checked = 0.0
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._warned = False

    # -- the snapshot --------------------------------------------------------

    def refresh(self, *, force: bool = False) -> None:
        """Reload the snapshot if the store changed (checked at most every check_interval s)."""
        now = time.monotonic()
        if not force and self._snapshot is not None and now - self._checked < self.check_interval:
            return
        if not self._refreshing.acquire(blocking=self._snapshot is None):
            return  # another request is reloading; use the current snapshot meanwhile
        try:
            self._checked = time.monotonic()
            signature = store_signature(self.path)
            if self._snapshot is not None and (signature is None or signature == self._signature):
                return
            try:
                snapshot = load_snapshot(self.path)
            except StoreError:
                if self._snapshot is None:
                    raise
                return  # in use by a writer: keep serving the last snapshot, try again later
            graphs = frozenset(snapshot.named_graphs())
            with self._lock:
                self._snapshot, self._graphs, self._signature = snapshot, graphs, signature
                self._generation += 1
                stale, self._idle = self._idle, []
                self._lock.notify_all()
            for worker in stale:
                worker.kill()
        finally:
            self._refreshing.release()

    def graphs(self) -> frozenset[str]:
        """The named graphs of the current snapshot."""
        self.refresh()
        return self._graphs

    # -- running queries -----------------------------------------------------

    def run(self, request: dict, *, timeout: float, network: bool = False) -> dict:
        """Run ``request`` (see ``kg.web.results.execute``) within ``timeout`` seconds.

        Raises QueryTimeout at the deadline (the worker is killed), Busy if no
        worker became free in time, WorkerFailed if the worker died.
        """
        deadline = time.monotonic() + timeout
        self.refresh()
        worker = self._acquire(network, deadline)
        healthy = False
        try:
            try:
                worker.conn.send(request)
                if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    raise QueryTimeout(f"the query did not finish within its time limit of {timeout:g} s")
                answer = worker.conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                raise WorkerFailed("the query stopped unexpectedly (it may have needed too much memory)") from None
            healthy = True
            return answer
        finally:
            self._release(worker, healthy)

    def _acquire(self, network: bool, deadline: float) -> Worker:
        with self._lock:
            while True:
                for worker in self._idle:
                    if worker.network == network and worker.generation == self._generation:
                        self._idle.remove(worker)
                        self._busy.add(worker)
                        return worker
                if sum(1 for w in self._busy if w.network == network) < self.size:
                    others = [w.conn.fileno() for w in self._idle + list(self._busy)]
                    worker = Worker(self._snapshot, self._generation, network, others)
                    if not network and not worker.isolated and not self._warned:
                        self._warned = True
                        log.warning("query workers could not be cut off from the network (no unshare); "
                                    "only the query guard stops SERVICE requests")
                    self._busy.add(worker)
                    self._trim()
                    return worker
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Busy("all query workers are busy; try again shortly")
                self._lock.wait(remaining)

    def _trim(self) -> None:
        """Keep at most ``size`` idle workers of each kind (call with the lock held)."""
        for network in (False, True):
            kind = [w for w in self._idle if w.network == network]
            for worker in kind[self.size:]:
                self._idle.remove(worker)
                worker.kill()

    def _release(self, worker: Worker, healthy: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            keep = healthy and worker.generation == self._generation
            if keep:
                self._idle.append(worker)
                self._trim()
            self._lock.notify_all()
        if not keep:
            worker.kill()

    def close(self) -> None:
        """Stop every worker (the app's end; workers also exit when their pipe closes)."""
        with self._lock:
            workers, self._idle = self._idle + list(self._busy), []
            self._busy.clear()
        for worker in workers:
            worker.kill()

    def warm(self) -> None:
        """Fork one network-less worker ahead of the first query."""
        self.refresh()
        self._release(self._acquire(False, time.monotonic() + 10), True)

    def current_snapshot(self) -> Store:
        """The in-memory snapshot now served (loaded if needed)."""
        self.refresh()
        return self._snapshot
