"""The lock on a store's marker file: one writer, or any number of readers.

A read-write opening takes an exclusive ``flock`` on the marker file and a
read-only opening a shared one. A writer that finds the store in use waits
for it, up to a deadline (``PMKG_LOCK_WAIT`` seconds, 60 by default, or the
``wait`` it is given), saying once on standard error that it waits; readers
(the web app's snapshot reload, a download) hold the lock only as long as it
takes to copy the store, so a writer never waits for a client's request.
Readers do not wait unless asked to: the web app keeps serving its last
snapshot instead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from kg import config
from kg.errors import StoreError

try:  # POSIX; on other systems stores are not protected against a second process
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

DEFAULT_WAIT = 60.0
POLL = 0.1   # seconds between two tries while waiting


def default_wait() -> float:
    """Seconds a writer waits for a store in use: ``$PMKG_LOCK_WAIT``, else 60."""
    return config.env_number("PMKG_LOCK_WAIT", DEFAULT_WAIT, at_least=0)


def say_waiting(message: str) -> None:
    """The default notice while waiting: one line on standard error."""
    print(message, file=sys.stderr, flush=True)


class Lock:
    """A lock held on a marker file; ``close()`` releases it (twice is harmless)."""

    def __init__(self, handle: BinaryIO, key: str, shared: bool):
        self._handle, self.key, self.shared = handle, key, shared

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()   # closing the file releases the flock
            self._handle = None
            _held[self.key].remove(self.shared)


_held: dict[str, list[bool]] = {}   # marker path -> the locks this process holds on it (shared or not)


def lock(marker: Path, *, shared: bool, wait: float = 0.0,
         on_wait: Callable[[str], None] | None = say_waiting) -> Lock | None:
    """Lock ``marker`` for this process, waiting up to ``wait`` seconds; StoreError if still in use.

    A second opening in this process that would conflict with one it holds
    fails at once: it would only wait for itself.
    """
    if fcntl is None:
        return None
    key = str(Path(marker).resolve())
    mine = _held.setdefault(key, [])
    if mine and not (shared and all(mine)):
        wait = 0.0
    handle = open(marker, "rb")
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + max(0.0, wait)
    told = False
    while True:
        try:
            fcntl.flock(handle, mode)
            mine.append(shared)
            return Lock(handle, key, shared)
        except OSError:
            pass
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            handle.close()
            waited = f" after waiting {wait:g} s" if wait > 0 else ""
            raise StoreError(
                f"store {marker.parent} is in use by another process{waited}"
                f"{'' if shared else ' (or another opening in this process)'}; try again when it has finished"
            )
        if not told and on_wait is not None:
            on_wait(f"store {marker.parent} is in use by another process; waiting up to {wait:g} s for it")
            told = True
        time.sleep(min(POLL, remaining))
