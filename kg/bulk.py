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

``write(...)`` puts graphs pmkg computed itself (the cases after a full
recompute, ``kg.cases.write``) through the same journal and bulk loader:
after a crash they are removed, and ``recover`` lists them in ``bulk-stale.json``
(``stale``) until the caller has computed them again (``clear_stale``).

This module works on pyoxigraph stores and paths only (``kg.store`` calls it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import changelog
from kg.errors import PmkgError, RdfSyntaxError, StoreError

JOURNAL = "bulk-load.json"
STALE = "bulk-stale.json"   # computed graphs a roll-back removed, to be computed again


@dataclass
class Checked:
    """What a parse of a whole file found: its named graphs' IRIs, its quads, those in the default graph."""

    graphs: set[str]
    quads: int
    default_quads: int


def check(path: Path, fmt: ox.RdfFormat, label: str, *, base_iri: str | None = None) -> Checked:
    """Parse the whole file, keeping nothing but graph names and counts.

    Raises a one-line ``PmkgError`` for a malformed or unreadable file, and
    for a graph named by a blank node (pmkg names every graph by an IRI).
    """
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
         replace: Iterable[str], base_iri: str | None = None) -> None:
    """Empty the graphs ``replace``, then add the content of the file at ``path`` through the bulk loader.

    Triples (and default-graph quads) go into ``to_graph``; its named
    graphs (those ``check`` found) should be in ``replace``, and so should
    ``to_graph`` unless the caller emptied it already. The file should have
    passed ``check``; if loading fails anyway, every graph it writes is
    removed and a ``PmkgError`` says so.
    """
    graphs = sorted(set(replace) | {to_graph})
    journal = None if folder is None else folder / JOURNAL
    if journal is not None:
        _write_journal(journal, {"file": str(path), "graphs": graphs})
    try:
        _remove_graphs(store, sorted(set(replace)))
        store.bulk_load(path=str(path), format=fmt, base_iri=base_iri, to_graph=ox.NamedNode(to_graph))
        store.flush()
    except (OSError, SyntaxError, ValueError) as error:
        _remove_graphs(store, graphs)
        store.flush()
        if journal is not None:
            journal.unlink(missing_ok=True)
        raise PmkgError(f"{path}: bulk load failed, its graphs were removed: {error}") from None
    if journal is not None:
        journal.unlink(missing_ok=True)


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
