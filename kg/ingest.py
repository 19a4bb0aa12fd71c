"""Ingest files into the store.

Each file is read by the reader registered for its extension. A reader
returns quads; quads in the default graph belong to the file and go into its
graph (the graph the user chose, or ``file_graph``: a public IRI made from
the file's name alone). Relative IRIs in an RDF file are resolved against
that graph's IRI. No ``file:`` IRI of the ingesting machine is ever written:
the store is published, and its paths would show the user's folders. Every graph a
file writes is replaced in one transaction, so re-ingesting a file replaces
what it wrote before, and a file that fails writes nothing.

RDF files are read by extension. Files of ``BULK_BYTES`` or more go through
pyoxigraph's bulk loader (``kg.bulk``: checked whole first, then loaded with
bounded memory; a crash is rolled back by the next writer), smaller ones are
parsed into memory and written in one transaction. News articles (``.txt``, ``.html``,
``.htm`` and files without an extension) go through the reader and the
extractor and write one graph per article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pyoxigraph as ox

from kg import bulk
from kg.errors import PmkgError
from kg.namespaces import GRAPH
from kg.store import Format, Store, parse_error

if TYPE_CHECKING:
    from kg.batch import Tally
    from kg.cluster import DaskSettings

Reader = Callable[[Path], Iterable[ox.Quad]]

BULK_BYTES = 1 << 20
"""RDF files of this size or more go through the bulk loader (below it, a transaction is faster)."""

FILE_GRAPHS = GRAPH + "file/"
"""Where the graphs of files ingested without ``--graph`` are named: ``FILE_GRAPHS + file name``."""

_READERS: dict[str, Reader] = {}


def register_reader(extensions: Iterable[str], reader: Reader) -> None:
    """Use ``reader`` for files with these extensions (e.g. ``["txt", "html"]``)."""
    for ext in extensions:
        _READERS[ext.lower().lstrip(".")] = reader


def reader_for(path: Path) -> Reader | None:
    return _READERS.get(path.suffix.lower().lstrip("."))


def read_rdf(path: Path, base_iri: str | None = None) -> list[ox.Quad]:
    """Parse a whole RDF file (format from its extension) before anything is written.

    Relative IRIs are resolved against ``base_iri`` (default: ``file_graph(path)``, never a ``file:`` IRI).
    """
    fmt = Format.from_path(path)
    if fmt is None:
        raise PmkgError(f"{path}: not an RDF file extension")
    try:
        quads = ox.parse(path=str(path), format=fmt.ox, base_iri=base_iri or file_graph(path),
                         rename_blank_nodes=True)
        return list(quads)
    except SyntaxError as error:
        raise parse_error(str(path), fmt, error) from None
    except (OSError, ValueError) as error:
        raise PmkgError(f"{path}: cannot read: {error}") from None


def read_article(path: Path) -> list[ox.Quad]:
    """A news article (plain text or saved HTML): its facts, in the article's own graph."""
    from kg.batch import extract_chunk

    result = extract_chunk([str(path)])[0]
    if result.status != "ok":
        raise PmkgError(result.reason or f"{path}: cannot read")
    return result.quads()


ARTICLE_EXTENSIONS = ("txt", "html", "htm", "")
for _fmt in Format:
    register_reader(_fmt.extensions, read_rdf)
register_reader(ARTICLE_EXTENSIONS, read_article)


def is_article(path: Path) -> bool:
    return path.suffix.lower().lstrip(".") in ARTICLE_EXTENSIONS


def find_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files to ingest: files as given, folders searched recursively for known extensions."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and reader_for(f) is not None)
        else:
            yield p


def file_graph(path: Path) -> str:
    """The graph of a file's triples when no graph is chosen: a public IRI made of the file's name alone.

    ``/home/me/data/force list.ttl`` gives ``https://w3id.org/pmkg/graph/file/force%20list.ttl``:
    the folders of the machine that ran the ingest never reach the published store
    (re-ingesting the file, from any folder, replaces the same graph).
    """
    return FILE_GRAPHS + quote(path.name, safe="")


@dataclass
class IngestReport:
    files_read: int = 0
    quads_written: int = 0
    graphs: set[str] = field(default_factory=set)
    failures: list[tuple[Path, str]] = field(default_factory=list)
    articles: "Tally | None" = None

    def fail(self, path: Path, reason: str, on_failure: Callable[[Path, str], None] | None) -> None:
        """Count a file that failed, and tell ``on_failure`` why."""
        self.failures.append((path, reason))
        if on_failure is not None:
            on_failure(path, reason)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def summary(self) -> str:
        lines = []
        if self.files_read or self.failures or self.articles is None:
            lines.append(f"read {self.files_read} file(s), {self.failed} failed; "
                         f"wrote {self.quads_written} quad(s) into {len(self.graphs)} graph(s)")
        if self.articles is not None:
            lines.append(self.articles.summary())
        return "\n".join(lines)


