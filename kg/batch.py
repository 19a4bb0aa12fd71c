"""Read and extract many articles, in this process or in a pool of worker processes.

Each worker loads the spaCy pipeline once and runs it over its chunk of
articles with ``nlp.pipe``. Workers return each article's graph as N-Quads
text; only the parent process writes to the store, one transaction per
article. A bad article (empty, binary, undecodable, too large, vanished, an
HTML page with no text) is skipped with a one-line reason; an error inside
extraction fails that article only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.errors import PmkgError

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


def extract_chunk(paths: list[str], model: str | None = None) -> list[Extracted]:
    """Read and extract a chunk of article files (runs in a worker process)."""
    from kg.reader import read_path

    read, results = [], {}
    for path in paths:
        try:
            read.append((path, read_path(path)))
        except PmkgError as error:
            results[path] = Extracted(path, "skipped", reason=str(error))
    for result in _extract_articles(read, model):
        results[result.source] = result
    return [results[path] for path in paths]


def extract_bytes(data: bytes, *, location: str, model: str | None = None) -> Extracted:
    """Read and extract one article given as bytes (standard input)."""
    from kg.reader import read_bytes

    try:
        article = read_bytes(data, location=location)
    except PmkgError as error:
        return Extracted("-", "skipped", reason=str(error))
    return _extract_articles([("-", article)], model)[0]


def extract_paths(paths: list[Path], *, workers: int = 1, model: str | None = None) -> Iterator[Extracted]:
    """Extract every article file, yielding results in input order."""
    names = [str(p) for p in paths]
    chunks = [names[i:i + CHUNK] for i in range(0, len(names), CHUNK)]
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield from extract_chunk(chunk, model)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm, initargs=(model,)) as pool:
        for results in pool.map(extract_chunk, chunks, [model] * len(chunks)):
            yield from results


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
