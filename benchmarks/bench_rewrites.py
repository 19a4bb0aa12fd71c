"""A rewritten saved query against its earlier text, interleaved in one run, on a store kept between runs.

For each query named (default: every query with an earlier text in
tests/fixtures/queries/before-rewrite/, or with ``--before REV`` the text in
git at REV), the earlier and the current text run
in turn through the web app (`pmkg serve` on loopback, /sparql) and through
pyoxigraph on the same on-disk store; the table gives the medians, the ratio
new/old of each, and whether both texts gave the same rows (compared as
multisets through pyoxigraph). Parameters get the values of
store_scale.SYNTHETIC_VALUES (or their defaults), bound before evaluation in
pyoxigraph (which decides "same rows") and, for the web app, with a VALUES
block as pmkg sends them to a server (``kg.remote_protocol.bind_values``). A busy machine slows both texts alike, so the
ratios hold where the milliseconds do not.

The store is built once (the realistic generator of bench_store.py, then
`pmkg ingest`) in ``--store`` and kept, so later runs skip the minutes of
loading:

    .venv/bin/python benchmarks/bench_rewrites.py --store /tmp/pmkg-1m officers graphs
    .venv/bin/python benchmarks/bench_rewrites.py --store /tmp/pmkg-1m --runs 5
    .venv/bin/python benchmarks/bench_rewrites.py --store /tmp/pmkg-1m --before 364dd97 officer-articles
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyoxigraph as ox

import store_scale
from synthetic import generate
from kg import saved_queries
from kg.remote_protocol import bind_values

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "tests" / "fixtures" / "queries" / "before-rewrite"


def earlier_text(name: str, revision: str | None) -> str:
    """The query's earlier text: in git at ``revision``, else the one kept for the rewrite test."""
    if revision:
        return subprocess.run(["git", "show", f"{revision}:queries/{name}.rq"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout
    return (BEFORE / f"{name}.rq").read_text(encoding="utf-8")


def parameters(name: str) -> dict:
    """The saved query's parameters bound to values the synthetic data has."""
    query = saved_queries.get(name)
    values = {p.name: store_scale.SYNTHETIC_VALUES.get(p.name, p.default) for p in query.parameters}
    return query.bind({k: v for k, v in values.items() if v})


def build(folder: Path, triples: int) -> Path:
    """The store in ``folder``/store, generated and ingested unless it is already there."""
    store = folder / "store"
    if store.exists():
        return store
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.nq"
        quads, articles = generate(data, triples, realistic=True)
        print(f"generated {quads} quads in {articles} graphs; loading", flush=True)
        subprocess.run([sys.executable, "-m", "kg", "ingest", "--quiet", "--store", str(store), str(data)],
                       check=True)
    return store


def answer(raw: ox.Store, text: str, substitutions: dict) -> tuple[float, Counter]:
    start = time.perf_counter()
    result = raw.query(text, use_default_graph_as_union=True, substitutions={ox.Variable(k): v for k, v in substitutions.items()} or None)
    if isinstance(result, ox.QueryBoolean):
        rows = Counter([bool(result)])
    elif isinstance(result, ox.QuerySolutions):
        names = list(result.variables)
        rows = Counter(tuple(None if r[v] is None else str(r[v]) for v in names) for r in result)
    else:
        rows = Counter(str(triple) for triple in result)
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("queries", nargs="*", help="saved query names (default: every rewritten one)")
    parser.add_argument("--store", type=Path, required=True, help="folder to build the store in, or reuse it from")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of each text (median reported)")
    parser.add_argument("--before", help="a git revision to take the earlier texts from (default: the kept ones)")
    args = parser.parse_args()
    names = args.queries or sorted(p.stem for p in BEFORE.glob("*.rq"))
    store = build(args.store, args.triples)
    server, base = store_scale.start_server(store)
    rows = []
    try:
        raw = ox.Store.read_only(str(store))
        for name in names:
            texts = {"before": earlier_text(name, args.before), "after": saved_queries.get(name).text()}
            bound = parameters(name)
            web, pyox, answers = {k: [] for k in texts}, {k: [] for k in texts}, {}
            for _ in range(args.runs):
                for key, text in texts.items():   # interleaved: old, new, old, new ...
                    start = time.perf_counter()
                    status, _ = store_scale.fetch(base + "/sparql", {"query": bind_values(text, bound)})
                    web[key].append(time.perf_counter() - start if status == 200 else float("nan"))
                    seconds, answers[key] = answer(raw, text, bound)
                    pyox[key].append(seconds)
            w = {k: statistics.median(v) for k, v in web.items()}
            p = {k: statistics.median(v) for k, v in pyox.items()}
            same = "yes" if answers["before"] == answers["after"] else "NO"
            rows.append([name, f"{w['before'] * 1000:.0f}", f"{w['after'] * 1000:.0f}",
                         f"{w['after'] / w['before']:.2f}", f"{p['before'] * 1000:.0f}", f"{p['after'] * 1000:.0f}",
                         f"{p['after'] / p['before']:.2f}", str(sum(answers["after"].values())), same])
            print(f"  {name}: done", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nmedian of {args.runs}; web = the web app (/sparql), pyoxigraph = Store.query on the on-disk store")
    store_scale.print_table(["query", "web before ms", "web after ms", "ratio", "pyoxigraph before ms",
                             "pyoxigraph after ms", "ratio", "rows", "same rows"], rows)
    if any(r[-1] != "yes" for r in rows):
        raise SystemExit("a rewrite answers differently from its earlier text")


if __name__ == "__main__":
    main()
