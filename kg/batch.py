"""Read and extract many articles, in this process or in a pool of worker processes.

Each worker loads the spaCy pipeline once and runs it over its chunk of
articles with ``nlp.pipe``. Workers return each article's graph as N-Quads
text; only the parent process writes to the store, one transaction per
article. With ``dask``, articles are read here and sent as bytes to the
workers of a Dask cluster (:mod:`kg.cluster`), which run the same
:func:`extract_loaded`. A bad article (empty, binary, undecodable, too large, vanished, an
HTML page with no text) is skipped with a one-line reason; an error inside
extraction fails that article only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.errors import PmkgError

if TYPE_CHECKING:
    from kg.cluster import DaskSettings

CHUNK = 8


@dataclass(frozen=True)
class Extracted:
    """What happened to one article."""

    source: str                   # the path, or "-" for standard input
    status: str                   # "ok", "skipped" (bad input) or "failed" (extraction error)
    graph: str | None = None
    nquads: bytes | None = None
    triples: int = 0
    words: int = 0
    reason: str | None = None
    text: str | None = None       # the cleaned text the facts were extracted from (kept for reviewers)

    def quads(self) -> list[ox.Quad]:
        return list(ox.parse(self.nquads, ox.RdfFormat.N_QUADS)) if self.nquads else []


def _extract_articles(articles: list[tuple[str, object]], model: str | None) -> list[Extracted]:
    """Extract already-read articles (source, Article) with one nlp.pipe pass."""
    from kg.extract import nlp
    from kg.extract.assemble import build
    from kg.extract.rdf import article_graph

    pipeline = nlp.load(model)
    results = []
    docs = nlp.parse(pipeline, (article.text for _, article in articles), batch_size=CHUNK)
    for (source, article), doc in zip(articles, docs):
        if doc is None:
            results.append(Extracted(source, "failed", reason=f"{source}: the article ({len(article.text):,} "
                                     "characters) could not be parsed in pieces; it was skipped"))
            continue
        try:
            graph, triples = article_graph(article, build(doc))
            node = ox.NamedNode(graph)
            data = ox.serialize((ox.Quad(t.subject, t.predicate, t.object, node) for t in triples), None,
                                ox.RdfFormat.N_QUADS)
            results.append(Extracted(source, "ok", graph, data, len(triples), len(article.text.split()),
                                     text=article.text))
        except (ValueError, KeyError, IndexError, AttributeError, TypeError, RuntimeError) as error:
            results.append(Extracted(source, "failed", reason=f"extraction error: {type(error).__name__}: {error}"))
    return results


def extract_articles(articles: list[tuple[str, object]], model: str | None = None) -> list[Extracted]:
    """Extract articles already read, as (source, Article) pairs, in this process (web pages)."""
    return _extract_articles(articles, model)


@dataclass(frozen=True)
class Loaded:
    """An article file's bytes, read from disk but not yet parsed: what a cluster worker is sent."""

    source: str                   # the path as given
    data: bytes
    location: str                 # the file's file: IRI, fixed where the file is (so the graph IRI is too)
    media_type: str | None


def load_file(path: str) -> Loaded | Extracted:
    """Load one article file's bytes, or say why it is skipped."""
    from kg.reader import load_path

    try:
        data, location, media_type = load_path(path)
    except PmkgError as error:
        return Extracted(path, "skipped", reason=str(error))
    return Loaded(path, data, location, media_type)


def extract_loaded(loaded: list[Loaded], model: str | None = None) -> list[Extracted]:
    """Read and extract loaded articles, in input order: the one function local and cluster runs share."""
    from kg.reader import read_loaded

    read, results = [], {}
    for item in loaded:
        try:
            read.append((item.source, read_loaded(item.data, item.location, item.media_type, name=item.source)))
        except PmkgError as error:
            results[item.source] = Extracted(item.source, "skipped", reason=str(error))
    for result in _extract_articles(read, model):
        results[result.source] = result
    return [results[item.source] for item in loaded]


