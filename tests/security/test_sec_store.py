"""The writer is never refused by readers; no user value is pasted into a SPARQL Update (issue 8, points 5 and 9).

Real stores on disk, real ``pmkg`` processes and a real ``pmkg serve`` on
127.0.0.1 read with plain sockets.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from kg.errors import PmkgError
from kg.ingest import file_graph
from kg.store import Store
from test_web_server import free_port

PMKG = str(Path(sys.executable).parent / "pmkg")
QUADS = 200_000          # a dump of about 25 MB: far more than the socket buffers hold
ATTACK = "urn:x> ; DROP ALL ; #"


def pmkg(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PMKG_STORE", "PMKG_LOCK_WAIT")}
    return subprocess.run([PMKG, *args], capture_output=True, text=True, env=env, timeout=timeout)


def hold_lock(path: Path, *, shared: bool) -> subprocess.Popen:
    """Another process that holds the store's lock (as the web app's snapshot reload does) until told to stop."""
    code = ("import sys; from kg.store import Store\n"
            f"s = Store(sys.argv[1], read_only={shared})\n"
            "print('locked', flush=True); sys.stdin.readline(); s.close()\n")
    process = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def release(process: subprocess.Popen) -> None:
    process.communicate("\n", timeout=30)


def count(path: Path) -> int:
    with Store(path, read_only=True) as store:
        return len(store)


# -- point 9: graph names are checked IRIs, never text ----------------------------------

def test_a_graph_name_cannot_carry_an_update(store_dir, tmp_path):
    before = count(store_dir)
    with Store(store_dir) as store:
        for attempt in (lambda: store.replace_graph(ATTACK, []),
                        lambda: store.replace_graphs({"urn:ok": [], ATTACK: []}),
                        lambda: store.remove_graph(ATTACK)):
            with pytest.raises(PmkgError, match="not a valid absolute IRI"):
                attempt()
    assert count(store_dir) == before > 0


def test_export_graph_is_a_checked_iri(store_dir):
    result = pmkg("export", "--store", str(store_dir), "--graph", ATTACK)
    assert result.returncode == 2
    assert "Invalid value for '--graph': not a valid absolute IRI" in result.stderr
    assert "Traceback" not in result.stderr


# -- point 5: writers wait for readers, up to a deadline ----------------------------------

def test_ingest_waits_for_a_reader_and_says_so_once(store_dir, tmp_path):
    data = tmp_path / "one.nt"
    data.write_text("<urn:s> <urn:p> <urn:o> .\n")
    reader = hold_lock(store_dir, shared=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PMKG_STORE", "PMKG_LOCK_WAIT")}
    writer = subprocess.Popen([PMKG, "ingest", "--store", str(store_dir), str(data)], env=env,   # waits 60 s at most
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        notice = writer.stderr.readline()
    finally:
        release(reader)                    # the reader finishes while the writer waits
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert notice == f"store {store_dir} is in use by another process; waiting up to 60 s for it\n"
    assert "waiting" not in err
    with Store(store_dir, read_only=True) as store:
        assert store.contains_graph(file_graph(data))


def test_a_writer_gives_up_at_its_deadline_with_one_line(store_dir, tmp_path):
    data = tmp_path / "one.nt"
    data.write_text("<urn:s> <urn:p> <urn:o> .\n")
    writer = hold_lock(store_dir, shared=False)
    try:
        result = pmkg("ingest", "--wait", "1", "--store", str(store_dir), str(data))
        init = pmkg("init", "--wait", "0", "--store", str(store_dir))
    finally:
        release(writer)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: store {store_dir} is in use by another process after waiting 1 s"
        " (or another opening in this process); try again when it has finished")
    assert init.returncode == 1 and len(init.stderr.strip().splitlines()) == 1


# -- point 5 with a real server: downloads hold nothing ---------------------------------------

@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    path = folder / "store"
    lines = "".join(f"<https://example.org/s/{i}> <https://example.org/p> \"value number {i} of the dump\" .\n"
                    for i in range(QUADS))
    with Store.create(path) as store:
        store.load(lines.encode(), format="ntriples", graph="https://example.org/graph/big")
    port = free_port()
    log = open(folder / "server.log", "wb")
    env = {**os.environ, "PMKG_STORE_CHECK_INTERVAL": "0.2", "PMKG_QUERY_TIMEOUT": "30"}
    process = subprocess.Popen([sys.executable, "-c", "from kg.web.cli import serve; serve()",
                                "--store", str(path), "--port", str(port)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/downloads.json", timeout=60).read()   # loads the snapshot
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((folder / "server.log").read_text()) from None
            time.sleep(0.2)
    yield {"base": base, "port": port, "store": path, "pid": process.pid, "folder": folder}
    process.terminate()
    process.wait(timeout=30)
    log.close()


def start_download(server, path: str = "/downloads/pmkg.nq") -> socket.socket:
    """GET a dump over a plain socket and read its first 64 KB, then stop reading."""
    sock = socket.create_connection(("127.0.0.1", server["port"]), timeout=60)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    received = b""
    while len(received) < 65536:
        chunk = sock.recv(65536)
        assert chunk, received[:300]
        received += chunk
    assert received.startswith(b"HTTP/1.1 200"), received[:300]
    return sock


def nt_file(folder: Path, name: str) -> Path:
    path = folder / f"{name}.nt"
    path.write_text(f"<urn:{name}> <urn:p> \"{name}\" .\n")
    return path


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_ingest_succeeds_while_a_download_is_in_progress(big_server):
    sock = start_download(big_server)
    try:
        result = pmkg("ingest", "--store", str(big_server["store"]), str(nt_file(big_server["folder"], "during")))
        assert result.returncode == 0, result.stderr
        body = b""
        while chunk := sock.recv(1 << 20):                   # the download goes on, from its snapshot
            body += chunk
    finally:
        sock.close()
    assert body.count(b"<https://example.org/p>") > QUADS * 0.9
    assert b"urn:during" not in body


def test_an_abandoned_download_frees_everything(big_server):
    urllib.request.urlopen(big_server["base"] + "/downloads.json", timeout=60).read()
    baseline = open_fds(big_server["pid"])
    for path in ("/downloads/pmkg.nq", "/downloads/pmkg.trig"):
        start_download(big_server, path).close()             # the client goes away after 64 KB
    result = pmkg("ingest", "--wait", "20", "--store", str(big_server["store"]),
                  str(nt_file(big_server["folder"], "after")))
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 30                          # generous: a busy machine; normally at once
    while open_fds(big_server["pid"]) > baseline and time.monotonic() < deadline:
        time.sleep(0.2)
    assert open_fds(big_server["pid"]) <= baseline
    with Store(big_server["store"], wait=0):                 # nothing holds the store's lock
        pass


def test_back_to_back_ingests_while_the_app_reloads(big_server):
    stop = threading.Event()

    def keep_asking() -> None:                                # each request may start a snapshot reload
        while not stop.is_set():
            try:
                urllib.request.urlopen(big_server["base"] + "/downloads.json", timeout=60).read()
            except OSError:
                pass
            time.sleep(0.1)

    asker = threading.Thread(target=keep_asking, daemon=True)
    asker.start()
    try:
        results = [pmkg("ingest", "--store", str(big_server["store"]), str(nt_file(big_server["folder"], f"n{i}")))
                   for i in range(6)]
    finally:
        stop.set()
        asker.join()
    assert [r.returncode for r in results] == [0] * 6, [r.stderr for r in results]
