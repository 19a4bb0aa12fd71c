"""Measure the web app while the store changes: query latency during an ingest, time to visibility, memory.

For each system (this checkout; with --baseline, also an older checkout of
pmkg, e.g. /work/base at f0f6ef1), the benchmark builds a store of the
synthetic dataset of ``bench_store.py`` (bulk-loaded), starts ``pmkg serve``
on it and then, ``--rounds`` times, ingests one sample article with ``pmkg
ingest`` in another process while a client sends a cheap query to
``/sparql`` every 50 ms (open loop: a stalled app shows as many slow queries). Rounds alternate between the systems. It reports:

* the cheap query's latency (p50, p99, max) from the start of the ingest
  until one second after the article became visible;
* how long after ``pmkg ingest`` exited the article became visible through
  ``/sparql``;
* the RSS of the web app's main process, and the PSS of all its processes
  (the app and its query workers), after each round.

``--rounds`` may be larger than the 30 sample articles: rounds past the
30th ingest copies of them under new headlines (new graphs), so memory can
be followed over many refreshes. Each new article adds data, so some growth
is the data's own; ``--same`` ingests one article again and again instead,
its last paragraph changed each time (the same graph replaced: the data do
not grow, so neither should the memory). ``--memory`` leaves out the
latency load and only ingests, waits for the article and reads the memory.

    .venv/bin/python benchmarks/bench_refresh.py --quick                       # 20k quads, 2 rounds
    .venv/bin/python benchmarks/bench_refresh.py --baseline /work/base         # 1M quads, 5 rounds
    .venv/bin/python benchmarks/bench_refresh.py --triples 250000 --rounds 30            # 30 new articles
    .venv/bin/python benchmarks/bench_refresh.py --triples 250000 --rounds 30 --same     # one article replaced 30 times

Targets (issue 15): p99 under 100 ms, visible within 2 s, memory flat.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "samples" / "articles").glob("*.txt"))
CHEAP = "SELECT ?p ?o WHERE { <https://w3id.org/pmkg/id/article/7> ?p ?o } LIMIT 20"
ARTICLE_PREFIX = "https://w3id.org/pmkg/id/article/"
CONTENT_HASH = "https://w3id.org/pmkg/ontology#contentHash"
INTERVAL = 0.05  # seconds between two cheap queries
# a lenient per-client policy: the benchmark is one client sending many queries
SETTINGS = {"PMKG_CLIENT_BUDGET": "100000", "PMKG_CLIENT_CONCURRENCY": "64", "PMKG_QUEUE_LIMIT": "256",
            "PMKG_QUEUE_TIMEOUT": "60", "PMKG_QUERY_TIMEOUT": "60"}


def python_for(checkout: Path | None, shim: Path) -> tuple[list[str], dict]:
    """The command prefix and environment that run ``kg`` from ``checkout`` (None: this one)."""
    env = {**os.environ, **SETTINGS}
    if checkout is None:
        return [sys.executable, "-m", "kg"], env
    # the checkout's kg package, with its web, ontology and queries folders as kg.web, kg.ontology and
    # kg.queries (what its editable install maps); sitecustomize drops this checkout's editable finder,
    # which would otherwise answer for kg.web and the others ahead of PYTHONPATH
    package = shim / "kg"
    package.mkdir(parents=True, exist_ok=True)
    for item in (checkout / "kg").iterdir():
        if not (package / item.name).exists():
            (package / item.name).symlink_to(item)
    for folder in ("web", "ontology", "queries"):
        if not (package / folder).exists() and (checkout / folder).is_dir():
            (package / folder).symlink_to(checkout / folder)
    (shim / "sitecustomize.py").write_text(
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in getattr(f, '__module__', '')]\n")
    env["PYTHONPATH"] = str(shim)
    return [sys.executable, "-m", "kg"], env


def build_store(path: Path, data: Path) -> None:
    from kg.store import Store

    Store.create(path).close()
    raw = ox.Store(str(path))
    raw.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    raw.flush()
    raw.optimize()
    del raw


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sparql(base: str, query: str, timeout: float = 60) -> tuple[float, bytes]:
    url = f"{base}/sparql?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return time.perf_counter() - started, body


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the app's query workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def memory_mb(pid: int) -> dict:
    """PSS of ``pid`` (the app) and of its descendants (the workers), the workers' private memory, their count."""
    result = {"pss_mb": 0.0, "app_pss_mb": 0.0, "workers_private_mb": 0.0, "processes": 0}
    for process in descendants(pid):
        try:
            lines = Path(f"/proc/{process}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        fields = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in lines if line.endswith(" kB")}
        result["processes"] += 1
        result["pss_mb"] += fields.get("Pss", 0.0)
        if process == pid:
            result["app_pss_mb"] = fields.get("Pss", 0.0)
        else:
            result["workers_private_mb"] += fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0)
    return result


