"""Loading big RDF files with pyoxigraph's bulk loader, without ever showing half a file.

pyoxigraph's bulk loader (``Store.bulk_load``) writes sorted files straight
into the database: several times faster than a transaction and with bounded
memory, but it is not atomic (Oxigraph's documentation: if it fails in the
middle, only part of the data may be written). pmkg keeps its promises
around it in three steps:

1. ``check(path, fmt)`` parses the whole file first, writing nothing, and
   returns the named graphs it holds: a malformed file is refused before the
   store is touched.
2. ``load(...)`` writes a journal (``bulk-load.json`` in the store folder,
   written to a temporary name, synced and renamed) naming the file and every
   graph it will write, then empties those graphs, bulk-loads the file and
   removes the journal once the data are flushed to disk.
3. A crash between the two leaves the journal behind. The next writer to
   open the store (``recover``) removes every graph the journal names, so
   the file's graphs are absent (never half-written), and removes the
   journal; a reader that finds a journal refuses to open the store
   (``refuse_if_interrupted``) until a writer has done so. While the load
   runs, the loader holds the store's exclusive lock, so no reader sees it.

Line-based files (N-Triples, N-Quads) are cut into ``parts`` at line ends,
one per core, each loaded by a loader of its own in a thread (pyoxigraph
lets go of the GIL while it loads): parsing, which one loader does on one
core, then runs on all of them. A file is
cut only where no blank-node label is used on both sides of a cut (each
load gives its blank nodes fresh names, so a label shared across parts
would become two nodes); otherwise it stays whole.

``write(...)`` puts graphs pmkg computed itself (the cases after a full
recompute, ``kg.cases.write``) through the same journal and bulk loader:
after a crash they are removed, and ``recover`` lists them in ``bulk-stale.json``
(``stale``) until the caller has computed them again (``clear_stale``).

This module works on pyoxigraph stores and paths only (``kg.store`` calls it).
"""

from __future__ import annotations

import io
import json
import mmap
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import changelog
from kg.errors import PmkgError, RdfSyntaxError, StoreError

JOURNAL = "bulk-load.json"
STALE = "bulk-stale.json"   # computed graphs a roll-back removed, to be computed again
LINE_BASED = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
MAX_PARTS = 8
MIN_PART = 16 << 20          # bytes: a smaller part is not worth a loader of its own
MAX_LABELS = 1_000_000       # blank-node labels tracked to place the cuts; beyond, a file is loaded whole
BATCH_QUADS = 1_000_000      # quads in a batch of Oxigraph's bulk loader (DEFAULT_BULK_LOAD_BATCH_SIZE)
_BLANK = re.compile(rb'_:([^\s<>"]+)')   # a blank-node label, perhaps with a trailing "." (stripped)


@dataclass
class Checked:
    """What a parse of a whole file found: its named graphs' IRIs, its quads, those in the default graph."""

    graphs: set[str]
    quads: int
    default_quads: int
    parts: list[tuple[int, int]] = field(default_factory=list)   # byte ranges to load side by side


