"""Benchmark the store at scale on a synthetic, pmkg-shaped dataset (1.03M quads in 20,000 graphs).

By default, in one run on the same generated N-Quads file:

1. loading: `oxigraph load` (the pip package ``oxigraph``, a test dependency)
   against `pmkg ingest`, each a child process: time, disk, peak memory;
2. every saved query (queries/*.rq, except those calling Wikidata) through the
   web app (`pmkg serve` on loopback: /sparql, or /queries/NAME for queries
   with required parameters) against pyoxigraph on the same store; the run
   exits with status 1 naming each query that takes 1 s or more (or fails)
   through the web app.

``--backends`` instead compares the embedded on-disk store (kg.store, the
baseline), an in-memory copy (Store.snapshot()) and rdflib's Dataset on four
queries. Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_store.py --quick     # 20,000 triples
    .venv/bin/python benchmarks/bench_store.py             # ~1M triples, minutes
    .venv/bin/python benchmarks/bench_store.py --backends --skip-rdflib

rdflib queries run in a forked child with a time cap (POSIX only).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import store_scale
from synthetic import generate  # noqa: F401  (bench_refresh and bench_scale import it from here)
from kg.namespaces import sparql_prefixes
from kg.store import Store


QUERIES = {
    "Q1 allegations by category (group-by)": """
SELECT ?category (COUNT(?allegation) AS ?n) WHERE {
  ?allegation a pmkg:Allegation ; pmkg:allegationCategory ?category .
} GROUP BY ?category ORDER BY DESC(?n)""",
    "Q2 officer->force->outcomes (2-hop)": """
SELECT ?forceName (COUNT(DISTINCT ?outcome) AS ?dismissals) WHERE {
  GRAPH ?article {
    ?outcome pmkg:outcomeType <https://w3id.org/pmkg/vocab/outcome/dismissal> ; pmkg:hasSubject ?officer .
    ?officer pmkg:force ?force .
    ?force pmkg:name ?forceName .
  }
} GROUP BY ?forceName""",
    "Q3 OPTIONAL { GRAPH ?g {...} }": """
SELECT ?article ?headline ?outcome WHERE {
  GRAPH ?article { ?article schema:headline ?headline }
  OPTIONAL { GRAPH ?g { ?outcome a pmkg:Outcome ; pmkg:supportedBy ?s . ?s pmkg:inArticle ?article } }
}""",
    "Q4 one officer across graphs + sentences": """
