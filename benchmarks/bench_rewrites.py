"""The saved queries rewritten for Virtuoso against their earlier texts, on pyoxigraph at a million quads.

Generates the synthetic dataset of bench_store.py (``synthetic.generate``),
bulk-loads it into a store folder, and runs each query's earlier text (the
version in git at ``--before``, default ``HEAD~1``) and its current text
interleaved, ``--runs`` times each, with the parameter values of
store_scale.SYNTHETIC_VALUES; prints the medians and their ratio (new / old)
and checks that both give the same rows. Run on demand:

    .venv/bin/python benchmarks/bench_rewrites.py                 # ~1M quads
    .venv/bin/python benchmarks/bench_rewrites.py --triples 50000 --runs 1
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import store_scale
from synthetic import generate
from kg import saved_queries
from kg.namespaces import GRAPH
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("officer-reported", "officer-articles", "officer-graph", "officer-timeline", "officers-by-force",
         "repeat-officers", "investigations")


def answer(store: Store, text: str, bound: dict) -> object:
    result = store.query(text, union_default_graph=True, substitutions=bound)
    if hasattr(result, "variables"):
        return sorted(repr(tuple(str(r[v]) if r[v] is not None else None for v in result.variables)) for r in result)
    if hasattr(result, "__iter__"):
        return sorted(str(t) for t in result)
    return bool(result)


def timed(store: Store, text: str, bound: dict) -> tuple[float, object]:
    start = time.perf_counter()
    found = answer(store, text, bound)
    return time.perf_counter() - start, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default="HEAD~1", help="the git revision holding the earlier texts")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pmkg-rewrites-"))
    try:
        data = work / "data.nq"
        quads, articles = generate(data, args.triples, realistic=True)
        store = Store.create(work / "store")
        start = time.perf_counter()
        store.bulk_load(data, format="nquads", graph=GRAPH + "bench")
        print(f"{quads} quads in {articles} graphs, loaded in {time.perf_counter() - start:.1f} s", flush=True)
        print(f"| query | before ({args.before}) | now | now / before | same rows |")
        print("|---|---|---|---|---|")
        for name in NAMES:
            query = saved_queries.get(name)
            old = subprocess.run(["git", "show", f"{args.before}:queries/{name}.rq"], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout
            values = {p.name: store_scale.SYNTHETIC_VALUES.get(p.name, p.default) for p in query.parameters}
            bound = query.bind({k: v for k, v in values.items() if v})
            times = {"old": [], "new": []}
            found = {}
            for _ in range(args.runs):
                for key, text in (("old", old), ("new", query.text())):
                    seconds, found[key] = timed(store, text, bound)
                    times[key].append(seconds)
            before, now = statistics.median(times["old"]), statistics.median(times["new"])
            print(f"| {name} | {before * 1000:.1f} ms | {now * 1000:.1f} ms | {now / before:.2f} | "
                  f"{'yes' if found['old'] == found['new'] else 'NO'} ({len(found['new']) if isinstance(found['new'], list) else found['new']}) |",
                  flush=True)
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
