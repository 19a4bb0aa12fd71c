"""The change log beside a store: which named graphs each write may have changed.

Every write through ``kg.store.Store`` to a store folder appends one line to
``pmkg-changes`` in that folder *before* its transaction starts: a JSON list
of the graph IRIs it touches (``null`` for the default graph), or ``"*"`` when
it cannot tell (an arbitrary SPARQL update, a load of quads). Because it is
written ahead, a line may name a graph whose write then failed or was never
committed; a reader that re-reads the graphs a line names is never wrong.

The web app (``kg.web.snapshot``) reads the lines added since it last looked
and updates only those graphs of its in-memory snapshot. It reads while it
holds the store's shared lock, so no writer is appending meanwhile.

The first line names the log (a random id). A writer that finds the log over
``LIMIT`` bytes starts a new one with a new id; a reader whose position
belongs to another log, or lies past its end, re-reads everything, as it
does for a line it cannot parse (a write cut short by a crash).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.errors import StoreError

LOG = "pmkg-changes"
ALL = "*"
LIMIT = 1 << 20

Position = tuple[str, int]  # (log id, byte offset read up to)


def record(folder: Path, graphs: Iterable[str | None] | None) -> None:
    """Note that a write is about to change ``graphs`` (None: it cannot tell which)."""
    path = Path(folder) / LOG
    line = ALL if graphs is None else list(dict.fromkeys(graphs))
    try:
        size = path.stat().st_size if path.exists() else 0
        if size == 0 or size > LIMIT:
            _start(path)
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(line) + "\n")
    except OSError as error:
        raise StoreError(f"cannot write the store's change log {path}: {error}") from None


def _start(path: Path) -> None:
    """Replace the log by an empty one with a new id (atomically: a reader sees one or the other)."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(json.dumps({"log": uuid.uuid4().hex}) + "\n", encoding="utf-8")
    os.replace(fresh, path)


def read(folder: Path, position: Position | None) -> tuple[Position | None, set[str | None] | None]:
    """The graphs changed since ``position``, and the position to give next time.

    The set is None when the changes cannot be told: no log, another log than
    the one ``position`` belongs to, a position past the end, an unreadable
    line, or a write that did not say which graphs it touched.
    """
    path = Path(folder) / LOG
    try:
        with open(path, "rb") as log:
            first = log.readline()
            try:
                log_id = json.loads(first)["log"]
            except (ValueError, TypeError, KeyError):
                return None, None
            end = log.seek(0, os.SEEK_END)
            if position is None or position[0] != log_id or not len(first) <= position[1] <= end:
                return (log_id, end), None
            log.seek(position[1])
            added = log.read(end - position[1])
    except OSError:
        return None, None
    graphs: set[str | None] = set()
    for line in added.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            return (log_id, end), None
        if not isinstance(item, list) or not all(g is None or isinstance(g, str) for g in item):
            return (log_id, end), None
        graphs.update(item)
    return (log_id, end), graphs


def graph_key(node) -> str | None:
    """A quad's graph as the change log names it (None: default graph; ALL for a blank node)."""
    if isinstance(node, ox.DefaultGraph):
        return None
    return node.value if isinstance(node, ox.NamedNode) else ALL