def variants(count: int, work: Path, *, same: bool = False) -> list[Path]:
    """``count`` articles: the samples, then copies of them under new headlines (each a new graph).

    ``same``: the first sample ``count`` times, its text changed each time (one graph, replaced).
    """
    chosen = []
    if same:
        text = ARTICLES[0].read_text(encoding="utf-8").rstrip("\n")
        for number in range(count):
            copy = work / "articles" / f"same-{number + 1:03d}" / ARTICLES[0].name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(f"{text}\n\nThis copy was read in round {number + 1} of the benchmark.\n",
                            encoding="utf-8")
            chosen.append(copy)
        return chosen
    for number in range(count):
        sample = ARTICLES[number % len(ARTICLES)]
        if number < len(ARTICLES):
            chosen.append(sample)
            continue
        headline, rest = sample.read_text(encoding="utf-8").split("\n", 1)
        copy = work / "articles" / f"{number + 1:03d}_{sample.name}"
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(f"{headline} (copy {number // len(ARTICLES)})\n{rest}", encoding="utf-8")
        chosen.append(copy)
    return chosen


class System:
    """One pmkg checkout serving its own copy of the store."""

    def __init__(self, name: str, checkout: Path | None, work: Path, data: Path):
        self.name = name
        self.work = work  # the working folder of its processes: `python -m kg` must not find this checkout's kg
        self.command, self.env = python_for(checkout, work / f"shim-{name}")
        self.store = work / f"store-{name}"
        if self.store.exists():
            shutil.rmtree(self.store)
        started = time.perf_counter()
        build_store(self.store, data)
        print(f"[{name}] store built in {time.perf_counter() - started:.0f} s", flush=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(work / f"serve-{name}.log", "w")
        self.process = subprocess.Popen(
            self.command + ["serve", "--store", str(self.store), "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, cwd=work)
        deadline = time.monotonic() + 600
        while True:
            try:
                took, _ = sparql(self.base, CHEAP)
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"[{name}] the server did not start; see {self.log.name}")
                time.sleep(0.5)
        print(f"[{name}] serving; first query (snapshot load) took {took:.1f} s; "
              f"RSS {rss_mb(self.process.pid):.0f} MB", flush=True)
        self.rounds: list[dict] = []

    def close(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()

    def visible(self, graphs: list[tuple[str, str]]) -> bool:
        """True if every graph is served, the last one with the content hash of its last ingest."""
        names = sorted({g for g, _ in graphs})
        values = " ".join(f"<{g}>" for g in names)
        _, body = sparql(self.base, f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                                    f"GRAPH ?g {{ ?s ?p ?o }} }}")
        if int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) < len(names):
            return False
        graph, content = graphs[-1]
        _, body = sparql(self.base, f"ASK {{ GRAPH <{graph}> {{ ?a <{CONTENT_HASH}> \"{content}\" }} }}")
        return bool(json.loads(body)["boolean"])

    def idle(self, seconds: float = 5.0) -> None:
        """The cheap query's latency with no ingest running: the machine's noise floor."""
        stop = threading.Event()
        latencies = self.load(stop)
        time.sleep(seconds)
        stop.set()
        self.thread.join()
        ordered = sorted(latencies)
        self.floor = (statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99)] * 1000)
        print(f"[{self.name}] idle: p50 {self.floor[0]:.1f} ms p99 {self.floor[1]:.1f} ms", flush=True)

    def load(self, stop: threading.Event) -> list[float]:
        """Start sending the cheap query until ``stop``; the latencies arrive in the returned list."""
        latencies: list[float] = []

        def one():
            try:
                took, _ = sparql(self.base, CHEAP)
            except OSError as error:
                took = float("inf")
                print(f"[{self.name}] query failed: {error}", flush=True)
            latencies.append(took)

        def client():  # open loop: a query every INTERVAL s, whether or not the last one has come back
            sent = []
            next_at = time.perf_counter()
            while not stop.is_set():
                sent.append(threading.Thread(target=one, daemon=True))
                sent[-1].start()
                next_at += INTERVAL
                time.sleep(max(0.0, next_at - time.perf_counter()))
            for query in sent:
                query.join(120)

        self.thread = threading.Thread(target=client, daemon=True)
        self.thread.start()
        return latencies

    def round(self, article: Path, graphs: list[tuple[str, str]], *, memory_only: bool = False) -> dict:
        """Ingest ``article`` while timing the cheap query.

        ``graphs``: (graph, content hash) of the articles ingested so far, this one last.

        ``memory_only``: no cheap queries, only the ingest, its visibility and the memory.
        """
        stop = threading.Event()
        latencies = [] if memory_only else self.load(stop)
        started = time.perf_counter()
        ingest = subprocess.run(self.command + ["ingest", "--store", str(self.store), str(article)],
                                env=self.env, capture_output=True, text=True, cwd=self.work)
        done = time.perf_counter()
        if ingest.returncode != 0:
            stop.set()
            raise SystemExit(f"[{self.name}] ingest failed: {ingest.stderr.strip()}")
        while not self.visible(graphs):
            if time.perf_counter() - done > 120:
                stop.set()
                raise SystemExit(f"[{self.name}] the article never became visible")
            time.sleep(0.05)
        seen = time.perf_counter()
        time.sleep(1.0)
        stop.set()
        if not memory_only:
            self.thread.join()
        sparql(self.base, CHEAP)  # every worker that answers has caught up with the change
        ordered = sorted(latencies) or [float("nan")]
        memory = memory_mb(self.process.pid)
        result = {**memory,
            "ingest_s": done - started, "visible_s": seen - done, "queries": len(latencies),
            "p50_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
            "max_ms": ordered[-1] * 1000, "rss_mb": rss_mb(self.process.pid),
        }
        self.rounds.append(result)
        print(f"[{self.name}] {article.name}: ingest {result['ingest_s']:.1f} s, visible after "
              f"{result['visible_s']:.2f} s, {result['queries']} queries p50 {result['p50_ms']:.1f} ms "
              f"p99 {result['p99_ms']:.1f} ms max {result['max_ms']:.0f} ms, RSS {result['rss_mb']:.0f} MB, "
              f"PSS {memory['pss_mb']:.0f} MB in {memory['processes']} processes (app {memory['app_pss_mb']:.0f}, "
              f"workers' private {memory['workers_private_mb']:.0f})", flush=True)
        return result


