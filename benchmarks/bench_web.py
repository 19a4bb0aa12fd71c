"""Measure the SPARQL endpoint's query workers: overhead per query, restart time, cancel latency.

    .venv/bin/python benchmarks/bench_web.py [STORE]

Without STORE a temporary store with the sample case is created. Prints the
median of each measurement in milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from kg.store import Store
from kg.web.executor import Executor, QueryTimeout, load_snapshot

ROOT = Path(__file__).resolve().parent.parent
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def job(query: str) -> dict:
    return {"query": query, "union": True, "default_graph": None, "named_graphs": None,
            "row_limit": 10000, "tabular": "json", "graph": "turtle"}


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms (median of {len(samples)})"


def main(store_path: Path) -> None:
    snapshot = load_snapshot(store_path)
    executor = Executor(store_path, size=2)
    query = "SELECT ?s WHERE { ?s a ?type } LIMIT 10"
    executor.run(job(query), timeout=10)
    direct, pooled = [], []
    for _ in range(200):
        started = time.perf_counter()
        list(snapshot.query(query, union_default_graph=True))
        direct.append(time.perf_counter() - started)
        started = time.perf_counter()
        executor.run(job(query), timeout=10)
        pooled.append(time.perf_counter() - started)
    print(f"query in this process:     {ms(direct)}")
    print(f"query through a worker:    {ms(pooled)}")
    print(f"overhead per query:        {(statistics.median(pooled) - statistics.median(direct)) * 1000:.2f} ms")
    cancel, restart = [], []
    for _ in range(10):
        started = time.perf_counter()
        try:
            executor.run(job(EXPENSIVE), timeout=0.5)
        except QueryTimeout:
            cancel.append(time.perf_counter() - started - 0.5)
        started = time.perf_counter()
        executor.run(job("ASK {}"), timeout=10)  # forks a fresh worker
        restart.append(time.perf_counter() - started)
    print(f"cancel latency past limit: {ms(cancel)}")
    print(f"first query on a new worker (fork + run): {ms(restart)}")
    executor.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "store"
            with Store.create(path) as store:
                store.load(ROOT / "samples" / "sample-case.trig", format="trig")
            main(path)
