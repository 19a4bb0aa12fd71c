"""Measure the moment the web app switches to a changed store, without the noise of a whole ingest.

``bench_refresh.py`` times a cheap query over HTTP during a real ``pmkg
ingest``, whose CPU use on a shared 2-core machine can hide what the app
itself does. This benchmark drives the app's query executor
(``kg.web.executor``) in one process, with a pool of four warm workers, while
a client thread runs a cheap query every 20 ms (open loop). Each round, a
separate process replaces one small named graph (300 quads, like an article)
in the store; then the executor is told to refresh and the time it takes to
switch is taken. Queries sent from the refresh until 0.5 s after it give the
"during the switch" latencies. Rounds of this checkout and of ``--baseline``
(another checkout, run through the same shim as ``bench_refresh.py``)
are interleaved, each system in its own process on its own copy of the store.

    .venv/bin/python benchmarks/bench_switch.py --baseline /tmp/base --workdir /tmp/snapbench/1m
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHEAP = "SELECT ?p ?o WHERE { <https://w3id.org/pmkg/id/article/7> ?p ?o } LIMIT 20"
WRITE = """
import sys, pyoxigraph as ox
from kg.store import Store
n = int(sys.argv[2])
with Store(sys.argv[1]) as store:
    store.replace_graph(f"http://example.org/bench-switch/{n % 3}", [ox.Triple(
        ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"), ox.Literal(f"{n} {i}"))
        for i in range(300)])
"""


def job(query: str) -> dict:
    return {"query": query, "union": True, "default_graph": None, "named_graphs": None,
            "row_limit": 100, "tabular": "json", "graph": "turtle"}


def child(store: str, rounds: int) -> None:
    """One system: serve ``store`` from an executor; for each line on stdin, change the store and refresh."""
    from kg.web.executor import Executor

    executor = Executor(store, size=4, check_interval=3600)  # refreshed by hand below
    executor.refresh(force=True)
    warm = [threading.Thread(target=executor.run, args=(job(CHEAP),), kwargs={"timeout": 60}) for _ in range(4)]
    for thread in warm:
        thread.start()
    for thread in warm:
        thread.join()
    sent: list[tuple[float, float]] = []  # (sent at, latency)

    def one(at: float) -> None:
        executor.run(job(CHEAP), timeout=60)
        sent.append((at, time.perf_counter() - at))

    stop = threading.Event()

    def client() -> None:
        next_at = time.perf_counter()
        while not stop.is_set():
            threading.Thread(target=one, args=(time.perf_counter(),), daemon=True).start()
            next_at += 0.02
            time.sleep(max(0.0, next_at - time.perf_counter()))

    threading.Thread(target=client, daemon=True).start()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        number = int(line)
        subprocess.run([sys.executable, "-c", WRITE, store, str(number)], check=True)
        started = time.perf_counter()
        executor.refresh(force=True)
        took = time.perf_counter() - started
        time.sleep(0.6)
        window = sorted(lat for at, lat in list(sent) if started <= at <= started + took + 0.5)
        print(json.dumps({"switch_s": took, "queries": len(window),
                          "p99_ms": window[min(len(window) - 1, int(len(window) * 0.99))] * 1000,
                          "max_ms": window[-1] * 1000}), flush=True)
    stop.set()
    executor.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--baseline", type=Path, help="another pmkg checkout to measure in the same run")
    parser.add_argument("--workdir", type=Path, required=True,
                        help="a folder with data-*.nq from bench_refresh.py (stores are built here)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    from bench_refresh import build_store, python_for

    data = sorted(args.workdir.glob("data-*.nq"))[-1]
    systems = {"this": None, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    procs, results = {}, {name: [] for name in systems}
    try:
        for name, checkout in systems.items():
            store = args.workdir / f"switch-{name}"
            if store.exists():
                shutil.rmtree(store)
            build_store(store, data)
            command, env = python_for(checkout, args.workdir / f"shim-{name}")
            procs[name] = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--workdir", str(args.workdir),
                 "--child", str(store), str(args.rounds)],
                env=env, cwd=args.workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            assert json.loads(procs[name].stdout.readline())["ready"]
            print(f"[{name}] serving {data.name}", flush=True)
        for number in range(args.rounds):
            for name, proc in procs.items():
                proc.stdin.write(f"{number}\n")
                proc.stdin.flush()
                result = json.loads(proc.stdout.readline())
                results[name].append(result)
                print(f"[{name}] round {number + 1}: switch {result['switch_s'] * 1000:.0f} ms, "
                      f"{result['queries']} queries p99 {result['p99_ms']:.1f} ms max {result['max_ms']:.0f} ms",
                      flush=True)
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait(60)
    print("\n| system | switch ms (median) | p99 ms during the switch (median / worst) | max ms (worst) |")
    print("|---|---|---|---|")
    for name, rounds in results.items():
        print(f"| {name} | {statistics.median(r['switch_s'] for r in rounds) * 1000:.0f} | "
              f"{statistics.median(r['p99_ms'] for r in rounds):.1f} / {max(r['p99_ms'] for r in rounds):.1f} | "
              f"{max(r['max_ms'] for r in rounds):.0f} |")


if __name__ == "__main__":
    main()