def article_graphs(articles: list[Path]) -> list[tuple[str, str]]:
    """The graph each article gets (its IRI, from its headline and date: what the extractor names it),
    and its content hash."""
    from kg import identity
    from kg.reader import read_path

    graphs = []
    for path in articles:
        article = read_path(path)
        graphs.append((identity.article_iri(location=article.location, headline=article.headline,
                                            published=article.published, content_hash=article.content_hash),
                       article.content_hash))
    return graphs


def table(systems: list[System]) -> None:
    print("\n| system | round | ingest s | visible after s | queries | p50 ms | p99 ms | max ms | RSS MB "
          "| PSS MB (processes) | app PSS MB | workers' private MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for system in systems:
        for number, r in enumerate(system.rounds, 1):
            print(f"| {system.name} | {number} | {r['ingest_s']:.1f} | {r['visible_s']:.2f} | {r['queries']} | "
                  f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.0f} | {r['rss_mb']:.0f} | "
                  f"{r['pss_mb']:.0f} ({r['processes']}) | {r['app_pss_mb']:.0f} | {r['workers_private_mb']:.0f} |")
    print("\n| system | idle p50 / p99 ms | p50 ms (median) | p99 ms (worst) | visible s (worst) | RSS MB first -> last "
          "| PSS MB first -> last |")
    print("|---|---|---|---|---|---|---|")
    for system in systems:
        rounds = system.rounds
        print(f"| {system.name} | {system.floor[0]:.1f} / {system.floor[1]:.1f} | "
              f"{statistics.median(r['p50_ms'] for r in rounds):.1f} | "
              f"{max(r['p99_ms'] for r in rounds):.1f} | {max(r['visible_s'] for r in rounds):.2f} | "
              f"{rounds[0]['rss_mb']:.0f} -> {rounds[-1]['rss_mb']:.0f} | "
              f"{rounds[0]['pss_mb']:.0f} -> {rounds[-1]['pss_mb']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000, help="approximate dataset size")
    parser.add_argument("--rounds", type=int, default=5, help="articles ingested per system")
    parser.add_argument("--quick", action="store_true", help="small run: 20,000 triples, 2 rounds")
    parser.add_argument("--same", action="store_true",
                        help="ingest one article again and again, changed each time (one graph replaced)")
    parser.add_argument("--memory", action="store_true",
                        help="no latency load: only ingest, wait for the article and read the memory")
    parser.add_argument("--baseline", type=Path, help="another pmkg checkout to measure in the same run")
    parser.add_argument("--workdir", type=Path, help="keep the generated data here (default: a temporary folder)")
    args = parser.parse_args()
    if args.quick:
        args.triples, args.rounds = 20_000, 2
    work = args.workdir or Path(tempfile.mkdtemp(prefix="pmkg-bench-refresh-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"data-{args.triples}.nq"
    if not data.exists():
        quads, articles = generate(data, args.triples)
        print(f"generated {quads} quads in {articles} articles", flush=True)
    articles = variants(args.rounds, work, same=args.same)
    graphs = article_graphs(articles)
    systems: list[System] = []
    try:
        systems.append(System("this", None, work, data))
        if args.baseline:
            systems.append(System("baseline", args.baseline.resolve(), work, data))
            print(f"baseline: the pmkg checkout at {args.baseline}", flush=True)
        for system in systems:
            if args.memory:
                system.floor = (float("nan"), float("nan"))
            else:
                system.idle()
        for number, article in enumerate(articles, 1):
            for system in systems:  # interleaved: each round runs on every system
                system.round(article, graphs[:number], memory_only=args.memory)
    finally:
        for system in systems:
            system.close()
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    table(systems)


if __name__ == "__main__":
    main()
