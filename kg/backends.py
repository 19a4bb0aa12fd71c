"""Opening a store: a folder (``kg.store.Store``) or a SPARQL server's URL (``kg.remote_store.RemoteStore``).

Every command opens its store through ``open_store`` and ``create_store``,
so ``--store`` and ``PMKG_STORE`` take either. ``StoreTarget`` is the
``--store`` option's type: a ``Path`` for a folder, a ``str`` for a URL.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg.config import is_url
from kg.namespaces import ONTOLOGY_GRAPH
from kg.store import Store

Target = Path | str


def open_store(target: Target, *, read_only: bool = False, wait: float | None = None, **options) -> Store:
    """The store at ``target``: a folder (must exist) or a SPARQL server."""
    if is_url(target):
        from kg.remote_store import RemoteStore   # httpx is imported only for a server

        return RemoteStore(str(target), read_only=read_only)
    return Store(target, read_only=read_only, wait=wait, **options)


def create_store(target: Target, *, wait: float | None = None) -> Store:
    """Create the store (or upgrade its ontology, shapes and reference data) and return it open."""
    if is_url(target):
        from kg.remote_store import RemoteStore

        return RemoteStore.create(str(target))
    return Store.create(target, wait=wait)


def store_exists(target: Target) -> bool:
    """True if ``target`` is a folder that exists, or a server that holds the ontology graph."""
    if is_url(target):
        from kg.remote_store import RemoteStore

        with RemoteStore(str(target), read_only=True) as store:
            return store.contains_graph(ONTOLOGY_GRAPH)
    return Path(target).exists()


def local_folder(target: Target, what: str) -> Path:
    """The store's folder, for what keeps files beside the graph; a clear error for a server."""
    if is_url(target):
        from kg.errors import PmkgError

        raise PmkgError(f"{what} keeps files in the store folder, and {target} is a SPARQL server; "
                        "use a store folder for it")
    return Path(target)


class StoreTarget(click.ParamType):
    """``--store``: a folder, or the http(s) URL of a SPARQL 1.1 server."""

    name = "DIR|URL"

    def convert(self, value, param, ctx):
        if isinstance(value, Path):
            return value
        text = str(value)
        if is_url(text):
            return text
        path = Path(text)
        if path.exists() and not path.is_dir():
            self.fail(f"{text} is a file, not a store folder", param, ctx)
        return path


class StoreFolder(StoreTarget):
    """``--store`` of a command that keeps files beside the graph (the private review store, accounts):
    a folder only, and a clear error for a server's URL."""

    name = "DIR"

    def __init__(self, what: str):
        self.what = what

    def convert(self, value, param, ctx):
        value = super().convert(value, param, ctx)
        if isinstance(value, str):
            self.fail(f"{self.what} needs a store folder (its files are kept beside the graph); "
                      f"{value} is a SPARQL server", param, ctx)
        return value


STORE = StoreTarget()
STORE_HELP = "Store folder, or the http(s) URL of a SPARQL 1.1 server (see README: Running on a triple-store server)."
