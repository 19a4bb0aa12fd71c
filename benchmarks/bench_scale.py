"""The scale curve: load time, three saved queries and memory at 250k, 1M and 4M quads.

Systems, measured in one run on the same synthetic data (the generator of
``bench_store.py`` plus the ontology and vocabularies, which the saved queries
join with):

- loading: ``oxigraph load`` (the baseline, x1.00) and ``pmkg ingest``;
- querying: the Oxigraph server (``oxigraph serve-read-only
  --union-default-graph`` on the store ``oxigraph load`` made, over HTTP: the
  baseline), the embedded store (pyoxigraph in a child process, on the store
  ``pmkg ingest`` made), ``pmkg query`` (a new process per query, start-up
  included) and the web app (``pmkg serve``, ``/sparql``, default limits).

Each measure is the median of ``--runs`` runs, the systems interleaved within
each run. Memory: the peak resident set of a load, and the proportional set
size (PSS) of a query system's processes after its queries. Run on demand, not
in the test suite; the 4M step takes a long time:

    .venv/bin/python benchmarks/bench_scale.py                    # 250k, 1M and 4M quads
    .venv/bin/python benchmarks/bench_scale.py --sizes 250k --runs 3
    .venv/bin/python benchmarks/bench_scale.py --sizes 1M --systems server,embedded

More columns (Virtuoso, the web app on a triple-store server) are systems
added to ``SYSTEMS``: see ``QuerySystem``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import generate  # noqa: E402  (the same data as bench_store.py)

from kg import resources  # noqa: E402
from kg.namespaces import ID, ONTOLOGY_GRAPH  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Three saved queries: a lookup of one officer, an aggregate joined with the vocabularies, and the
# heaviest aggregate. Parameters are bound with a VALUES clause, the same text for every system.
QUERIES = {
    "lookup (officer-reported.rq)": ("officer-reported", {"_officer_iri": f"<{ID}officer/7>"}),
    "aggregate (allegation-categories-by-year.rq)": ("allegation-categories-by-year", {}),
    "heavy (officers-by-force.rq)": ("officers-by-force", {}),
}


def query_text(name: str, values: dict[str, str]) -> str:
    text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    if values:
        names = " ".join(f"?{v}" for v in values)
        text += f"\nVALUES ({names}) {{ ({' '.join(values.values())}) }}\n"
    return text


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def tree_pss_mb(pid: int) -> float | None:
    """PSS of a process and all its descendants, in MB (Linux), or None."""
    total, stack = 0, [pid]
    try:
        while stack:
            current = stack.pop()
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, ValueError):
        return None if total == 0 else total / 1024
    return total / 1024


def run_measured(command: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run a command; return (seconds, its peak RSS in MB, standard output). Fails loudly."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(process.pid, 0)      # this child's own resource usage
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command[:3])} failed: {err.read().decode(errors='replace').strip()[-500:]}")
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read().decode(errors="replace")


def prepare(size: int, work: Path) -> tuple[Path, int]:
    """The data file: the generated quads plus the ontology graph (the saved queries join with it)."""
    data = work / f"data-{size}.nq"
    quads, _ = generate(data, size)
    with open(data, "ab") as out:
        for path in resources.ontology_files():
            triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            graph = ox.NamedNode(ONTOLOGY_GRAPH)
            quad_list = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
            out.write(ox.serialize(quad_list, format=ox.RdfFormat.N_QUADS))
            quads += len(quad_list)
    return data, quads


# -- loading ------------------------------------------------------------------------------------

LOADERS = {
    "oxigraph load": lambda data, folder: [str(BIN / "oxigraph"), "load", "--location", str(folder),
                                           "--file", str(data)],
    "pmkg ingest": lambda data, folder: [sys.executable, "-m", "kg", "ingest", "--store", str(folder),
                                         "--quiet", str(data)],
}


# -- querying -----------------------------------------------------------------------------------

class QuerySystem:
    """A column of the query table: ``start`` it on a store, ``query`` it, ``stop`` it.

    ``store`` says which load's store it reads ("oxigraph load" or "pmkg ingest"). A new backend
    (Virtuoso, the web app on a server store) subclasses this and is added to ``SYSTEMS``.
    """

    name = "?"
    store = "pmkg ingest"

    def start(self, folder: Path) -> None:
        raise NotImplementedError

    def query(self, text: str) -> tuple[float | None, int | str]:
        """Seconds and rows (None and a reason when it failed)."""
        raise NotImplementedError

    def memory(self) -> str:
        return ""

    def stop(self) -> None:
        pass


class HttpSystem(QuerySystem):
    """A SPARQL 1.1 Protocol endpoint started as a child process."""

    process: subprocess.Popen | None = None
    url = ""

    def launch(self, command: list[str], url: str, env: dict | None = None, wait: float = 600) -> None:
        self.url, self.client = url, httpx.Client(timeout=900)   # one connection pool, as a real client keeps
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, **(env or {})})
        deadline = time.monotonic() + wait
        while True:
            try:
                if self.client.post(url, data={"query": "ASK {}"}, timeout=30).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{self.name} did not start")
            time.sleep(0.5)

    def query(self, text: str) -> tuple[float | None, int | str]:
        started = time.perf_counter()
        response = self.client.post(self.url, data={"query": text},
                                    headers={"Accept": "application/sparql-results+json"})
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            return None, f"HTTP {response.status_code}"
        body = response.json()
        return seconds, len(body["results"]["bindings"]) if "results" in body else int(body["boolean"])

    def memory(self) -> str:
        pss = tree_pss_mb(self.process.pid) if self.process else None
        return f"{pss:.0f} MB PSS" if pss is not None else "n/a"

    def stop(self) -> None:
        self.client.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class OxigraphServer(HttpSystem):
    name = "Oxigraph server"
    store = "oxigraph load"

    def start(self, folder: Path) -> None:
        port = free_port()
        self.launch([str(BIN / "oxigraph"), "serve-read-only", "--location", str(folder), "--bind",
                     f"127.0.0.1:{port}", "--union-default-graph", "--timeout-s", "900"],
                    f"http://127.0.0.1:{port}/query")


class WebApp(HttpSystem):
    name = "web app /sparql"

    def start(self, folder: Path) -> None:
        port = free_port()
        self.launch([sys.executable, "-m", "kg", "serve", "--store", str(folder), "--port", str(port)],
                    f"http://127.0.0.1:{port}/sparql")


class Embedded(QuerySystem):
    """pyoxigraph on the store pmkg made, in a child process that stays open between queries."""

    name = "embedded (pyoxigraph)"

    def start(self, folder: Path) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--child", str(folder)], text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def query(self, text: str) -> tuple[float | None, int | str]:
        self.process.stdin.write(json.dumps(text) + "\n")
        self.process.stdin.flush()
        seconds, rows = json.loads(self.process.stdout.readline())
        return seconds, rows

    def memory(self) -> str:
        pss = tree_pss_mb(self.process.pid)
        return f"{pss:.0f} MB PSS" if pss is not None else "n/a"

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


class PmkgQuery(QuerySystem):
    """``pmkg query``: a new process each time, so start-up (imports, opening the store) counts."""

    name = "pmkg query (CLI, wall)"

    def start(self, folder: Path) -> None:
        self.folder, self.peak = folder, 0.0

    def query(self, text: str) -> tuple[float | None, int | str]:
        with tempfile.NamedTemporaryFile("w", suffix=".rq", delete=False) as handle:
            handle.write(text)
        try:
            seconds, peak, out = run_measured([sys.executable, "-m", "kg", "query", "--store", str(self.folder),
                                               "--format", "json", handle.name])
        finally:
            os.unlink(handle.name)
        self.peak = max(self.peak, peak)
        body = json.loads(out)
        return seconds, len(body["results"]["bindings"]) if "results" in body else int(body["boolean"])

    def memory(self) -> str:
        return f"peak RSS {self.peak:.0f} MB"


SYSTEMS = {"server": OxigraphServer, "embedded": Embedded, "cli": PmkgQuery, "webapp": WebApp}
BASELINE = "server"


def child(folder: str) -> None:
    """--child STORE: answer queries read from standard input (JSON strings), one line each."""
    store = ox.Store.read_only(folder)
    for line in sys.stdin:
        started = time.perf_counter()
        result = store.query(json.loads(line), use_default_graph_as_union=True)
        rows = int(bool(result)) if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
        print(json.dumps([time.perf_counter() - started, rows]), flush=True)


# -- the run ------------------------------------------------------------------------------------

def measure_size(size: int, work: Path, systems: list[str], runs: int) -> dict:
    data, quads = prepare(size, work)
    print(f"\n{quads:,} quads in {data.name} ({data.stat().st_size / 1e6:.0f} MB)", flush=True)
    loads: dict[str, list[tuple[float, float, float]]] = {name: [] for name in LOADERS}
    folders = {}
    for run in range(runs):
        for name, command in LOADERS.items():   # interleaved: one load of each system per run
            folder = work / f"{name.replace(' ', '-')}-{size}-{run}"
            seconds, peak, _ = run_measured(command(data, folder))
            loads[name].append((seconds, peak, folder_mb(folder)))
            print(f"  {name}: {seconds:.1f} s, peak RSS {peak:.0f} MB, {folder_mb(folder):.0f} MB on disk", flush=True)
            if name in folders:
                shutil.rmtree(folders[name])
            folders[name] = folder
    data.unlink()
    started = {}
    for key in systems:
        system = SYSTEMS[key]()
        system.start(folders[system.store])
        started[key] = system
    texts = {label: query_text(*spec) for label, spec in QUERIES.items()}
    times: dict[tuple[str, str], list] = {}
    try:
        for label, text in texts.items():        # one warm-up each, not counted
            for key, system in started.items():
                system.query(text)
        for run in range(runs):
            for label, text in texts.items():
                for key, system in started.items():
                    times.setdefault((key, label), []).append(system.query(text))
        memory = {key: system.memory() for key, system in started.items()}
    finally:
        for system in started.values():
            system.stop()
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)
    return {"quads": quads, "loads": loads, "times": times, "memory": memory,
            "names": {key: system.name for key, system in started.items()}}


def summary(samples: list) -> tuple[float | None, str]:
    """The median seconds and the rows, or None and why it failed."""
    failed = [note for seconds, note in samples if seconds is None]
    if failed:
        return None, str(failed[0])
    return statistics.median(seconds for seconds, _ in samples), str(samples[-1][1])


def cell(seconds: float | None, note: str, base: float | None = None) -> str:
    if seconds is None:
        return f"failed ({note})"
    ms = seconds * 1000
    shown = f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms" if ms < 1000 else f"{seconds:.2f} s"
    return shown + (f" (x{seconds / base:.2f})" if base else "") + (f" [{note}]" if note else "")


def report(result: dict, runs: int) -> None:
    print(f"\n{result['quads']:,} quads; medians of {runs}; ratios against `oxigraph load` (loading) and "
          f"the Oxigraph server (queries), measured in the same run; [rows]")
    base = statistics.median(s for s, _, _ in result["loads"]["oxigraph load"])
    print("| load | time | peak RSS | on disk |\n|---|---|---|---|")
    for name, samples in result["loads"].items():
        seconds = statistics.median(s for s, _, _ in samples)
        peak = statistics.median(p for _, p, _ in samples)
        disk = statistics.median(d for _, _, d in samples)
        print(f"| {name} | {cell(seconds, '', base)} | {peak:.0f} MB | {disk:.0f} MB |")
    keys = list(result["names"])
    print("| query | " + " | ".join(result["names"][k] for k in keys) + " |")
    print("|---|" + "---|" * len(keys))
    for label in QUERIES:
        baseline = summary(result["times"][(BASELINE, label)])[0] if BASELINE in keys else None
        cells = [cell(*summary(result["times"][(k, label)]), baseline) for k in keys]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("| memory after the queries | " + " | ".join(result["memory"][k] for k in keys) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250k,1M,4M", help="approximate quads, comma-separated (250k,1M,4M)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (the median is shown)")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"query systems, comma-separated, of: {', '.join(SYSTEMS)}")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    work = Path(tempfile.mkdtemp(prefix="pmkg-scale-"))
    try:
        for size in (parse_size(s) for s in args.sizes.split(",")):
            report(measure_size(size, work, systems, args.runs), args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
