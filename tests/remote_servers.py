"""Real SPARQL servers on loopback for the tests of a store on a server (``kg.remote_store``).

* ``oxigraph_server(folder)``: the Oxigraph server (the ``oxigraph`` binary of
  the test dependencies, in the virtual environment), with its own query
  time limit (``--timeout-s``) so a test's expensive query never runs on.
* ``virtuoso_server(folder)``: Debian's Virtuoso (``virtuoso-t``, installed by
  scripts/setup.sh) with a generated virtuoso.ini on free loopback ports, a
  fresh database, and a user ``pmkg`` allowed SPARQL Update. ``VIRTUOSO_MISSING``
  says why it cannot run here (tests skip with that reason).
* ``start_virtuoso(folder, ...)``: the same Virtuoso as a running process you
  stop yourself, with its SQL port (for ``isql-vt``) and the settings a
  benchmark changes (buffers, query time limit, folders it may read); the
  scale benchmark (``benchmarks/scale_systems.py``) uses it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

VIRTUOSO_USER, VIRTUOSO_PASSWORD = "pmkg", "pmkg-test-password"
VIRTUOSO_VSP = "/var/lib/virtuoso-opensource-7/vsp"


def oxigraph_binary() -> str | None:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which("oxigraph", path=path)


def _virtuoso_missing() -> str | None:
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        return ("Virtuoso is not installed (virtuoso-t and isql-vt from Debian's virtuoso-opensource; "
                "scripts/setup.sh installs it where apt-get may run)")
    return None


VIRTUOSO_MISSING = _virtuoso_missing()
OXIGRAPH_MISSING = None if oxigraph_binary() else "the oxigraph server is not installed (pip package oxigraph)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the SPARQL server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("the SPARQL server did not start in time")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def oxigraph_server(folder: Path, *, timeout_s: int = 5):
    """An empty Oxigraph server storing in ``folder``; yields its base URL."""
    port = free_port()
    process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}",
                                "--timeout-s", str(timeout_s)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/query", process)
        yield url
    finally:
        _stop(process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ThreadsPerQuery = 1
DirsAllowed = {dirs}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
ServerThreads = 8
MaxClientConnections = 8
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {max_query_seconds}
MaxQueryCostEstimationTime = 400
"""


@dataclass
class Virtuoso:
    """A running ``virtuoso-t``: its process, /sparql URL and SQL port (``isql-vt 127.0.0.1:PORT``)."""

    process: subprocess.Popen
    url: str
    sql_port: int

    def isql(self, sql: str, *, timeout: float = 60) -> str:
        """Run SQL as dba; its output, or RuntimeError with Virtuoso's message."""
        done = subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={sql}"],
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql: {(done.stdout + done.stderr).strip()[-500:]}")
        return done.stdout

    def stop(self) -> None:
        _stop(self.process)


def start_virtuoso(folder: Path, *, buffers: int = 10000, dirty_buffers: int = 6000, max_query_seconds: int = 30,
                   dirs: tuple[Path, ...] = (), create_user: bool = True, wait: float = 120) -> Virtuoso:
    """Virtuoso on the database in ``folder`` (made when new) on free loopback ports; stop it yourself.

    ``dirs``: more folders its bulk loader may read (``DirsAllowed``).
    ``max_query_seconds``: its ``MaxQueryExecutionTime`` (0: no limit).
    ``create_user``: add the user pmkg, allowed SPARQL Update (once per database).
    """
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port,
                                       vsp=VIRTUOSO_VSP if Path(VIRTUOSO_VSP).is_dir() else folder,
                                       buffers=buffers, dirty_buffers=dirty_buffers,
                                       max_query_seconds=max_query_seconds,
                                       dirs=", ".join(str(d) for d in (folder, *dirs))))
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Virtuoso(process, f"http://127.0.0.1:{http_port}/sparql", sql_port)
    try:
        wait_ready(server.url, process, seconds=wait)
        if create_user:
            server.isql(f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}'); "
                        f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}"; GRANT SPARQL_SELECT TO "{VIRTUOSO_USER}";')
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def virtuoso_server(folder: Path):
    """A fresh Virtuoso in ``folder``; yields its /sparql URL. The user pmkg may update."""
    server = start_virtuoso(folder)
    try:
        yield server.url
    finally:
        server.stop()
