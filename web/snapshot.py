"""The in-memory snapshot the web app serves, kept in step with the store without a freeze.

Queries run on an in-memory copy of the store (about 2-5x faster than the
on-disk store for the heavier saved queries), shared copy-on-write with the
query workers forked from the app (``kg.web.executor``). When the store
folder changes (checked every ``check_interval`` seconds, in the background,
by a thread started with the first request), that thread brings the snapshot
up to date while requests keep being answered from it:

* **only the changed graphs**: every write through ``kg.store.Store`` notes
  the graphs it changes in the store's change log (``kg.changelog``). The
  thread opens the store read-only (the shared lock: never while a writer
  holds it), reads those graphs, releases the store, and works out which
  quads differ (``diff``, reading the snapshot while requests go on). It
  then applies them (``apply``) holding only the fork lock, for the few
  milliseconds that takes, so no worker is forked from a half-updated
  snapshot, and hands the same ``Change`` to the executor, whose workers
  apply it to their own copy-on-write view before their next query (a query
  in flight finishes on the old data). Nothing is copied and nothing is
  forked, so the app's memory does not grow from one refresh to the next
  beyond the new data and what pyoxigraph keeps of replaced quads (its
  in-memory store is versioned). Each change unshares the pages it touches
  between the app and its workers, though: the executor forks afresh a
  worker that has drifted too far (``Executor._renew_drifted``).
* **a whole new copy** when the change log cannot say what changed (no log,
  a write that did not say, a write made outside pmkg), and after many
  quads were replaced in place (``compact_at`` of the snapshot's size), to
  give that memory back: the store (or the snapshot, to compact it) is
  copied through an N-Quads file that pyoxigraph writes and reads without
  holding the GIL, and the new copy replaces the old one at once (its
  workers are forked first, the old ones then retired). The old copy is
  freed when the last request using it ends (``live_snapshots`` counts
  them). (A RocksDB checkpoint would release the store sooner, but one
  taken from a read-only opening leaves out the write-ahead log.)
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import changelog
from kg.errors import PmkgError, StoreError
from kg.store import Store, memory_copy

log = logging.getLogger(__name__)
_LIVE: weakref.WeakSet = weakref.WeakSet()


def live_snapshots() -> int:
    """How many snapshots made by this module are still in memory (after a garbage collection)."""
    gc.collect()
    return len(_LIVE)


def store_signature(path: Path) -> tuple | None:
    """Changes whenever the store folder's files change; None if it cannot be read now."""
    try:
        stats = [os.stat(path)] + [entry.stat() for entry in os.scandir(path)]
    except OSError:
        return None
    return (len(stats), max(s.st_mtime_ns for s in stats), sum(s.st_size for s in stats))


@dataclass
class Change:
    """What turns one generation of the snapshot into the next: quads to add, then to remove, then
    named graphs to declare (``make``) or drop (``drop``, only graphs left empty)."""

    add: list[ox.Quad] = field(default_factory=list)
    remove: list[ox.Quad] = field(default_factory=list)
    make: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.add) + len(self.remove)


def diff(target: ox.Store, fresh: dict) -> Change:
    """The change that makes each graph of ``target`` hold exactly the quads in ``fresh``.

    ``fresh``: graph (None: the default graph) -> (its quads on disk, whether
    the graph exists there). ``target`` is only read: this runs while workers
    may be forked from it.
    """
    change = Change()
    for graph, (quads, exists) in fresh.items():
        node = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        old = set(target.quads_for_pattern(None, None, None, node))
        new = set(quads)
        change.add += new - old
        change.remove += old - new
        if graph is not None:
            if exists:
                change.make.append(graph)
            elif not new:
                change.drop.append(graph)
    return change


def apply(target: ox.Store, change: Change) -> None:
    """Apply ``change`` to ``target`` (the app's snapshot, or a worker's copy of it).

    The new quads are added in one transaction, then the old ones removed: a
    reader in between sees both, never a graph missing.
    """
    target.extend(change.add)
    for quad in change.remove:
        target.remove(quad)
    for graph in change.make:
        target.add_graph(ox.NamedNode(graph))
    for graph in change.drop:
        target.remove_graph(ox.NamedNode(graph))


