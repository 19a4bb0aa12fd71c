"""Queries run in worker processes, under a deadline, in a sandbox the kernel enforces.

pyoxigraph has no query timeout, a signal does not stop a running query, and
it sends the HTTP request of any SERVICE clause itself. So each query runs in
a long-lived worker process forked from the app after the store's in-memory
snapshot was taken (the fork shares it copy-on-write), talking over a pipe:

* the app waits for the answer until the deadline; at the deadline it kills
  the worker (SIGKILL) and answers at once; a fresh worker is forked the next
  time one is needed. Other requests use other workers meanwhile (a pool of
  ``size`` workers; a request waits for a free one within its own deadline).
* every worker closes the file descriptors it inherited, caps its address
  space (``memory`` bytes over what it maps at start) and moves into a network
  namespace of its own (``kg.web.sandbox``). A *plain* worker can reach no
  address at all. A *federating* worker can reach only the listening sockets
  it opened for the app's relay (``kg.web.relay``), which forwards to the
  allowlisted SERVICE endpoints and nowhere else.
* a query is first sent to a plain worker, which checks it there, under the
  query's deadline (``kg.web.query_guard.check``: updates, unknown FROM graphs
  and SERVICE calls off the allowlist get a clear refusal); a query that calls
  an allowlisted SERVICE is then run again by a federating worker. The check
  only chooses the message and the pool: whatever it concludes, a query
  cannot reach an address that is not on the allowlist.
* when the store folder changes (checked every ``check_interval`` seconds
  by a background thread), the snapshot is brought up to date in the background while
  queries go on (``kg.web.snapshot``: only the changed graphs where the
  store's change log tells them). A change made in place is sent to each
  worker, which applies it to its own copy before its next query (a query in
  flight finishes on the data it started on): forking a process the size of
  the app stops all its threads meanwhile, so no worker is forked for it.
  After a whole new copy, workers of the new copy are forked ahead and the
  old ones retired as they finish.
* a change applied in place unshares the pages it touches (a few MB a
  refresh at a million quads), so the workers' memory would grow with every
  refresh; after a change, the worker whose own memory most passes ``drift``
  of the app's RSS is forked afresh (``_renew_drifted``, one a refresh).

Where the kernel refuses a network namespace no worker is started and queries
are answered 503, unless the operator set ``require_isolation=False``.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from kg.errors import PmkgError
from kg.store import Store
from kg.web import snapshot
from kg.web.relay import Relay, hosts_file, targets
from kg.web.snapshot import Snapshots, store_signature
from kg.web.worker import Worker, WorkerFailed, catch_up, catch_up_all, private_bytes, resident_bytes

__all__ = ["Busy", "Executor", "QueryTimeout", "WorkerFailed", "load_snapshot", "store_signature"]

log = logging.getLogger(__name__)

FEDERATE = "federate"  # the answer of a plain worker for a query that calls an allowlisted SERVICE
DRIFT, DRIFT_FLOOR = 0.1, 32 << 20  # a worker whose own memory passes this share of the app's RSS (and this
                                    # many bytes) is forked afresh after a change


class QueryTimeout(PmkgError):
    """The query did not finish within its time limit."""


class Busy(PmkgError):
    """No worker became free within the request's time limit."""


def load_snapshot(path: Path) -> Store:
    """An in-memory copy of the store; the on-disk store is closed again at once."""
    with Store(path, read_only=True) as store:
        return store.snapshot()


