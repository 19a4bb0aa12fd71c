"""Real SPARQL servers on loopback for the tests of a store on a server (``kg.remote_store``).

* ``oxigraph_server(folder)``: the Oxigraph server (the ``oxigraph`` binary of
  the test dependencies, in the virtual environment), with its own query
  time limit (``--timeout-s``) so a test's expensive query never runs on.
* ``virtuoso_server(folder)``: Debian's Virtuoso (``virtuoso-t``, installed by
  scripts/setup.sh) with a generated virtuoso.ini on free loopback ports, a
  fresh database, and a user ``pmkg`` allowed SPARQL Update. ``VIRTUOSO_MISSING``
  says why it cannot run here (tests skip with that reason).
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
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 1
DirsAllowed = {folder}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {vsp}
ServerThreads = 8
MaxClientConnections = 8
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 30
MaxQueryCostEstimationTime = 400
"""


@contextmanager
def virtuoso_server(folder: Path):
    """A fresh Virtuoso in ``folder``; yields its /sparql URL. The user pmkg may update."""
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port,
                                       vsp=VIRTUOSO_VSP if Path(VIRTUOSO_VSP).is_dir() else folder))
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}/sparql"
    try:
        wait_ready(url, process, seconds=120)
        grant = (f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}'); "
                 f'GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}"; GRANT SPARQL_SELECT TO "{VIRTUOSO_USER}";')
        subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grant}"], check=True,
                       capture_output=True, timeout=60)
        yield url
    finally:
        _stop(process)