def parts(path: Path, fmt: ox.RdfFormat, *, count: int | None = None, min_part: int = MIN_PART,
          quads: int | None = None) -> list[tuple[int, int]]:
    """Byte ranges of the file to load side by side: ``count`` of them (default: one per core) or fewer.

    Only line-based formats are cut, each cut after a line end, each part
    about ``min_part`` bytes or more, and never between two uses of one
    blank-node label: a cut that would fall there moves on past the label's
    last use. The labels are looked for in the raw bytes, so a "_:" inside a
    literal may move a cut (or keep the file whole), never let a label cross.
    A file of more than ``count`` batches of the bulk loader (``quads``, as
    ``check`` counted them) is left whole: one loader already works on
    several batches at once there, and each loader holds its own batches in
    memory (two loaders of a 4M-quad file peaked at 2.9 GB, one at 1.6 GB).
    """
    size = path.stat().st_size
    count = min(count or os.cpu_count() or 1, MAX_PARTS, size // min_part if min_part else MAX_PARTS)
    if quads is not None and quads > count * BATCH_QUADS:
        count = 1
    if fmt not in LINE_BASED or count < 2:
        return [(0, size)]
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        zones = _label_spans(data)
        if zones is None:
            return [(0, size)]
        cuts = [0]
        for i in range(1, count):
            cut = _line_end(data, max(size * i // count, cuts[-1] + 1))
            for first, last in zones:   # sorted and merged: move past each one the cut falls in
                if first < cut <= last:
                    cut = _line_end(data, last)
            if cut < size:
                cuts.append(cut)
        cuts.append(size)
    return list(zip(cuts, cuts[1:]))


def _line_end(data: mmap.mmap, at: int) -> int:
    """Where the line holding byte ``at`` ends (after its newline), or the end of ``data``."""
    end = data.find(b"\n", at)
    return len(data) if end < 0 else end + 1


def _label_spans(data: mmap.mmap) -> list[tuple[int, int]] | None:
    """From each blank-node label's first use to its last, overlapping spans merged; None: too many to track."""
    first: dict[bytes, int] = {}
    last: dict[bytes, int] = {}
    at = data.find(b"_:")
    while at >= 0:   # a find per use: fast where blank nodes are few, as in pmkg's own files
        if len(last) > MAX_LABELS:
            return None
        found = _BLANK.match(data, at)
        label = found.group(1).rstrip(b".") if found else b""
        first.setdefault(label, at)
        last[label] = at
        at = data.find(b"_:", at + 2)
    zones: list[tuple[int, int]] = []
    for start, end in sorted((first[label], last[label]) for label in last):
        if zones and start <= zones[-1][1]:
            zones[-1] = (zones[-1][0], max(end, zones[-1][1]))
        else:
            zones.append((start, end))
    return zones


def check(path: Path, fmt: ox.RdfFormat, label: str, *, base_iri: str | None = None,
          count: int | None = None, min_part: int = MIN_PART) -> Checked:
    """Parse the whole file, keeping nothing but graph names and counts, and find its ``parts``.

    Raises a one-line ``PmkgError`` for a malformed or unreadable file, and
    for a graph named by a blank node (pmkg names every graph by an IRI).
    """
    found = _parse_all(path, fmt, label, base_iri)
    try:
        found.parts = parts(path, fmt, count=count, min_part=min_part, quads=found.quads)
    except OSError as error:
        raise PmkgError(f"{path}: cannot read: {error}") from None
    return found


def _parse_all(path: Path, fmt: ox.RdfFormat, label: str, base_iri: str | None) -> Checked:
    graphs: set[str] = set()
    count = in_default = 0
    last, in_default_graph = None, False
    try:
        for quad in ox.parse(path=str(path), format=fmt, base_iri=base_iri):
            count += 1
            graph = quad.graph_name
            if graph != last:   # files hold their graphs in runs: look at each run once
                last, in_default_graph = graph, isinstance(graph, ox.DefaultGraph)
                if not in_default_graph:
                    if not isinstance(graph, ox.NamedNode):
                        raise PmkgError(f"{path}: a graph is named by the blank node {graph}; name graphs by IRIs")
                    graphs.add(graph.value)
            if in_default_graph:
                in_default += 1
    except SyntaxError as error:
        raise RdfSyntaxError(f"{path}: malformed {label}: {error.msg}") from None
    except (OSError, ValueError) as error:
        raise PmkgError(f"{path}: cannot read: {error}") from None
    return Checked(graphs, count, in_default)


def load(store: ox.Store, folder: Path | None, path: Path, fmt: ox.RdfFormat, *, to_graph: str,
         replace: Iterable[str], base_iri: str | None = None, ranges: list[tuple[int, int]] | None = None) -> None:
    """Empty the graphs ``replace``, then add the content of the file at ``path`` through the bulk loader.

    Triples (and default-graph quads) go into ``to_graph``; its named
    graphs (those ``check`` found) should be in ``replace``, and so should
    ``to_graph`` unless the caller emptied it already. With ``ranges`` (the
    ``parts`` that ``check`` returned), each is loaded by a loader of its
    own, side by side. The file should have passed ``check``; if loading
    fails anyway, every graph it writes is removed and a ``PmkgError`` says so.
    """
    graphs = sorted(set(replace) | {to_graph})
    journal = None if folder is None else folder / JOURNAL
    if journal is not None:
        _write_journal(journal, {"file": str(path), "graphs": graphs})
    try:
        _remove_graphs(store, sorted(set(replace)))
        _load_parts(store, path, fmt, base_iri, ox.NamedNode(to_graph), ranges or [])
        store.flush()
    except (OSError, SyntaxError, ValueError) as error:
        _remove_graphs(store, graphs)
        store.flush()
        if journal is not None:
            journal.unlink(missing_ok=True)
        raise PmkgError(f"{path}: bulk load failed, its graphs were removed: {error}") from None
    if journal is not None:
        journal.unlink(missing_ok=True)


def _load_parts(store: ox.Store, path: Path, fmt: ox.RdfFormat, base_iri: str | None, to_graph: ox.NamedNode,
                ranges: list[tuple[int, int]]) -> None:
    """Bulk-load the whole file, or each of several ranges in a thread of its own; raise the first error."""
    if len(ranges) < 2:
        store.bulk_load(path=str(path), format=fmt, base_iri=base_iri, to_graph=to_graph)
        return
    errors: list[Exception] = []

    def one(span: tuple[int, int]) -> None:
        try:
            with io.BufferedReader(_Span(path, *span), 1 << 20) as source:
                store.bulk_load(input=source, format=fmt, base_iri=base_iri, to_graph=to_graph)
        except (OSError, SyntaxError, ValueError) as error:
            errors.append(error)

    # Daemon threads: an interrupted run exits at once, leaving the journal for the next writer to roll back.
    threads = [threading.Thread(target=one, args=(span,), name=f"pmkg-bulk-{i}", daemon=True)
               for i, span in enumerate(ranges)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


class _Span(io.RawIOBase):
    """The bytes ``start`` to ``end`` of a file, as a readable stream."""

    def __init__(self, path: Path, start: int, end: int):
        super().__init__()
        self._file = open(path, "rb", buffering=0)
        self._file.seek(start)
        self._left = end - start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        n = self._file.readinto(memoryview(buffer)[:min(len(buffer), self._left)]) or 0
        self._left -= n
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def write(store: ox.Store, folder: Path | None, graphs: dict[str, list[ox.Triple]], what: str,
          meanwhile: Callable[[], None] | None = None) -> None:
    """Replace each graph of ``graphs`` by its triples through the bulk loader, under the journal.

    For graphs that can be computed again from the others (``what`` names
    them in the journal and in the notice of a roll-back): a crash leaves
    them absent, never half-written. ``meanwhile`` runs once they are
    removed (e.g. a transaction on a graph that must agree with them).
    """
    names = sorted(graphs)
    journal = None if folder is None else folder / JOURNAL
    if journal is not None:
        _write_journal(journal, {"file": what, "graphs": names, "computed": True})
    try:
        _remove_graphs(store, names)
        if meanwhile is not None:
            meanwhile()
        for name in names:
            if graphs[name]:
                data = ox.serialize(graphs[name], format=ox.RdfFormat.N_TRIPLES)
                store.bulk_load(input=data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
        store.flush()
    except (OSError, ValueError) as error:
        _remove_graphs(store, names)
        store.flush()
        if journal is not None:
            _write_journal(folder / STALE, {"graphs": sorted(stale(folder) | set(names))})
            journal.unlink(missing_ok=True)
        raise PmkgError(f"writing {what} failed, the graphs were removed: {error}") from None
    if journal is not None:
        journal.unlink(missing_ok=True)


def recover(store: ox.Store, folder: Path, say: Callable[[str], None] | None = None) -> None:
    """Roll back a bulk load that a crash interrupted: remove the graphs its journal names."""
    journal = folder / JOURNAL
    if not journal.exists():
        return
    entry = _read_journal(journal)
    changelog.record(folder, entry["graphs"])  # the web app reads only these graphs again
    if entry["computed"]:  # noted before they go, so a crash now still leaves them to compute again
        _write_journal(folder / STALE, {"graphs": sorted(stale(folder) | set(entry["graphs"]))})
    _remove_graphs(store, entry["graphs"])
    store.flush()
    journal.unlink()
    if say is not None:
        again = "the next ingest computes them again" if entry["computed"] else "ingest the file again"
        say(f"pmkg: rolled back an interrupted bulk load of {entry['file']}: removed its "
            f"{len(entry['graphs'])} graph(s); {again}")


def stale(folder: Path | None) -> set[str]:
    """The computed graphs a roll-back removed and nobody has computed again since."""
    path = None if folder is None else folder / STALE
    if path is None or not path.exists():
        return set()
    return set(_read_journal(path)["graphs"])


def clear_stale(folder: Path | None) -> None:
    """Forget the stale graphs: the caller has computed them again."""
    if folder is not None:
        (folder / STALE).unlink(missing_ok=True)


def refuse_if_interrupted(folder: Path) -> None:
    """For readers: a one-line ``StoreError`` if a bulk load was interrupted and not yet rolled back."""
    journal = folder / JOURNAL
    if journal.exists():
        entry = _read_journal(journal)
        raise StoreError(f"store {folder} has an interrupted bulk load of {entry['file']}; open it for writing "
                         f"once (e.g. `pmkg init --store {folder}`) to roll it back")


def _remove_graphs(store: ox.Store, graphs: Iterable[str]) -> None:
    """Remove each graph that exists, one transaction each (memory stays that of one graph)."""
    for iri in graphs:
        node = ox.NamedNode(iri)
        if store.contains_named_graph(node):
            store.remove_graph(node)


def _write_journal(journal: Path, entry: dict) -> None:
    partial = journal.with_name(journal.name + ".new")
    with open(partial, "w", encoding="utf-8") as out:
        json.dump(entry, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, journal)
    _sync_folder(journal.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_journal(journal: Path) -> dict:
    try:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        if not isinstance(entry.get("graphs"), list) or not all(isinstance(g, str) for g in entry["graphs"]):
            raise ValueError("no list of graphs")
        return {"file": str(entry.get("file", "?")), "graphs": entry["graphs"], "computed": entry.get("computed") is True}
    except (OSError, ValueError, AttributeError) as error:
        raise StoreError(f"cannot read the bulk-load journal {journal}: {error}") from None