class Executor:
    """Runs queries on the snapshot of the store at ``path`` in a pool of sandboxed workers.

    ``allowlist``: the SERVICE endpoints federating workers may reach (through
    the relay); ``memory``: bytes of address space a worker may add to what it
    maps at start (0: no limit); ``result_bytes``: about how many bytes a result
    may hold before it is cut; ``service_timeout`` and ``service_bytes``: the
    relay's limits per SERVICE connection; ``require_isolation``: refuse to run
    queries where the kernel refuses a network namespace; ``drift``: see ``_renew_drifted``.
    """

    def __init__(self, path: str | Path, *, size: int = 4, check_interval: float = 1.0,
                 allowlist: list[str] | None = None, memory: int = 0, result_bytes: int = 0,
                 service_timeout: float = 10.0, service_bytes: int = 16 * 1024 * 1024,
                 require_isolation: bool = True, drift: float = DRIFT):
        self.path = Path(path)
        self.drift, self.drift_floor = drift, DRIFT_FLOOR
        self.size = max(1, int(size))
        self.check_interval = float(check_interval)
        self.require_isolation = require_isolation
        self.owner = os.getpid()
        self._lock = threading.Condition()  # the pool: idle and busy workers
        self._fork_lock = threading.Lock()  # held while forking, and while the snapshot changes in place
        self.snapshots = Snapshots(self.path, check_interval=self.check_interval, fork_lock=self._fork_lock,
                                   on_switch=self._retire)
        self._serving = 0  # the snapshot generation queries are answered from
        self._changes: dict[int, snapshot.Change] = {}  # generation -> the change that made it (in place)
        self._forking = {False: 0, True: 0}  # workers being forked, of each kind
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._warned = False
        found = targets(list(allowlist or []))
        self._relay = Relay(found, timeout=service_timeout, max_bytes=service_bytes) if found else None
        self._hosts_dir = tempfile.TemporaryDirectory(prefix="pmkg-hosts-")
        hosts = Path(self._hosts_dir.name) / "hosts"
        hosts.write_text(hosts_file(found), encoding="utf-8")
        hosts.chmod(0o644)
        Path(self._hosts_dir.name).chmod(0o755)
        self._sandbox = {
            "hosts_file": str(hosts),
            "addresses": self._relay.addresses() if self._relay else [],
            "memory": int(memory),
            "execute": {"allowlist": list(allowlist or []), "result_bytes": int(result_bytes)},
        }

    # -- the snapshot --------------------------------------------------------

    def prepare(self) -> None:
        """What a query needs before its time counts: the snapshot loaded (the first load takes minutes at 4M quads)."""
        self.refresh()

    def refresh(self, *, force: bool = False) -> None:
        """Bring the snapshot up to date now, waiting for it, if ``force`` or the check interval is 0;
        else only load the first one.

        Changes are otherwise picked up by the snapshot's watcher thread,
        every ``check_interval`` seconds, while queries go on.
        """
        if force or self.snapshots.check_interval == 0:  # 0: every request sees the store as it is now
            self.snapshots.refresh(wait=True)
        else:
            self.snapshots.poll()

    def _retire(self, generation: int, change: snapshot.Change | None) -> None:
        """After the snapshot changed: bring the workers to the new state, or replace them.

        A change made in place (``change``) is sent to the idle workers,
        which apply it to their own copy: half of them side by side while the
        others answer from the old state, then the switch, then the rest one
        at a time (a request that takes one of those first waits for it to
        apply the change). No worker is forked, which would stop the app's
        every thread while the kernel copies its memory map. After a whole new snapshot (``change`` None) workers of the new
        one are forked first while the old ones keep answering, then the old
        ones stop.
        """
        if change is None:
            self._replace_workers(generation)
            return
        with self._lock:
            self._changes[generation] = change
            low = min((w.generation for w in self._idle + list(self._busy)), default=generation)
            for old in [g for g in self._changes if g <= low]:
                del self._changes[old]
            lagging = [w for w in self._idle if w.generation < generation]
            first = lagging[:max(1, len(lagging) // 2)]  # the others keep answering from the old state
            for worker in first:
                self._idle.remove(worker)
                self._busy.add(worker)
            sent = [(worker, self._pending(worker, generation)) for worker in first]
        ready = catch_up_all(sent, generation)  # the workers apply it side by side
        with self._lock:  # the switch: queries from now on see the change
            self._serving = max(self._serving, generation)
            for worker in first:
                self._busy.discard(worker)
                if worker in ready:
                    self._idle.append(worker)
            self._lock.notify_all()
        for worker in first:
            if worker not in ready:
                worker.kill()
        while True:  # the rest, one at a time; a query takes one of them only when no caught-up one is free
            with self._lock:
                lagging = [w for w in self._idle if w.generation < self._serving]
                if not lagging:
                    break
                worker = lagging[0]
                self._idle.remove(worker)
                self._busy.add(worker)
                changes, target = self._pending(worker), self._serving
            self._release(worker, catch_up(worker, changes, target))
        self._renew_drifted()

    def _renew_drifted(self) -> None:
        """Fork afresh the idle worker with the most memory of its own if that passes ``drift`` of the app's RSS and
        ``drift_floor`` (a fresh fork shares the pages again; one at most: a fork stops the app's threads a moment)."""
        with self._lock:
            idle = [w for w in self._idle if w.generation >= self._serving]
        own, drifted = max(((private_bytes(w.pid), w) for w in idle), key=lambda pair: pair[0], default=(0, None))
        if drifted is None or own <= max(self.drift * resident_bytes(os.getpid()), self.drift_floor):
            return
        with self._lock:
            if drifted not in self._idle:
                return  # taken by a query meanwhile: another time
            self._idle.remove(drifted)
            self._busy.add(drifted)
        fresh = None
        try:
            with self._fork_lock:
                fresh = self._fork(drifted.federating)
            self._ready(fresh)
        except (WorkerFailed, OSError) as error:
            log.warning("could not fork a query worker afresh: %s", error)
            fresh = None
        with self._lock:
            self._busy.discard(drifted)
            self._idle.append(fresh or drifted)
            self._lock.notify_all()
        if fresh is not None:
            drifted.kill()

    def _replace_workers(self, generation: int) -> None:
        """Fork workers of a whole new snapshot, then switch to them (see ``_retire``)."""
        with self._lock:
            self._changes.clear()
            wanted = [w.federating for w in self._idle if w.generation < generation]
        for federating in wanted[:self.size]:
            with self._fork_lock:
                worker = self._fork(federating)
            try:
                self._ready(worker)
            except WorkerFailed as error:
                log.warning("could not fork a query worker ahead of time: %s", error)
                break
            with self._lock:
                self._idle.append(worker)
        with self._lock:
            self._serving = generation
            stale = [w for w in self._idle if w.generation < self._serving]
            self._idle = [w for w in self._idle if w.generation >= self._serving]
            self._trim()
            self._lock.notify_all()
        for worker in stale:
            worker.kill()

    def _pending(self, worker: Worker, target: int | None = None) -> list | None:
        """The changes that bring ``worker`` to generation ``target`` (default: the served one); None if
        it cannot be (call with the lock held)."""
        missing = range(worker.generation + 1, (self._serving if target is None else target) + 1)
        if any(g not in self._changes for g in missing):
            return None
        return [self._changes[g] for g in missing]

    def graphs(self) -> frozenset[str]:
        """The named graphs of the current snapshot."""
        self.refresh()
        return self.snapshots.graphs

    # -- running queries -----------------------------------------------------

    def run(self, request: dict, *, timeout: float) -> dict:
        """Run ``request`` (see ``kg.web.results.execute``) within ``timeout`` seconds.

        A plain worker runs it first; if it calls an allowlisted SERVICE, a
        federating worker runs it again within the same deadline. Raises
        QueryTimeout at the deadline (the worker is killed), Busy if no worker
        became free in time, WorkerFailed if the worker died or could not be
        sandboxed.
        """
        self.prepare()   # the first snapshot is loaded here: not part of the query's time limit
        deadline = time.monotonic() + timeout
        answer = self._run_on(False, request, deadline, timeout)
        if answer.get("error") == FEDERATE:
            if self._relay is None:
                return {"ok": False, "error": "refused", "message": "this endpoint allows no SERVICE calls"}
            answer = self._run_on(True, {**request, "federated": True, "union": answer["union"]}, deadline, timeout)
        return answer

    def _run_on(self, federating: bool, request: dict, deadline: float, timeout: float) -> dict:
        worker = self._acquire(federating, deadline)
        healthy = False
        try:
            try:
                worker.conn.send(request)
                if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    raise QueryTimeout(f"the query did not finish within its time limit of {timeout:g} s")
                answer = worker.conn.recv()
            except (EOFError, OSError):
                worker.kill()
                if worker.died_of_memory():
                    limit = self._sandbox["memory"] // (1024 * 1024)
                    raise WorkerFailed(f"the query needed more memory than its limit of {limit} MB") from None
                raise WorkerFailed("the query stopped unexpectedly (it may have needed too much memory)") from None
            healthy = True
            return answer
        finally:
            self._release(worker, healthy)

    def _acquire(self, federating: bool, deadline: float) -> Worker:
        """A worker of the served generation: an idle one (brought up to date if it lags), else a new one."""
        while True:
            with self._lock:
                worker, changes, target = self._take(federating, deadline)
            if worker is None:
                break
            if catch_up(worker, changes, target):
                return worker
            self._release(worker, False)
        worker = None
        try:
            with self._fork_lock:  # forked outside the pool's lock: requests go on taking idle workers
                worker = self._fork(federating)
        finally:
            with self._lock:
                self._forking[federating] -= 1
                if worker is not None:
                    self._busy.add(worker)
                    self._trim()
                self._lock.notify_all()
        try:
            return self._ready(worker)
        except WorkerFailed:
            with self._lock:
                self._busy.discard(worker)
                self._lock.notify_all()
            raise

    def _take(self, federating: bool, deadline: float) -> tuple:
        """An idle worker with the changes it lacks and their generation, or (None, ...) when one
        may be forked (call with the lock held; waits for a free worker until ``deadline``)."""
        while True:
            usable = [w for w in self._idle if w.federating == federating
                      and (w.generation >= self._serving or self._pending(w) is not None)]
            if usable:
                worker = max(usable, key=lambda w: w.generation)
                self._idle.remove(worker)
                self._busy.add(worker)
                return worker, self._pending(worker), self._serving
            running = sum(1 for w in self._busy if w.federating == federating) + self._forking[federating]
            if running < self.size:
                self._forking[federating] += 1
                return None, None, None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Busy("all query workers are busy; try again shortly")
            self._lock.wait(remaining)

    def _fork(self, federating: bool) -> Worker:
        """Fork a worker from the current snapshot (call with the fork lock held)."""
        return Worker(self.snapshots.store, self.snapshots.generation, federating, self._sandbox,
                      self._relay if federating else None)

    def _ready(self, worker: Worker) -> Worker:
        """Wait for a forked worker to start (without the lock); refuse one the kernel would not sandbox."""
        worker.handshake()
        if not worker.isolated:
            if self.require_isolation or worker.federating:
                worker.kill()
                raise WorkerFailed("query workers cannot be cut off from the network on this machine "
                                   "(the kernel refuses network namespaces), so no query is run")
            if not self._warned:
                self._warned = True
                log.warning("query workers could not be cut off from the network (no unshare); "
                            "SERVICE calls are not contained")
        return worker

    def _trim(self) -> None:
        """Keep at most ``size`` idle workers of each kind, the newest (call with the lock held)."""
        for federating in (False, True):
            kind = sorted((w for w in self._idle if w.federating == federating), key=lambda w: -w.generation)
            for worker in kind[self.size:]:
                self._idle.remove(worker)
                worker.kill()

    def _release(self, worker: Worker, healthy: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            keep = healthy and self._pending(worker) is not None
            if keep:
                self._idle.append(worker)
                self._trim()
            self._lock.notify_all()
        if not keep:
            if healthy:  # only of an older snapshot it cannot catch up with: the answer need not wait for the process
                threading.Thread(target=worker.kill, name="pmkg-retire", daemon=True).start()
            else:
                worker.kill()

    def close(self) -> None:
        """Stop every worker (the app's end; workers also exit when their pipe closes)."""
        self.snapshots.close()
        with self._lock:
            workers, self._idle = self._idle + list(self._busy), []
            self._busy.clear()
        for worker in workers:
            worker.kill()

    def warm(self) -> None:
        """Fork one plain worker ahead of the first query."""
        self.refresh()
        self._release(self._acquire(False, time.monotonic() + 10), True)

    def current_snapshot(self) -> Store:
        """The in-memory snapshot now served (loaded if needed)."""
        self.refresh()
        return self.snapshots.store