SELECT ?g ?fact ?p ?o ?text WHERE {
  { GRAPH ?g { <https://w3id.org/pmkg/id/officer/7> ?p ?o } }
  UNION
  { GRAPH ?g { ?fact pmkg:hasSubject <https://w3id.org/pmkg/id/officer/7> ; ?p ?o .
               OPTIONAL { ?fact pmkg:supportedBy ?s . ?s pmkg:text ?text } } }
}""",
}


def rss_mb() -> float | None:
    """Current resident memory of this process in MB (Linux), else None."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def time_oxigraph(store: Store, runs: int) -> dict[str, tuple[float, int]]:
    """Median seconds and row count of each query (union default graph, rows consumed)."""
    out = {}
    for name, text in QUERIES.items():
        sparql = sparql_prefixes() + text
        times, rows = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            rows = len(list(store.query(sparql, union_default_graph=True)))
            times.append(time.perf_counter() - start)
        out[name] = (statistics.median(times), rows)
    return out


def _rdflib_child(dataset, sparql: str, conn) -> None:
    start = time.perf_counter()
    rows = len(list(dataset.query(sparql)))
    conn.send((time.perf_counter() - start, rows))


def time_rdflib(dataset, runs: int, cap: float) -> dict[str, tuple[float | None, int]]:
    """Each run in a forked child (sharing the loaded dataset); None when over the cap."""
    ctx = multiprocessing.get_context("fork")
    out = {}
    for name, text in QUERIES.items():
        sparql = sparql_prefixes() + text
        times, rows = [], 0
        for _ in range(runs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_rdflib_child, args=(dataset, sparql, child))
            proc.start()
            if parent.poll(cap):
                seconds, rows = parent.recv()
                proc.join()
                times.append(seconds)
                if seconds > 10:  # slow: one run is enough
                    break
            else:
                proc.kill()
                proc.join()
                times = []
                break
        out[name] = (statistics.median(times) if times else None, rows)
        print(f"  rdflib {name}: {fmt_s(out[name][0], cap)}", flush=True)
    return out


def fmt_s(seconds: float | None, cap: float) -> str:
    if seconds is None:
        return f"> {cap:g} s (cap)"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return ""
    return f" (x{value / base:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000, help="approximate dataset size")
    parser.add_argument("--quick", action="store_true", help="small run: 20,000 triples, 1 run, 20 s cap")
    parser.add_argument("--runs", type=int, default=5, help="runs per query (median reported)")
    parser.add_argument("--backends", action="store_true",
                        help="compare on-disk, in-memory and rdflib on four queries instead")
    parser.add_argument("--cap", type=float, default=180, help="seconds allowed per rdflib query (--backends)")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--load-only", action="store_true", help="measure loading only, not the saved queries")
    parser.add_argument("--lean", action="store_true",
                        help="the earlier data: facts only, no sources, quotations or cases (synthetic.py)")
    args = parser.parse_args()
    if args.quick:
        args.triples, args.runs, args.cap = 20_000, 1, 20

    work = Path(tempfile.mkdtemp(prefix="pmkg-bench-"))
    try:
        data = work / "data.nq"
        start = time.perf_counter()
        quads, articles = generate(data, args.triples, realistic=not (args.lean or args.backends))
        print(f"generated {quads} quads in {articles} graphs ({time.perf_counter() - start:.1f} s)", flush=True)
        if args.backends:
            backends(data, work, quads, articles, args)
            return
        slow = scale(data, work, quads, articles, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if slow:
        raise SystemExit(f"over {store_scale.LIMIT_S:g} s (or failing) through the web app: {', '.join(slow)}")


def scale(data: Path, work: Path, quads: int, articles: int, args) -> list[str]:
    """Loading against `oxigraph load`, then every saved query; returns the names of the slow ones."""
    print("loading", flush=True)
    loads, store = store_scale.compare_loads(data, work)
    if loads["pmkg ingest"].status != 0:
        raise SystemExit("pmkg ingest failed")
    if args.load_only:
        print()
        store_scale.report_loads(loads)
        return []
    print("saved queries", flush=True)
    server, base = store_scale.start_server(store)
    try:
        timings = store_scale.time_saved_queries(store, base, args.runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    print(f"{quads} quads, {articles} named graphs; ratios against `oxigraph load` in the same run")
    store_scale.report_loads(loads)
    print()
    print(f"saved queries: median of {args.runs} run(s); pmkg = the web app on loopback, "
          f"pyoxigraph = Store.query on the same on-disk store (union default graph)")
    return store_scale.report_queries(timings)


def backends(data: Path, work: Path, quads: int, articles: int, args) -> None:
    """The on-disk store, an in-memory snapshot and rdflib on the four QUERIES."""
    columns, load, memory, results = [], {}, {}, {}
    empty = work / "empty.ttl"
    empty.write_text("")
    name = "oxigraph on-disk"
    columns.append(name)
    store = Store.create(work / "store", ontology=[], shapes=empty)
    before, start = rss_mb(), time.perf_counter()
    store.load(data, format="nquads")
    store.flush()
    load[name] = time.perf_counter() - start
    memory[name] = f"disk {folder_mb(work / 'store'):.0f} MB"
    results[name] = time_oxigraph(store, args.runs)
    print(f"{name}: loaded in {load[name]:.1f} s", flush=True)

    name = "oxigraph in-memory (snapshot)"
    columns.append(name)
    before, start = rss_mb(), time.perf_counter()
    snapshot = store.snapshot()
    load[name] = time.perf_counter() - start
    after = rss_mb()
    memory[name] = f"RSS +{after - before:.0f} MB (now {after:.0f})" if before is not None else "n/a"
    results[name] = time_oxigraph(snapshot, args.runs)
    print(f"{name}: snapshot in {load[name]:.1f} s", flush=True)
    store.close()
    del snapshot

    if not args.skip_rdflib:
        import rdflib

        name = "rdflib Dataset"
        columns.append(name)
        before, start = rss_mb(), time.perf_counter()
        dataset = rdflib.Dataset(default_union=True)
        dataset.parse(str(data), format="nquads")
        load[name] = time.perf_counter() - start
        after = rss_mb()
        memory[name] = f"RSS +{after - before:.0f} MB" if before is not None else "n/a"
        print(f"{name}: loaded in {load[name]:.1f} s", flush=True)
        results[name] = time_rdflib(dataset, args.runs, args.cap)

    report(columns, load, memory, results, quads, articles, args)


def report(columns, load, memory, results, quads, articles, args) -> None:
    base = columns[0]
    print()
    print(f"{quads} quads, {articles} named graphs; median of {args.runs} run(s); "
          f"ratios are against the baseline, {base!r} (x1.00). Rows returned in [brackets].")
    header = ["measure", *columns]
    rows = [["load (snapshot: copy from disk store)", *(f"{load[c]:.2f} s{ratio(load[c], load[base])}" for c in columns)],
            ["memory / disk", *(memory[c] for c in columns)]]
    for q in QUERIES:
        cells = []
        for c in columns:
            seconds, n = results[c][q]
            cells.append(f"{fmt_s(seconds, args.cap)}{ratio(seconds, results[base][q][0])} [{n}]")
        rows.append([q, *cells])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(r, widths)))


if __name__ == "__main__":
    main()
