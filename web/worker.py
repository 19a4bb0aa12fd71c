"""One query worker: a process forked from the app, sandboxed, answering over a pipe (see ``kg.web.executor``)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing import Pipe
from pathlib import Path

from kg.errors import PmkgError
from kg.store import Store
from kg.web import sandbox, snapshot
from kg.web.relay import Relay
from kg.web.results import execute

log = logging.getLogger("kg.web.executor")  # the pool's messages, wherever they are logged from


def private_bytes(pid: int) -> int:
    """The memory of process ``pid`` that it shares with no other (0 if it cannot be read)."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return 0
    return 1024 * sum(int(line.split()[1]) for line in lines if line.startswith(("Private_Clean:", "Private_Dirty:")))


def resident_bytes(pid: int) -> int:
    """The resident memory (RSS) of process ``pid`` (0 if it cannot be read)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class WorkerFailed(PmkgError):
    """The worker died while running the query (e.g. out of memory), or could not be started."""


def _exit_with(parent: int) -> None:
    """End this worker if the app process goes away, even in the middle of a query."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _serve(conn, store: Store, parent: int, settings: dict) -> None:
    """The worker's loop: one request in, one answer out, until the pipe closes."""
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))  # deeply nested queries can be checked
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if "catch_up" in request:  # the snapshot changed in the app: apply the same changes here
            for change in request["catch_up"]:
                snapshot.apply(store._open(), change)
            conn.send({"ok": True})
            continue
        conn.send(execute(store, {**settings, **request}))


def _sandbox(theirs, federating: bool, sandbox_settings: dict) -> list:
    """Set the worker's limits; the listening sockets for the relay (federating workers)."""
    sandbox.close_inherited_fds([theirs.fileno()])
    listeners = []
    try:
        sandbox.isolate(mounts=federating)
        if federating:
            listeners = sandbox.open_relay_ports(sandbox_settings["hosts_file"], sandbox_settings["addresses"])
        isolated = True
    except OSError:
        isolated = False
    sandbox.limit_memory(sandbox_settings["memory"])
    theirs.send(isolated)
    if listeners:
        with socket.fromfd(theirs.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as channel:
            socket.send_fds(channel, [b"L"], [s.fileno() for s in listeners])
        for listener in listeners:
            listener.close()
    return listeners


class Worker:
    """One forked worker process and the app's end of its pipe.

    Forked in ``__init__`` (under the executor's fork lock: never from a
    snapshot being changed); ``handshake`` then waits for it to report its
    sandbox, without the lock, so other requests go on while the kernel sets
    the worker up. When the app changes its snapshot in place, ``catch_up``
    sends the worker the same changes for its own copy, so the worker keeps
    serving without being forked again.
    """

    def __init__(self, store: Store, generation: int, federating: bool, sandbox_settings: dict,
                 relay: Relay | None):
        self.generation = generation
        self.federating = federating
        self.relay = relay
        ours, theirs = Pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker
            status = 1
            try:
                ours.close()
                _sandbox(theirs, federating, sandbox_settings)
                _serve(theirs, store, parent, sandbox_settings["execute"])
                status = 0
            except BaseException:  # noqa: BLE001 - a worker must never return into the app's code
                status = 1
            finally:
                os._exit(status)
        theirs.close()
        self.pid = pid
        self.conn = ours
        self.status: int | None = None
        self.isolated = False

    def handshake(self) -> None:
        """Wait (10 s at most) for the worker's report on its sandbox; take its relay sockets."""
        if not self.conn.poll(10):
            self.kill()
            raise WorkerFailed("a query worker did not start")
        try:
            self.isolated = self.conn.recv()
            if self.federating and self.isolated:
                with socket.fromfd(self.conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as channel:
                    channel.settimeout(10)
                    _, fds, _, _ = socket.recv_fds(channel, 1, len(self.relay.addresses()))
                self.relay.attach(self, [socket.socket(fileno=fd) for fd in fds])
        except (EOFError, OSError):
            self.kill()
            raise WorkerFailed("a query worker did not start") from None

    def catch_up(self, changes: list, generation: int) -> None:
        """Apply ``changes`` to the worker's copy of the snapshot (10 s at most): it then serves ``generation``."""
        self.send_changes(changes)
        self.changes_applied(generation)

    def send_changes(self, changes: list) -> None:
        """Send ``changes`` for the worker to apply to its copy (``changes_applied`` waits for it)."""
        try:
            self.conn.send({"catch_up": changes})
        except OSError:
            raise WorkerFailed("a query worker stopped before taking the snapshot's changes") from None

    def changes_applied(self, generation: int) -> None:
        """Wait (10 s at most) until the worker has applied the changes sent: it then serves ``generation``."""
        try:
            if not self.conn.poll(10):
                raise WorkerFailed("a query worker did not take the snapshot's changes in time")
            self.conn.recv()
        except (EOFError, OSError):
            raise WorkerFailed("a query worker stopped while taking the snapshot's changes") from None
        self.generation = generation

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.reap()

    def reap(self) -> None:
        """Wait for the process and remember how it ended; release its relay sockets."""
        try:
            _, status = os.waitpid(self.pid, 0)
            self.status = status
        except ChildProcessError:
            pass
        if self.relay is not None:
            self.relay.detach(self)
        self.conn.close()

    def died_of_memory(self) -> bool:
        """True if the process ended by an abort (what an allocation over RLIMIT_AS leads to)."""
        return (self.status is not None and os.WIFSIGNALED(self.status)
                and os.WTERMSIG(self.status) in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS))


def catch_up_all(sent: list, target: int) -> set:
    """Bring several workers (``(worker, changes)`` pairs) to generation ``target`` at once; those that made it."""
    started = []
    for worker, changes in sent:
        try:
            if changes is not None:
                worker.send_changes(changes)
                started.append(worker)
        except WorkerFailed as error:
            log.warning("%s; it is replaced", error)
    ready = set()
    for worker in started:
        try:
            worker.changes_applied(target)
            ready.add(worker)
        except WorkerFailed as error:
            log.warning("%s; it is replaced", error)
    return ready


def catch_up(worker: Worker, changes: list | None, target: int) -> bool:
    """Bring a worker taken from the pool to generation ``target``; False if it could not be."""
    if not changes:
        return changes is not None
    try:
        worker.catch_up(changes, target)
    except WorkerFailed as error:
        log.warning("%s; it is replaced", error)
        return False
    return True
