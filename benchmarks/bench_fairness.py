"""Fairness under load: a light client's simple queries while four clients loop a costly query.

A real server (`pmkg serve`, waitress) on loopback serves the sample store.
Each client sends from its own loopback address (127.0.0.2 to 127.0.0.6), so
the server tells them apart as it tells apart clients on the internet. Four
heavy clients (separate processes) loop a query that runs to the time limit
(a COUNT over a three-way cross product: all CPU, little memory); a fifth,
light client loops a simple SELECT. The light client's p95 latency and
throughput are measured alone (baseline) and under the load, the phases
interleaved, and reported as ratios (the load phase starts once the heavy
clients' first queries have run out: the first time limit of an attack by
new clients is not measured); once with the fair queue (default
settings) and once with it switched off (``PMKG_FAIR_QUEUE=false``), the
behaviour before it.

    python benchmarks/bench_fairness.py            # 2 rounds of 15 s phases per setting
    python benchmarks/bench_fairness.py --seconds 8 --rounds 1
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COSTLY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT ?s ?type WHERE { ?s a ?type } LIMIT 10"
LIGHT_ADDRESS = "127.0.0.6"
HEAVY_ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ask(port: int, source: str, query: str, timeout: float = 30) -> int:
    """One GET /sparql from ``source``; the status (0 if the connection failed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                           headers={"Accept": "application/sparql-results+json"})
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def heavy(port: int, source: str, stop) -> None:
    """Loop the costly query until told to stop, without pausing (an impolite client)."""
    while not stop.is_set():
        ask(port, source, COSTLY)


def light(port: int, seconds: float) -> dict:
    """Loop the simple query for ``seconds``: latencies of 200 answers, and the other statuses."""
    latencies, other = [], {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        status = ask(port, LIGHT_ADDRESS, SIMPLE)
        if status == 200:
            latencies.append(time.monotonic() - started)
        else:
            other[status] = other.get(status, 0) + 1
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("inf")
    return {"rate": len(latencies) / seconds, "p95": p95, "median": statistics.median(latencies or [0]),
            "other": other}


def start_server(store: Path, fair: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "PMKG_FAIR_QUEUE": "true" if fair else "false"}
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while ask(port, LIGHT_ADDRESS, SIMPLE, timeout=5) != 200:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.2)
    return process, port


def measure(store: Path, fair: bool, seconds: float, rounds: int, settle: float) -> dict:
    process, port = start_server(store, fair)
    try:
        light(port, 2)  # warm up the workers and the snapshot
        base, load = [], []
        for _ in range(rounds):
            base.append(light(port, seconds))
            stop = multiprocessing.Event()
            clients = [multiprocessing.Process(target=heavy, args=(port, address, stop))
                       for address in HEAVY_ADDRESSES]
            for client in clients:
                client.start()
            time.sleep(settle)  # past the heavy clients' first queries: the steady state of an attack
            load.append(light(port, seconds))
            stop.set()
            for client in clients:
                client.join(60)
            time.sleep(settle)  # their last queries run out before the next baseline
        return {"base": base, "load": load}
    finally:
        process.terminate()
        process.wait(10)


def summary(runs: list[dict]) -> dict:
    other: dict = {}
    for run in runs:
        for status, count in run["other"].items():
            other[status] = other.get(status, 0) + count
    return {"rate": statistics.mean(r["rate"] for r in runs), "p95": max(r["p95"] for r in runs), "other": other}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=2, help="baseline/load pairs per setting")
    parser.add_argument("--settle", type=float, default=11, help="pause after a load phase (the time limit + 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        from kg.store import Store

        store = Path(folder) / "store"
        with Store.create(store) as created:
            created.load(ROOT / "samples" / "sample-case.trig", format="trig")
        print("setting        phase     req/s   p95 (s)  median (s)  not 200")
        for fair in (True, False):
            result = measure(store, fair, args.seconds, args.rounds, args.settle)
            base, load = summary(result["base"]), summary(result["load"])
            name = "fair queue" if fair else "FAIR_QUEUE=false"
            for phase, runs, s in (("alone", result["base"], base), ("4 heavy", result["load"], load)):
                median = statistics.median(r["median"] for r in runs)
                print(f"{name:<14} {phase:<8} {s['rate']:7.1f} {s['p95']:9.3f} {median:11.4f}  {s['other'] or '-'}")
            print(f"{name:<14} ratio    throughput x{load['rate'] / base['rate']:.2f}, "
                  f"p95 x{load['p95'] / base['p95']:.1f}")


if __name__ == "__main__":
    main()