class Snapshots:
    """The snapshot served now (``store``, ``graphs``, ``generation``) and how it follows the disk.

    ``fork_lock``: held while the snapshot changes in place (the executor
    forks workers only while holding it); ``on_switch(generation, change)``:
    called after each switch, without the lock, with the ``Change`` applied in
    place (workers can apply it too) or None for a whole new snapshot.
    """

    def __init__(self, path: Path, *, check_interval: float, fork_lock, on_switch, compact_at: float = 0.25):
        self.path = Path(path)
        self.check_interval = check_interval
        self.compact_at = compact_at
        self._fork_lock = fork_lock
        self._on_switch = on_switch
        self._refreshing = threading.Lock()
        self._starting = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.store: Store | None = None
        self.graphs: frozenset[str] = frozenset()
        self.generation = 0
        self._signature = None
        self._position = None
        self._size = 0
        self._churn = 0

    def poll(self) -> None:
        """From a request: load the first snapshot now; make sure the watcher thread runs."""
        if self.store is None:
            self.refresh(wait=True)
        with self._starting:
            if self._closed.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._watch, name="pmkg-snapshot", daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        """Every ``check_interval`` seconds, bring the snapshot up to date (until ``close``)."""
        while not self._closed.wait(max(self.check_interval, 0.05)):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a failed refresh keeps the old snapshot; the next one tries again
                log.exception("the snapshot could not be refreshed; still serving the previous one")

    def close(self) -> None:
        """Stop the watcher thread (the snapshot stays readable)."""
        self._closed.set()

    def refresh(self, *, wait: bool = False) -> None:
        """Bring the snapshot up to date (``wait``: even if another refresh must finish first)."""
        if not self._refreshing.acquire(blocking=wait or self.store is None):
            return
        try:
            self._update()
        finally:
            self._refreshing.release()

    def _update(self) -> None:
        signature = store_signature(self.path)
        if self.store is not None and (signature is None or signature == self._signature):
            return
        try:
            disk = Store(self.path, read_only=True)
        except StoreError:
            if self.store is None:
                raise
            return  # in use by a writer: keep serving this snapshot, try again later
        try:
            position, changed = changelog.read(self.path, self._position)
            if self.store is None or not changed:  # not told, or changed outside pmkg's writers
                self._replace(disk.snapshot(), signature, position)
                return
            try:
                fresh = {g: (disk.graph_quads(g), g is None or disk.contains_graph(g)) for g in changed}
            except PmkgError:  # a name in the log that is not an IRI: it cannot be trusted
                self._replace(disk.snapshot(), signature, position)
                return
        finally:
            disk.close()
        target = self.store._open()
        change = diff(target, fresh)  # outside the lock: only reads the snapshot
        graphs = set(self.graphs)
        graphs.update(change.make)
        graphs.difference_update(g for g, (_, exists) in fresh.items() if g is not None and not exists)
        with self._fork_lock:  # short: no worker is forked from a half-changed snapshot
            apply(target, change)
            self.graphs = frozenset(graphs)
            self._signature, self._position = signature, position
            self.generation += 1
            generation = self.generation
        self._churn += len(change)
        self._on_switch(generation, change)
        if self._churn > self.compact_at * max(self._size, 1):
            self._replace(memory_copy(target), signature, position)

    def _replace(self, snapshot: Store, signature, position) -> None:
        """Serve ``snapshot`` from now on; the old one goes when its last user lets go."""
        _LIVE.add(snapshot)
        graphs = frozenset(snapshot.named_graphs())
        size = len(snapshot)
        with self._fork_lock:
            self.store, self.graphs = snapshot, graphs
            self._signature, self._position = signature, position
            self._size, self._churn = size, 0
            self.generation += 1
            generation = self.generation
        self._on_switch(generation, None)