def read_file(path: Path, graph: str | None) -> dict[str, list[ox.Quad]]:
    """Read one file into {graph IRI: quads}; default-graph quads go to ``graph`` or the file's graph."""
    if not path.exists():
        raise PmkgError(f"{path}: no such file")
    if not path.is_file():
        raise PmkgError(f"{path}: not a file")
    reader = reader_for(path)
    if reader is None:
        raise PmkgError(f"{path}: unsupported file type {path.suffix or '(no extension)'!r}")
    target = graph or file_graph(path)
    groups: dict[str, list[ox.Quad]] = {}
    quads = read_rdf(path, target) if reader is read_rdf else reader(path)
    for quad in quads:
        name = target if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        groups.setdefault(name, []).append(quad)
    if not groups:
        groups[target] = []  # an empty file still replaces (empties) its graph
    return groups


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    *,
    graph: str | None = None,
    on_failure: Callable[[Path, str], None] | None = None,
    workers: int = 1,
    progress: Callable[[int], object] | None = None,
    dask: "DaskSettings | None" = None,
    bulk_bytes: int | None = BULK_BYTES,
) -> IngestReport:
    """Ingest files and folders, one transaction per article or small RDF file (big ones: ``kg.bulk``).

    RDF files are loaded as they are; articles go through the reader and the
    extractor (in ``workers`` processes, or on the Dask cluster of ``dask``)
    and each writes its own graph.
    With ``graph``, the default-graph triples of all the RDF files are
    gathered and replace that graph once, at the end, in one transaction.
    ``on_failure(path, reason)`` is called for each file that fails or is
    skipped; ``progress(n)`` after each article, with the number done.
    RDF files of ``bulk_bytes`` or more (None: none) go through the bulk
    loader, after the others.
    """
    report = IngestReport()
    files = list(find_files(paths))
    articles = [p for p in files if p.exists() and is_article(p)]
    if articles:
        report.articles = ingest_articles(store, articles, workers=workers, on_failure=on_failure,
                                          progress=progress, dask=dask)
    pending: dict[str, list[ox.Quad]] = {}
    big: list[tuple[Path, bulk.Checked]] = []
    named: dict[str, Path] = {}  # without --graph: the file-named graphs written so far, and by which file
    for path in files:
        if path in articles:
            continue
        try:
            if _is_big(path, bulk_bytes):
                big.append((path, check_rdf(path, graph or file_graph(path))))
                continue
            groups = read_file(path, graph)
            if graph is None:
                if _taken(path, groups, named, report, on_failure):
                    continue
                store.replace_graphs(groups)
            else:
                for name, quads in groups.items():
                    pending.setdefault(name, []).extend(quads)
        except PmkgError as error:
            report.fail(path, str(error), on_failure)
            continue
        report.files_read += 1
        report.graphs.update(groups)
        report.quads_written += sum(len(q) for q in groups.values())
    if graph is not None and big:
        pending.setdefault(graph, [])  # emptied once, then each big file adds to it
    if pending:
        store.replace_graphs(pending)
    emptied = set(pending)
    for path, found in big:
        target = graph or file_graph(path)
        # The file's own graph is written (replaced) when the file has triples for it, or nothing at all.
        graphs = found.graphs | ({target} if found.default_quads or not found.quads else set())
        if graph is None and _taken(path, graphs, named, report, on_failure):
            continue
        # Without --graph each file replaces its graphs; with it, the files add to graphs emptied once.
        replace = graphs if graph is None else graphs - emptied
        emptied |= graphs
        try:
            store.bulk_load(path, format=Format.from_path(path), graph=target, replace=replace, base_iri=target,
                            parts=found.parts)
        except PmkgError as error:
            report.fail(path, str(error), on_failure)
            continue
        report.files_read += 1
        report.graphs.update(graphs)
        report.quads_written += found.quads
    if report.articles is not None or report.graphs:
        from kg.cases import refresh
        written = report.articles.graphs if report.articles is not None else set()
        refresh(store, set(report.graphs) | written)  # cases and search follow what the graphs now say
    return report


def _taken(path: Path, graphs: Iterable[str], named: dict[str, Path], report: IngestReport,
           on_failure: Callable[[Path, str], None] | None) -> bool:
    """True (and ``path`` failed) if its file-named graph was written by another file of this run."""
    target = file_graph(path)
    other = named.get(target)
    if target in graphs and other is not None and other.resolve() != path.resolve():
        report.fail(path, f"{path}: its graph <{target}> (named by the file name) was already written from "
                          f"{other} in this run; rename one of them or ingest it with --graph", on_failure)
        return True
    if target in graphs:
        named[target] = path
    return False


def _is_big(path: Path, bulk_bytes: int | None) -> bool:
    return (bulk_bytes is not None and Format.from_path(path) is not None and path.is_file()
            and path.stat().st_size >= bulk_bytes)


def check_rdf(path: Path, base_iri: str) -> bulk.Checked:
    """Parse a whole RDF file without keeping it: its named graphs and quads (see ``kg.bulk.check``)."""
    fmt = Format.from_path(path)
    return bulk.check(path, fmt.ox, fmt.label, base_iri=base_iri)


def ingest_articles(store: Store, paths: list[Path], *, workers: int = 1,
                    on_failure: Callable[[Path, str], None] | None = None,
                    progress: Callable[[int], object] | None = None,
                    dask: "DaskSettings | None" = None) -> "Tally":
    """Extract the articles and write each one's graphs, one transaction per article on each store.

    The raw extraction and the text go into the private review store first
    (``DIR/private``), then the published graph (raw extraction with the
    review decisions applied) into ``store``. A withdrawn article is not
    written: ``on_failure`` is told why, and it counts as withdrawn, not failed.
    With ``dask``, the articles are extracted on a Dask cluster's workers.
    """
    import time

    from kg.batch import Tally, extract_paths
    from kg.review import publish_extracted

    tally = Tally(started=time.perf_counter())
    for done, result in enumerate(extract_paths(paths, workers=workers, dask=dask), 1):
        if result.status == "ok":
            refused = publish_extracted(store, result.graph, result.quads(), result.text)
            if refused is None:
                tally.add(result)
                tally.graphs.add(result.graph)
            else:
                tally.withdrawn += 1
                if on_failure is not None:
                    on_failure(Path(result.source), refused)
        else:
            tally.add(result)
            if on_failure is not None:
                on_failure(Path(result.source), result.reason or result.status)
        if progress is not None:
            progress(done)
    return tally
