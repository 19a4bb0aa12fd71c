"""What one oversized request costs everyone else: memory of the web process and others' latency.

    .venv/bin/python benchmarks/bench_limits.py [--python PYTHON] [--mb 30] [--rounds 3]

Starts ``pmkg serve`` (with PYTHON, default this interpreter: point it at
another checkout's virtualenv to compare versions) on a store holding the
sample case. Each round interleaves a baseline and a loaded phase:

* baseline: one client sends simple ``ASK`` queries for a few seconds;
* loaded: the same client, while another POSTs a query of ``--mb`` megabytes.

Prints, per round and as medians: the simple client's p95 latency and
requests per second in each phase (and their ratio, loaded / baseline), the
status the big POST got and how long it took, and how much the web
process's peak resident memory (VmHWM) grew.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHASE_SECONDS = 4.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def post(url: str, body: bytes, timeout: float = 120) -> int:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/sparql-query"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # the server closed the connection while the body was being sent


def simple_client(url: str, seconds: float) -> list[float]:
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        post(url, b"ASK { ?s ?p ?o }", timeout=30)
        latencies.append(time.monotonic() - started)
    return latencies


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))]


def run(python: str, megabytes: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        subprocess.run([python, "-m", "kg", "init", "--store", str(store)], check=True, capture_output=True)
        subprocess.run([python, "-m", "kg", "ingest", "--store", str(store), str(ROOT / "samples")],
                       check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([python, "-m", "kg", "serve", "--store", str(store), "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/sparql"
        try:
            deadline = time.monotonic() + 30
            while post(url, b"ASK {}", timeout=2) != 200:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            big = b'SELECT * WHERE { BIND("' + b"x" * (megabytes * 1024 * 1024) + b'" AS ?x) }'
            ratios_p95, ratios_rate, growths = [], [], []
            for number in range(1, rounds + 1):
                base = simple_client(url, PHASE_SECONDS)
                before = memory_kb(server.pid, "VmHWM")
                outcome = {}

                def send_big():
                    started = time.monotonic()
                    outcome["status"] = post(url, big)
                    outcome["seconds"] = time.monotonic() - started

                sender = threading.Thread(target=send_big)
                sender.start()
                loaded = simple_client(url, PHASE_SECONDS)
                sender.join()
                grown = (memory_kb(server.pid, "VmHWM") - before) / 1024
                ratio_p95 = p95(loaded) / p95(base)
                ratio_rate = (len(loaded) / PHASE_SECONDS) / (len(base) / PHASE_SECONDS)
                ratios_p95.append(ratio_p95)
                ratios_rate.append(ratio_rate)
                growths.append(grown)
                print(f"round {number}: big POST -> {outcome['status']} in {outcome['seconds']:.2f} s; "
                      f"simple p95 {p95(base) * 1000:.1f} ms -> {p95(loaded) * 1000:.1f} ms (x{ratio_p95:.2f}); "
                      f"rate {len(base) / PHASE_SECONDS:.0f} -> {len(loaded) / PHASE_SECONDS:.0f} req/s "
                      f"(x{ratio_rate:.2f}); peak memory +{grown:.0f} MB")
            print(f"median: p95 x{statistics.median(ratios_p95):.2f}, rate x{statistics.median(ratios_rate):.2f}, "
                  f"peak memory +{statistics.median(growths):.0f} MB")
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--mb", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.pop("PMKG_STORE", None)
    run(args.python, args.mb, args.rounds)


if __name__ == "__main__":
    main()
