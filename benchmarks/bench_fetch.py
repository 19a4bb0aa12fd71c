"""Benchmark ingesting web pages against ingesting the same pages saved as files.

Run on demand (not in the test suite):

    .venv/bin/python benchmarks/bench_fetch.py              # 200 pages
    .venv/bin/python benchmarks/bench_fetch.py --pages 100

A server on 127.0.0.1 serves the test fixtures' pages (no internet). In one run it times:
- the baseline: `ingest` of the same pages saved as .html files (read, extract, write);
- `ingest_urls` of the pages (fetch, archive as WARC, read, extract, write), no per-host delay;
- `ingest_urls` again, every page unchanged (fetch and compare the SHA-256 only).
It prints pages per second and each figure as a ratio against the baseline,
and the archive's size per page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fetch_server import FixtureServer, article_html, page  # noqa: E402
from kg.fetch.archive import Archive  # noqa: E402
from kg.fetch.client import Fetcher  # noqa: E402
from kg.fetch.pages import ingest_urls  # noqa: E402
from kg.ingest import ingest  # noqa: E402
from kg.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    count = parser.parse_args().pages
    folder = Path(tempfile.mkdtemp(prefix="bench-fetch-"))
    files = folder / "pages"
    files.mkdir()
    for n in range(count):
        (files / f"{n}.html").write_text(article_html(n, canonical=f"http://127.0.0.1/story/{n}"), encoding="utf-8")
    Store.create(folder / "warmup").close()
    with Store(folder / "warmup") as store:       # load the spaCy model once, outside the timings
        ingest(store, [files / "0.html"])

    Store.create(folder / "files").close()
    with Store(folder / "files") as store:
        started = time.perf_counter()
        ingest(store, [files])
        baseline = time.perf_counter() - started

    Store.create(folder / "web").close()
    with FixtureServer() as server:
        for n in range(count):
            server.routes[f"/n/{n}"] = page(article_html(n, canonical=f"/story/{n}"))
        urls = [server.url(f"/n/{n}") for n in range(count)]
        archive = Archive(folder / "web")
        with Store(folder / "web") as store, Fetcher(delay=0) as fetcher:
            started = time.perf_counter()
            first = ingest_urls(store, urls, fetcher=fetcher, archive=archive)
            web = time.perf_counter() - started
            started = time.perf_counter()
            second = ingest_urls(store, urls, fetcher=fetcher, archive=archive)
            again = time.perf_counter() - started
        archive.close()
    assert len(first.ingested) == count and len(second.unchanged) == count, (first.summary(), second.summary())
    size = sum(p.stat().st_size for p in (folder / "web" / "warc").glob("*.warc.gz"))
    print(f"{count} pages")
    print(f"files (baseline):  {baseline:6.2f} s  {count / baseline:7.1f} pages/s  1.00")
    print(f"web, first fetch:  {web:6.2f} s  {count / web:7.1f} pages/s  {web / baseline:.2f} x baseline time")
    print(f"web, unchanged:    {again:6.2f} s  {count / again:7.1f} pages/s  {again / baseline:.2f} x baseline time")
    print(f"archive: {size:,} bytes, {size / count:,.0f} bytes a page (gzip WARC, 3 records a page)")


if __name__ == "__main__":
    main()
