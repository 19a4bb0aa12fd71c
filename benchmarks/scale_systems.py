"""The columns of the scale curve (``bench_scale.py``): how each system loads the data and answers queries.

Loaders (``LOADERS``: name -> function(data file, new folder) -> seconds, peak MB, MB on disk):
``oxigraph load`` (the baseline), ``pmkg ingest`` (its bulk loader) and Virtuoso's bulk loader
(``ld_dir`` and ``rdf_loader_run`` through ``isql-vt``, then a checkpoint: how a Virtuoso user loads a
big file; the server is started before the clock starts and its peak resident set is the load's memory).

Query systems (``SYSTEMS``): ``QuerySystem`` subclasses, each reading the store one loader made.
Virtuoso is started as ``tests/remote_servers.py`` starts it for the tests (generated virtuoso.ini,
free loopback ports), with the buffers of Virtuoso's documented 2 GB setting and no query time limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tests"))
from remote_servers import free_port, start_virtuoso  # noqa: E402

# Virtuoso's documented setting for a machine with 2 GB to give it (8 kB buffers)
VIRTUOSO_BUFFERS, VIRTUOSO_DIRTY = 170_000, 130_000


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




# -- loading ------------------------------------------------------------------------------------

def command_loader(make_command):
    def load(data: Path, folder: Path) -> tuple[float, float, float]:
        seconds, peak, _ = run_measured(make_command(data, folder))
        return seconds, peak, folder_mb(folder)
    return load


def virtuoso_load(data: Path, folder: Path) -> tuple[float, float, float]:
    """Virtuoso's bulk loader on a new database: ld_dir, rdf_loader_run, checkpoint."""
    server = start_virtuoso(folder, buffers=VIRTUOSO_BUFFERS, dirty_buffers=VIRTUOSO_DIRTY, max_query_seconds=0,
                            dirs=(data.parent,), create_user=False, wait=300)
    try:
        started = time.perf_counter()
        server.isql(f"ld_dir('{data.parent}', '{data.name}', 'urn:pmkg:bulk-default'); rdf_loader_run(); "
                    "checkpoint;", timeout=7200)
        seconds = time.perf_counter() - started
        errors = server.isql("SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
        if "0 Rows" not in errors:
            raise SystemExit(f"Virtuoso's bulk loader failed: {errors.strip()[-500:]}")
        peak = peak_rss_mb(server.process.pid)
    finally:
        server.stop()
    return seconds, peak, folder_mb(folder)


def answer(body: dict) -> int | str:
    """A SPARQL JSON result's rows, or "true"/"false" for an ASK (Virtuoso 7 answers one as a row ``__ASK_RETVAL``)."""
    if "boolean" in body:
        return str(body["boolean"]).lower()
    rows = body["results"]["bindings"]
    if body["head"].get("vars") == ["__ASK_RETVAL"]:
        return "true" if rows and rows[0]["__ASK_RETVAL"]["value"] == "1" else "false"
    return len(rows)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


LOADERS = {
    "oxigraph load": command_loader(lambda data, folder: [str(BIN / "oxigraph"), "load", "--location", str(folder),
                                                          "--file", str(data)]),
    "pmkg ingest": command_loader(lambda data, folder: [sys.executable, "-m", "kg", "ingest", "--store",
                                                        str(folder), "--quiet", str(data)]),
    "Virtuoso bulk loader": virtuoso_load,
}
OPTIMIZED = "oxigraph load + optimize"


def oxigraph_load_optimize(data: Path, folder: Path) -> tuple[float, float, float]:
    """``oxigraph load`` then ``oxigraph optimize`` (compaction): the time of both, the larger peak."""
    seconds, peak, _ = LOADERS["oxigraph load"](data, folder)
    more, peak2, _ = run_measured([str(BIN / "oxigraph"), "optimize", "--location", str(folder)])
    return seconds + more, max(peak, peak2), folder_mb(folder)


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
        if "X-SQL-State" in response.headers:     # Virtuoso's partial ("anytime") answer
            return None, f"partial answer, {response.headers['X-SQL-State']}"
        body = response.json()
        return seconds, answer(body)

    def memory(self) -> str:
        pss = tree_pss_mb(self.process.pid) if self.process else None
        return f"{pss:.0f} MB PSS" if pss is not None else "n/a"

    def close(self) -> None:
        self.client.close()
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def stop(self) -> None:
        self.close()


class OxigraphServer(HttpSystem):
    name = "Oxigraph server"
    store = "oxigraph load"

    def start(self, folder: Path, union: bool = True) -> None:
        port = free_port()
        self.launch([str(BIN / "oxigraph"), "serve-read-only", "--location", str(folder), "--bind",
                     f"127.0.0.1:{port}", "--timeout-s", "900"] + (["--union-default-graph"] if union else []),
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
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bench_scale.py")), "--child", str(folder)], text=True,
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
        return seconds, answer(body)

    def memory(self) -> str:
        return f"peak RSS {self.peak:.0f} MB"


class VirtuosoSystem(HttpSystem):
    """Virtuoso's /sparql endpoint on the database its bulk loader made (its default graph is the union)."""

    name = "Virtuoso /sparql"
    store = "Virtuoso bulk loader"

    def start(self, folder: Path) -> None:
        self.url, self.client = "", httpx.Client(timeout=900)
        self.server = start_virtuoso(folder, buffers=VIRTUOSO_BUFFERS, dirty_buffers=VIRTUOSO_DIRTY,
                                     max_query_seconds=0, create_user=False, wait=300)
        self.process, self.url = self.server.process, self.server.url


class WebAppOnServer(HttpSystem):
    """``PMKG_STORE=http://127.0.0.1:PORT pmkg serve``: the web app sending queries to an Oxigraph server."""

    name = "web app on Oxigraph server"
    store = "oxigraph load"

    def start(self, folder: Path) -> None:
        self.backend = OxigraphServer()
        self.backend.start(folder, union=False)      # the app asks for the union itself
        port = free_port()
        base = self.backend.url.removesuffix("/query")
        self.launch([sys.executable, "-m", "kg", "serve", "--port", str(port)], f"http://127.0.0.1:{port}/sparql",
                    env={"PMKG_STORE": base})

    def memory(self) -> str:
        app, server = tree_pss_mb(self.process.pid), tree_pss_mb(self.backend.process.pid)
        if app is None or server is None:
            return "n/a"
        return f"{app + server:.0f} MB PSS (app {app:.0f} + server {server:.0f})"

    def stop(self) -> None:
        self.close()
        self.backend.stop()


SYSTEMS = {"server": OxigraphServer, "embedded": Embedded, "cli": PmkgQuery, "webapp": WebApp,
           "virtuoso": VirtuosoSystem, "webapp-server": WebAppOnServer}
BASELINE = "server"
# Systems (and loaders) that need Virtuoso, left out with the reason where it is not installed
NEEDS_VIRTUOSO = {"virtuoso", "Virtuoso bulk loader"}
