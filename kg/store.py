"""The pmkg triple store: a thin layer over pyoxigraph.

A store is a folder holding an embedded pyoxigraph (RocksDB) database plus a
marker file, ``pmkg-store``, that tells a pmkg store apart from any other
folder and that processes lock (``kg.lock``): a read-write opening takes an
exclusive lock and a read-only opening a shared one; a writer that finds the
store in use waits for it up to a deadline, then gets a clear ``StoreError``
(never pyoxigraph's undefined behaviour).

Named graphs are IRI strings. Every write is one pyoxigraph transaction, so
readers (in the same process) see either the state before or after it. Each
write first notes the graphs it changes in the store's change log
(``kg.changelog``), so the web app can update only those in its snapshot.

Known limit: pyoxigraph stores literals of the derived integer types
(xsd:nonNegativeInteger, xsd:positiveInteger, xsd:int, ...) as xsd:integer
with the same value, so they come back (query, export) as xsd:integer.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg import bulk, changelog, lock, resources
from kg.errors import PmkgError, QuerySyntaxError, StoreError
from kg.rdfio import Format, _format, named_node, parse_error, read_turtle, sparql_data  # noqa: F401 - kg.store's names
from kg.namespaces import GRAPH, ONTOLOGY_GRAPH, PREFIXES

MARKER = "pmkg-store"
MARKER_TEXT = "pmkg store, format 1\nThis folder is a pmkg knowledge graph store.\n"
SHAPES_GRAPH = GRAPH + "shapes"


def _graph_node(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else named_node(graph)


def is_store(path: str | Path) -> bool:
    """True if ``path`` is a pmkg store folder."""
    return (Path(path) / MARKER).is_file()


class Store:
    """A pmkg store. ``path=None`` gives an in-memory store (for tests and snapshots)."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False, wait: float | None = None,
                 on_wait: Callable[[str], None] | None = lock.say_waiting):
        """Open the store at ``path`` (None: a new in-memory store).

        If another process holds the store, a writer waits up to ``wait``
        seconds (default ``$PMKG_LOCK_WAIT`` or 60), calling ``on_wait`` once
        with a one-line notice; a reader waits only if given ``wait``.
        """
        self.path = None if path is None else Path(path)
        self.read_only = read_only
        self._lock = None
        if self.path is None:
            if read_only:
                raise ValueError("an in-memory store cannot be read-only")
            self._store = ox.Store()
            return
        if not self.path.exists():
            raise StoreError(f"no store at {self.path}; create one with `pmkg init --store {self.path}`")
        if not is_store(self.path):
            raise StoreError(f"{self.path} is not a pmkg store (it has no {MARKER} file)")
        if wait is None:
            wait = 0.0 if read_only else lock.default_wait()
        self._lock = lock.lock(self.path / MARKER, shared=read_only, wait=wait, on_wait=on_wait)
        try:
            if read_only:
                bulk.refuse_if_interrupted(self.path)
            self._store = ox.Store.read_only(str(self.path)) if read_only else ox.Store(str(self.path))
            if not read_only:
                bulk.recover(self._store, self.path, on_wait)
        except OSError as error:
            self._unlock()
            raise StoreError(f"cannot open store {self.path}: {error}") from None
        except PmkgError:
            self._store = None
            self._unlock()
            raise

    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        ontology: Iterable[Path] | None = None,
        shapes: Path | None = None,
        wait: float | None = None,
    ) -> Store:
        """Create (or upgrade) the store at ``path`` and load the ontology and shapes.

        The ontology graph and the shapes graph are replaced, so running it
        again on an existing store installs the current ontology.
        ``ontology`` and ``shapes`` default to the files shipped with pmkg.
        """
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise StoreError(f"{path} exists and is not a folder")
        if path.is_dir() and not is_store(path) and any(path.iterdir()):
            raise StoreError(f"{path} is not empty and is not a pmkg store; choose another folder")
        path.mkdir(parents=True, exist_ok=True)
        if not is_store(path):
            (path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        store = cls(path, wait=wait)
        try:
            store.load_ontology(ontology=ontology, shapes=shapes)
        except PmkgError:
            store.close()
            raise
        return store

    init = create

    def load_ontology(self, *, ontology: Iterable[Path] | None = None, shapes: Path | None = None) -> None:
        """Replace the ontology, shapes and reference graphs in one transaction."""
        from kg.reference import REFERENCE_GRAPH, reference_graph

        ontology = resources.ontology_files() if ontology is None else list(ontology)
        shapes = resources.shapes_file() if shapes is None else shapes
        onto_triples = [t for f in ontology for t in read_turtle(f)]
        reference = ox.parse(reference_graph().serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
        self.replace_graphs({
            ONTOLOGY_GRAPH: onto_triples,
            SHAPES_GRAPH: read_turtle(shapes),
            REFERENCE_GRAPH: [q.triple for q in reference],
        })

    # -- reading -----------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = False,
        substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None = None,
        default_graph: str | list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a SPARQL query and return pyoxigraph's results as they are.

        ``union_default_graph`` makes the default graph the union of all
        graphs; ``substitutions`` binds variables (by name) before evaluation.
        """
        options = {"use_default_graph_as_union": union_default_graph}
        if substitutions:
            options["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        if default_graph is not None:
            graphs = [default_graph] if isinstance(default_graph, str) else default_graph
            options["default_graph"] = [named_node(g) for g in graphs]
        if named_graphs is not None:
            options["named_graphs"] = [named_node(g) for g in named_graphs]
        try:
            return self._open().query(sparql, **options)
        except SyntaxError as error:
            raise QuerySyntaxError(f"malformed query: {error.msg}") from None

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one named graph."""
        return self._open().quads_for_pattern(None, None, None, None if graph is None else named_node(graph))

    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self._open().named_graphs())

    def contains_graph(self, graph: str) -> bool:
        return self._open().contains_named_graph(named_node(graph))

    def __len__(self) -> int:
        return len(self._open())

    def dump(
        self, output: str | Path | BinaryIO | None = None, *, format: Format | str, graph: str | None = None
    ) -> bytes | None:
        """Write the store, streaming (memory does not grow with the store).

        TriG and N-Quads write every named graph unless ``graph`` is given;
        the other formats write ``graph`` or, by default, the union of all
        graphs (a triple held by several graphs may then appear more than once).
        Returns bytes when ``output`` is None.
        """
        fmt = _format(format)
        store = self._open()
        prefixes = PREFIXES if fmt in (Format.TURTLE, Format.TRIG) else None
        if isinstance(output, Path):
            output = str(output)
        if graph is not None and not self.contains_graph(graph):
            raise PmkgError(f"no graph <{graph}> in the store")
        try:
            if graph is None and fmt.keeps_graphs:
                return store.dump(output, fmt.ox, prefixes=prefixes)
            quads = self.quads(graph)
            items = quads if fmt.keeps_graphs else (q.triple for q in quads)
            return ox.serialize(items, output, fmt.ox, prefixes=prefixes)
        except OSError as error:
            raise PmkgError(f"cannot write {output}: {error}") from None

    def stream(self, *, format: Format | str, graph: str | None = None, batch: int = 20_000) -> Iterator[bytes]:
        """The dump of ``dump()`` as chunks of bytes, each made only when the previous one was taken.

        For downloads from an in-memory snapshot: no thread, pipe or lock is
        involved, so a client that stops reading (the iterator is closed or
        dropped) leaves nothing behind. Each chunk serialises ``batch``
        quads; the prefixes are declared once, at the start.
        """
        fmt = _format(format)
        prefixes = PREFIXES if fmt in (Format.TURTLE, Format.TRIG) else None
        if graph is not None and not self.contains_graph(graph):
            raise PmkgError(f"no graph <{graph}> in the store")
        items = self.quads(graph) if fmt.keeps_graphs else (q.triple for q in self.quads(graph))
        first = True
        while True:
            chunk = list(itertools.islice(items, batch))
            if not chunk:
                return
            data = ox.serialize(chunk, None, fmt.ox, prefixes=prefixes)
            while not first and data.startswith(b"@prefix "):   # declared in the first chunk
                data = data[data.index(b"\n") + 1:]
            first = False
            yield data

    def snapshot(self) -> Store:
        """An in-memory copy of the whole dataset, for fast read-heavy serving.

        Copied through a temporary N-Quads file, which pyoxigraph writes and
        reads without holding the GIL: the app's other threads keep answering
        meanwhile. Blank node identifiers are kept.
        """
        return memory_copy(self._open())

    def graph_quads(self, graph: str | None) -> list[ox.Quad]:
        """The quads of exactly one graph (None: the default graph)."""
        return list(self._open().quads_for_pattern(None, None, None, _graph_node(graph)))

    # -- writing -----------------------------------------------------------

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads in one transaction."""
        quads = list(quads)
        graphs = {changelog.graph_key(q.graph_name) for q in quads}
        self._writable(None if changelog.ALL in graphs else graphs).extend(quads)

    def update(self, sparql: str, *, graphs: Iterable[str] | None = None) -> None:
        """Run a SPARQL update; the whole request is one transaction.

        ``graphs``: the only graphs the update changes, for the change log
        (None: it may change any).
        """
        try:
            self._writable(graphs).update(sparql)
        except SyntaxError as error:
            raise QuerySyntaxError(f"malformed update: {error.msg}") from None

    def load(
        self,
        source: str | Path | bytes | BinaryIO,
        *,
        format: Format | str,
        graph: str | None = None,
    ) -> None:
        """Add the RDF in ``source`` (a path, bytes or a binary file) in one transaction.

        Triples of a triple format go into ``graph`` (the default graph if None).
        """
        fmt = _format(format)
        # only these formats cannot name other graphs than ``graph``
        triples_only = fmt in (Format.TURTLE, Format.NTRIPLES, Format.RDFXML)
        store = self._writable([graph] if triples_only else None)
        args = {"format": fmt.ox, "to_graph": _graph_node(graph)}
        name = "input"
        if isinstance(source, (str, Path)):
            name = str(source)
            args["path"] = str(source)
        else:
            args["input"] = source
        try:
            store.load(**args)
        except SyntaxError as error:
            raise parse_error(name, fmt, error) from None
        except OSError as error:
            raise PmkgError(f"{name}: cannot read: {error}") from None

    def bulk_load(self, path: Path, *, format: Format | str, graph: str, replace: Iterable[str] = (),
                  base_iri: str | None = None, parts: list[tuple[int, int]] | None = None) -> None:
        """Empty the graphs ``replace``, then add the RDF file at ``path`` through the bulk loader.

        Fast and with bounded memory, but not one transaction: see ``kg.bulk``
        for how a failure or a crash still never leaves half the file.
        The file's triples go into ``graph``; ``replace`` should name the
        named graphs the file holds (``kg.bulk.check`` finds them) and
        ``graph`` unless the caller emptied it already. Relative IRIs are
        resolved against ``base_iri`` (default: ``graph``), never the file's path.
        ``parts`` (from ``kg.bulk.check``) are loaded side by side.
        """
        fmt = _format(format)
        bulk.load(self._writable([graph, *replace]), self.path, Path(path), fmt.ox, to_graph=named_node(graph).value,
                  replace=[named_node(g).value for g in replace], base_iri=named_node(base_iri or graph).value,
                  ranges=parts)

    def bulk_replace(self, graphs: Mapping[str, list[ox.Triple]], what: str,
                     meanwhile: Mapping[str, Iterable[ox.Triple]] | None = None) -> None:
        """Replace graphs that pmkg can compute again through the bulk loader (``kg.bulk.write``).

        Much faster than a transaction for big graphs, and a crash leaves
        them absent (rolled back by the next writer, which lists them in
        ``bulk.stale``), never half-written. The graphs of ``meanwhile``
        are replaced in one transaction while the others are absent.
        """
        names = {named_node(g).value: list(triples) for g, triples in graphs.items()}
        bulk.write(self._writable(list(names)), self.path, names, what,
                   (lambda: self.replace_graphs(meanwhile)) if meanwhile else None)

    def replace_graph(self, graph: str, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        """Replace the content of one named graph atomically."""
        self.replace_graphs({graph: triples})

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple | ox.Quad]]) -> None:
        """Replace several named graphs in one transaction.

        Done as one SPARQL update (``DROP SILENT GRAPH`` then ``INSERT DATA``),
        which pyoxigraph commits as a whole: a crash mid-write leaves the
        previous state, and concurrent readers never see a partial graph.
        Blank nodes are fresh for each call (shared across the graphs of one call).
        Graph names are checked IRIs and the data are N-Triples terms, so no
        value is pasted into the update as text.
        """
        names = {graph: named_node(graph) for graph in graphs}
        parts = [f"DROP SILENT GRAPH {node} ;\n" for node in names.values()]
        body = []
        for graph, triples in graphs.items():
            lines = "".join(sparql_data(triples))
            if lines:
                body.append(f"GRAPH {names[graph]} {{\n{lines}}}\n")
        if body:
            parts.append("INSERT DATA {\n" + "".join(body) + "}\n")
        if parts:
            self.update("".join(parts), graphs=list(graphs))

    def remove_graph(self, graph: str) -> None:
        """Delete a named graph and its content (one transaction)."""
        self._writable([graph]).remove_graph(named_node(graph))

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self._open().flush()

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        """Flush a writer's data to disk, release the database and the lock. Safe to call twice.

        The flush empties RocksDB's log, which every later opening would
        otherwise replay: a read-only opening of a freshly initialised store
        drops from about 100 ms to 10 ms (what `pmkg query` pays to start).
        """
        try:
            if self._store is not None:
                self.flush()
        finally:
            self._store = None
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "memory" if self.path is None else str(self.path)
        return f"<pmkg Store {where}{' read-only' if self.read_only else ''}>"

    def _open(self) -> ox.Store:
        if self._store is None:
            raise PmkgError("the store is closed")
        return self._store

    def _writable(self, graphs: Iterable[str | None] | None = None) -> ox.Store:
        """The database, for a write to ``graphs`` (None: any), noted first in the change log."""
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        store = self._open()
        if self.path is not None:
            changelog.record(self.path, graphs)
        return store


def memory_copy(source: ox.Store) -> Store:
    """A new in-memory Store with every quad of ``source``, copied without holding the GIL for long."""
    copy = Store()
    try:
        with tempfile.TemporaryDirectory(prefix="pmkg-copy-") as folder:
            dump = os.path.join(folder, "all.nq")
            source.dump(dump, ox.RdfFormat.N_QUADS)
            copy._store.load(path=dump, format=ox.RdfFormat.N_QUADS)
    except OSError as error:  # e.g. the temporary folder is full
        raise StoreError(f"cannot copy the store into memory: {error}") from None
    return copy