def extract_chunk(paths: list[str], model: str | None = None) -> list[Extracted]:
    """Read and extract a chunk of article files (runs in a worker process)."""
    found = {path: load_file(path) for path in paths}
    done = {r.source: r for r in extract_loaded([x for x in found.values() if isinstance(x, Loaded)], model)}
    return [done.get(path) or found[path] for path in paths]


def extract_bytes(data: bytes, *, location: str, model: str | None = None) -> Extracted:
    """Read and extract one article given as bytes (standard input)."""
    from kg.reader import read_bytes

    try:
        article = read_bytes(data, location=location)
    except PmkgError as error:
        return Extracted("-", "skipped", reason=str(error))
    return _extract_articles([("-", article)], model)[0]


def extract_paths(paths: list[Path], *, workers: int = 1, model: str | None = None,
                  dask: "DaskSettings | None" = None) -> Iterator[Extracted]:
    """Extract every article file, yielding results in input order (with ``dask``: as they come back)."""
    names = [str(p) for p in paths]
    if dask is not None:
        yield from extract_on_cluster(names, dask, model)
        return
    chunks = [names[i:i + CHUNK] for i in range(0, len(names), CHUNK)]
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield from extract_chunk(chunk, model)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm, initargs=(model,)) as pool:
        for results in pool.map(extract_chunk, chunks, [model] * len(chunks)):
            yield from results


def extract_on_cluster(paths: list[str], settings: DaskSettings, model: str | None = None) -> Iterator[Extracted]:
    """Extract article files on the cluster, yielding each result as it comes back.

    The workers use this machine's ``PMKG_SPACY_MODEL`` where it is set, else their own default.
    """
    from kg.cluster import MAX_IN_FLIGHT, connect, run_tasks

    model = model or os.environ.get("PMKG_SPACY_MODEL") or None
    client = connect(settings.scheduler)
    try:
        threads = sum(client.nthreads().values())
        in_flight = settings.in_flight or max(1, threads)
        skipped: list[Extracted] = []

        def items() -> Iterator[tuple[str, object]]:
            for path in paths:
                item = load_file(path)
                if isinstance(item, Loaded):
                    yield path, [item]
                else:
                    skipped.append(item)     # unreadable here: reported with the next result

        for name, result, reason in run_tasks(client, extract_loaded_with(model), items(),
                                              in_flight=min(in_flight, MAX_IN_FLIGHT), timeout=settings.timeout):
            while skipped:
                yield skipped.pop(0)
            yield result[0] if reason is None else Extracted(name, "failed", reason=f"{name}: {reason}")
        while skipped:
            yield skipped.pop(0)
    finally:
        client.close()


def extract_loaded_with(model: str | None) -> Callable[[list[Loaded]], list[Extracted]]:
    """The task a worker runs: :func:`kg.batch.extract_loaded` with this run's model."""
    if model is None:
        return extract_loaded
    from functools import partial

    return partial(extract_loaded, model=model)


def _warm(model: str | None) -> None:
    """Load the pipeline when a worker starts, so the first chunk does not pay for it."""
    from kg.extract import nlp

    nlp.load(model)


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class Tally:
    read: int = 0
    skipped: int = 0
    failed: int = 0
    withdrawn: int = 0
    triples: int = 0
    words: int = 0
    started: float = 0.0
    graphs: set[str] = field(default_factory=set)   # the article graphs written

    def add(self, result: Extracted) -> None:
        if result.status == "ok":
            self.read += 1
            self.triples += result.triples
            self.words += result.words
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1

    def summary(self) -> str:
        seconds = time.perf_counter() - self.started
        withdrawn = f", {self.withdrawn} withdrawn (not published)" if self.withdrawn else ""
        return (f"articles: {self.read} read, {self.skipped} skipped, {self.failed} failed{withdrawn}; "
                f"{self.triples} triples written; {seconds:.1f} s")
