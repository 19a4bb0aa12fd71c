"""How long `pmkg` takes to start: `pmkg --help` and `pmkg query` of an ASK, against `python -c pass`.

    .venv/bin/python benchmarks/bench_start.py [--rounds 15]

Each round runs the three commands one after the other (interleaved, so a
busy machine slows them alike) as fresh processes of this interpreter; the
table shows the median wall time of each, its ratio to the baseline and its
time above it. The query runs on a new store made by `pmkg init` in a
temporary folder. Exits with status 1 naming a command whose median is over
LIMIT_S (0.3 s).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_S = 0.3


def run(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    python = sys.executable
    script = Path(python).parent / "pmkg"   # the installed command, else the module
    pmkg = [str(script)] if script.exists() else [python, "-m", "kg"]
    with tempfile.TemporaryDirectory(prefix="pmkg-start-") as folder:
        store, ask = Path(folder) / "store", Path(folder) / "ask.rq"
        subprocess.run([*pmkg, "init", "--store", str(store)], check=True, capture_output=True)
        ask.write_text("ASK { ?s ?p ?o }\n")
        commands = {
            "python -c pass (baseline)": [python, "-c", "pass"],
            "pmkg --help": [*pmkg, "--help"],
            "pmkg query --store S ask.rq": [*pmkg, "query", "--store", str(store), str(ask)],
        }
        for argv in commands.values():   # warm the file cache once
            run(argv)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, argv in commands.items():
                times[name].append(run(argv))
    base = statistics.median(times["python -c pass (baseline)"])
    rows, slow = [], []
    for name, samples in times.items():
        median = statistics.median(samples)
        if name != "python -c pass (baseline)" and median >= LIMIT_S:
            slow.append(name)
        rows.append([name, f"{median * 1000:.0f}", f"{min(samples) * 1000:.0f}", f"x{median / base:.1f}",
                     f"{(median - base) * 1000:+.0f}"])
    header = ["command", "median ms", "min ms", "ratio", "above baseline ms"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"{args.rounds} interleaved rounds, {python}")
    for r in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(r, widths)))
    if slow:
        raise SystemExit(f"over {LIMIT_S:g} s: {', '.join(slow)}")


if __name__ == "__main__":
    main()
