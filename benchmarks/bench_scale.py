"""The scale curve: load time, three saved queries and memory at 250k, 1M and 4M quads.

Systems, measured in one run on the same synthetic data (the generator of
``bench_store.py`` plus the ontology and vocabularies, which the saved queries
join with):

- loading: ``oxigraph load`` (the baseline, x1.00), ``pmkg ingest`` and
  Virtuoso's bulk loader (``ld_dir``, ``rdf_loader_run``, ``checkpoint``);
- querying: the Oxigraph server (``oxigraph serve-read-only
  --union-default-graph`` on the store ``oxigraph load`` made, over HTTP: the
  baseline), the embedded store (pyoxigraph in a child process, on the store
  ``pmkg ingest`` made), ``pmkg query`` (a new process per query, start-up
  included), the web app (``pmkg serve``, ``/sparql``, default limits),
  Virtuoso's ``/sparql`` and the web app on an Oxigraph server
  (``PMKG_STORE=http://127.0.0.1:PORT pmkg serve``, default limits).

The loaders and systems are in ``scale_systems.py``; Virtuoso is left out,
with the reason, where ``virtuoso-t`` is not installed.

Each measure is the median of ``--runs`` runs, the systems interleaved within
each run. Memory: the peak resident set of a load, and the proportional set
size (PSS) of a query system's processes after its queries. Run on demand, not
in the test suite; the 4M step takes a long time:

    .venv/bin/python benchmarks/bench_scale.py                    # 250k, 1M and 4M quads
    .venv/bin/python benchmarks/bench_scale.py --sizes 250k --runs 3
    .venv/bin/python benchmarks/bench_scale.py --sizes 1M --systems server,embedded

Another column is a ``QuerySystem`` subclass added to ``SYSTEMS``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import generate  # noqa: E402  (the same data as bench_store.py)
from scale_systems import BASELINE, LOADERS, NEEDS_VIRTUOSO, OPTIMIZED, SYSTEMS, oxigraph_load_optimize  # noqa: E402  (puts tests/ on the path)
from remote_servers import VIRTUOSO_MISSING  # noqa: E402

from kg import resources  # noqa: E402
from kg.namespaces import ID, ONTOLOGY_GRAPH  # noqa: E402
from kg.remote_protocol import bind_values  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Three saved queries: a lookup of one officer, an aggregate joined with the vocabularies, and the
# heaviest aggregate. Parameters are bound with a VALUES block first in the WHERE group, as pmkg
# sends them to a SPARQL server (``kg.remote_protocol.bind_values``): the same text for every system.
QUERIES = {
    "lookup (officer-reported.rq)": ("officer-reported", {"_officer_iri": ox.NamedNode(f"{ID}officer/7")}),
    "aggregate (allegation-categories-by-year.rq)": ("allegation-categories-by-year", {}),
    "heavy (officers-by-force.rq)": ("officers-by-force", {}),
}


def query_text(name: str, values: dict[str, ox.NamedNode]) -> str:
    return bind_values((ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8"), values)


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


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


def child(folder: str) -> None:
    """--child STORE: answer queries read from standard input (JSON strings), one line each."""
    store = ox.Store.read_only(folder)
    for line in sys.stdin:
        started = time.perf_counter()
        result = store.query(json.loads(line), use_default_graph_as_union=True)
        rows = str(bool(result)).lower() if isinstance(result, ox.QueryBoolean) else sum(1 for _ in result)
        print(json.dumps([time.perf_counter() - started, rows]), flush=True)


# -- the run ------------------------------------------------------------------------------------

def measure_size(size: int, work: Path, systems: list[str], runs: int, loaders: list[str]) -> dict:
    data, quads = prepare(size, work)
    print(f"\n{quads:,} quads in {data.name} ({data.stat().st_size / 1e6:.0f} MB); load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    loads: dict[str, list[tuple[float, float, float]]] = {name: [] for name in loaders}
    folders = {}
    for run in range(runs):
        for name in loaders:                    # interleaved: one load of each system per run
            folder = work / f"{name.replace(' ', '-')}-{size}-{run}"
            seconds, peak, disk = LOADERS[name](data, folder)
            loads[name].append((seconds, peak, disk))
            print(f"  {name}: {seconds:.1f} s, peak RSS {peak:.0f} MB, {disk:.0f} MB on disk", flush=True)
            if name in folders:
                shutil.rmtree(folders[name])
            folders[name] = folder
    data.unlink()
    print(f"  querying; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
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
          f"the Oxigraph server (queries), measured in the same run; [rows, or the answer of an ASK]")
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
        baseline, expected = summary(result["times"][(BASELINE, label)]) if BASELINE in keys else (None, None)
        cells = []
        for key in keys:
            seconds, note = summary(result["times"][(key, label)])
            wrong = seconds is not None and baseline is not None and note != expected
            cells.append(cell(seconds, note, baseline) + (f" WRONG ANSWER (Oxigraph server: {expected})"
                                                          if wrong else ""))
        print(f"| {label} | " + " | ".join(cells) + " |")
    print("| memory after the queries | " + " | ".join(result["memory"][k] for k in keys) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250k,1M,4M", help="approximate quads, comma-separated (250k,1M,4M)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (the median is shown)")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"query systems, comma-separated, of: {', '.join(SYSTEMS)}")
    parser.add_argument("--optimize", action="store_true",
                        help="also load with `oxigraph load` then `oxigraph optimize`, and serve that store "
                             "to the Oxigraph server columns")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    if args.optimize:
        LOADERS[OPTIMIZED] = oxigraph_load_optimize
        for key in systems:
            if SYSTEMS[key].store == "oxigraph load":
                SYSTEMS[key].store = OPTIMIZED
    needed = {SYSTEMS[key].store for key in systems} | {"oxigraph load"}
    loaders = [name for name in LOADERS if name in needed or name == "pmkg ingest"]
    if VIRTUOSO_MISSING:
        print(f"Virtuoso left out: {VIRTUOSO_MISSING}", file=sys.stderr)
        systems = [key for key in systems if key not in NEEDS_VIRTUOSO]
        loaders = [name for name in loaders if name not in NEEDS_VIRTUOSO]
    work = Path(tempfile.mkdtemp(prefix="pmkg-scale-"))
    try:
        for size in (parse_size(s) for s in args.sizes.split(",")):
            report(measure_size(size, work, systems, args.runs, loaders), args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
