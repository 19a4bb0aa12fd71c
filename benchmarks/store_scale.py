"""Helpers of bench_store.py: loading a file with `pmkg ingest` against `oxigraph load`, and every
saved query through the web app (`pmkg serve`, /sparql) against pyoxigraph on the same store.

Each command runs as a child process; its peak memory is the child's own
``ru_maxrss`` (``os.wait4``), its disk the size of the folder it wrote.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import saved_queries
from kg.namespaces import GRAPH, ID, PMKG

LIMIT_S = 1.0   # every saved query must answer in under this through /sparql
# Values the synthetic data holds, for the saved queries' parameters (the queries' own
# defaults name officers of the sample articles, which the synthetic data does not have).
SYNTHETIC_VALUES = {
    "officer": f"{ID}officer/7", "fact": f"{ID}allegation/7-0", "name": "Officer 7",
    "speaker": f"{ID}person/speaker-7",
}


@dataclass
class Load:
    seconds: float
    peak_mb: float
    disk_mb: float
    status: int


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def timed_child(argv: list[str], folder: Path) -> Load:
    """Run ``argv`` to its end; its wall time, its own peak resident memory and ``folder``'s size."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode("utf-8", "replace")
    child.stderr.close()
    if child.returncode != 0:
        print(f"  {' '.join(argv[:3])} failed ({child.returncode}): {errors.strip()[-500:]}", flush=True)
    return Load(seconds, usage.ru_maxrss / 1024, folder_mb(folder) if folder.exists() else 0.0, child.returncode)


def oxigraph_cli() -> str | None:
    """The `oxigraph` command of the test dependencies (pip package ``oxigraph``), beside this Python."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def compare_loads(data: Path, work: Path) -> tuple[dict[str, Load], Path]:
    """Load ``data`` with `oxigraph load` and with `pmkg ingest`; returns the loads and pmkg's store."""
    loads = {}
    cli = oxigraph_cli()
    if cli is None:
        print("  no `oxigraph` command: pip install oxigraph==0.5.13 (a test dependency)", flush=True)
    else:
        target = work / "oxigraph-load"
        loads["oxigraph load"] = timed_child([cli, "load", "--location", str(target), "--file", str(data)], target)
        print(f"  oxigraph load: {loads['oxigraph load']}", flush=True)
        # For reference: the same store once compacted, as RocksDB leaves it after later writes.
        optimized = timed_child([cli, "optimize", "--location", str(target)], target)
        loads["  then oxigraph optimize"] = optimized
        print(f"  then oxigraph optimize: {optimized}", flush=True)
        shutil.rmtree(target, ignore_errors=True)
    store = work / "pmkg-store"
    loads["pmkg ingest"] = timed_child([sys.executable, "-m", "kg", "ingest", "--quiet", "--store", str(store),
                                        str(data)], store)
    print(f"  pmkg ingest: {loads['pmkg ingest']}", flush=True)
    return loads, store


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(store: Path) -> tuple[subprocess.Popen, str]:
    """`pmkg serve` on a free loopback port, once it answers (it copies the store into memory first)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PMKG_STORE"}
    server = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        try:
            if fetch(base + "/sparql", {"query": "ASK {}"})[0] == 200:
                return server, base
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("the web app did not start")
        time.sleep(0.5)


def fetch(url: str, form: dict | None = None, accept: str = "application/sparql-results+json") -> tuple[int, int]:
    """(status, body bytes) of a POST of ``form`` (or a GET) to ``url``."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())


@dataclass
class Timing:
    name: str
    route: str
    web_s: float | None
    raw_s: float
    rows: int
    status: int


def time_saved_queries(store: Path, base: str, runs: int) -> list[Timing]:
    """Each saved query (median of ``runs``), through the web app and through pyoxigraph on the store."""
    raw_store = ox.Store.read_only(str(store))
    synthetic = dict(SYNTHETIC_VALUES, **first_case(raw_store))
    out = []
    for query in saved_queries.load_all().values():
        if query.federated:
            print(f"  {query.name}: skipped (calls Wikidata; no network here)", flush=True)
            continue
        values = {p.name: synthetic.get(p.name, p.default or "")
                  for p in query.parameters if p.required}
        text = query.text()
        graph = query.form in ("CONSTRUCT", "DESCRIBE")
        if values:   # required parameters are bound by the saved query's own route
            route = f"/queries/{query.name}.{'ttl' if graph else 'json'}"
            url, form = base + route + "?" + urllib.parse.urlencode(values), None
        else:
            route, url, form = "/sparql", base + "/sparql", {"query": text}
        accept = "text/turtle" if graph else "application/sparql-results+json"
        substitutions = {ox.Variable(k): v for k, v in query.bind(values).items()}
        web, raw, rows, status = [], [], 0, 0
        for _ in range(runs):
            start = time.perf_counter()
            status, _ = fetch(url, form, accept)
            web.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = raw_store.query(text, use_default_graph_as_union=True, substitutions=substitutions)
            rows = 1 if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
            raw.append(time.perf_counter() - start)
        timing = Timing(query.name, route, statistics.median(web) if status == 200 else None,
                        statistics.median(raw), rows, status)
        print(f"  {query.name}: web {fmt_ms(timing.web_s)} ({status}), pyoxigraph {fmt_ms(timing.raw_s)}",
              flush=True)
        out.append(timing)
    return out


def first_case(store: ox.Store) -> dict[str, str]:
    """{"case": the IRI of a case with several steps} from the cases graph `pmkg ingest` built, if any."""
    found = store.query(f"""SELECT ?case WHERE {{ GRAPH <{GRAPH}cases> {{ ?step <{PMKG}ofCase> ?case }} }}
                            GROUP BY ?case HAVING (COUNT(?step) > 2) LIMIT 1""")
    return {"case": row["case"].value for row in found}


def fmt_ms(seconds: float | None) -> str:
    return "failed" if seconds is None else f"{seconds * 1000:.1f}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print(" | ".join(cell.ljust(w) for cell, w in zip(r, widths)))


def report_loads(loads: dict[str, Load]) -> None:
    base = loads.get("oxigraph load")
    rows = []
    for name, load in loads.items():
        ratio = (lambda a, b: f" (x{a / b:.2f})" if base and b else "")
        rows.append([name, f"{load.seconds:.1f} s{ratio(load.seconds, base.seconds if base else 0)}",
                     f"{load.disk_mb:.0f} MB{ratio(load.disk_mb, base.disk_mb if base else 0)}",
                     f"{load.peak_mb:.0f} MB", str(load.status)])
    print_table(["load", "time", "disk", "peak memory", "exit"], rows)


def report_queries(timings: list[Timing]) -> list[str]:
    """Print the table; return the names of the queries over the limit (or failing) through the web app."""
    rows, slow = [], []
    for t in timings:
        over = t.web_s is None or t.web_s >= LIMIT_S
        if over:
            slow.append(t.name)
        ratio = "" if t.web_s is None else f"{t.web_s / t.raw_s:.2f}" if t.raw_s else ""
        rows.append([t.name + (" OVER 1 s" if over else ""), t.route, fmt_ms(t.web_s), fmt_ms(t.raw_s), ratio,
                     str(t.rows)])
    print_table(["query", "route", "pmkg ms", "pyoxigraph ms", "ratio", "rows"], rows)
    return slow
