"""`pmkg ingest --dask SCHEDULER`: articles extracted on a real Dask cluster (a LocalCluster of two
worker processes on 127.0.0.1) give the same graphs as a local run, and a bad article, a worker
that dies or an article that takes too long is reported for that article while the rest is written.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import dask
import pyoxigraph as ox
import pytest
import rdflib
from distributed import LocalCluster
from rdflib.compare import to_isomorphic

from kg.cluster import connect, run_tasks

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "articles"
ARTICLES = ["01_met-kent-sussex-whatsapp-iopc.txt", "02_whatsapp-group-officers-sacked.txt",
            "03_gmp-pc-charged-abuse-of-position.txt", "04_gmp-former-pc-jailed.txt"]
# When the extraction ran and when the file was read differ from run to run; nothing else may.
TIMESTAMPS = {"http://www.w3.org/ns/prov#endedAtTime", "https://w3id.org/pmkg/ontology#retrievedAt"}
PMKG = [sys.executable, "-m", "kg"]


@pytest.fixture(scope="module")
def cluster():
    # A task whose worker dies is retried once, then reported (the default, 3 retries, only takes longer);
    # one task per worker thread, so no other task waits on the worker that a task kills.
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.scheduler.worker-saturation": 1.0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as local:
            yield local


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("articles")
    for name in ARTICLES:
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "05_malformed.txt").write_bytes(b"\x00\x01\x02 not an article \xff\xfe")
    return folder


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*PMKG, *args], capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, **(env or {})})


def graphs(store: Path) -> dict[str, rdflib.Graph]:
    """Every named graph of a store, as rdflib graphs without the run's timestamps."""
    found: dict[str, rdflib.Graph] = {}
    db = ox.Store.read_only(str(store))
    for name in db.named_graphs():
        quads = [q for q in db.quads_for_pattern(None, None, None, name) if q.predicate.value not in TIMESTAMPS]
        data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES)
        found[name.value] = rdflib.Graph().parse(data=data.decode(), format="nt")
    return found


def test_cluster_ingest_writes_the_graphs_a_local_run_writes(cluster, articles, tmp_path):
    local = run("ingest", "--store", str(tmp_path / "local"), "--quiet", str(articles))
    remote = run("ingest", "--store", str(tmp_path / "dask"), "--quiet", "--dask", cluster.scheduler_address,
                 str(articles))
    for result in (local, remote):
        # The malformed article is reported on one line and makes the exit status 1; the others are written.
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert "articles: 4 read, 1 skipped, 0 failed" in result.stdout
    skipped = [line for line in remote.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and "05_malformed.txt" in skipped[0], remote.stderr

    expected, got = graphs(tmp_path / "local"), graphs(tmp_path / "dask")
    articles_written = [name for name in expected if name.startswith("https://w3id.org/pmkg/id/article/")]
    assert len(articles_written) == 4
    assert sorted(got) == sorted(expected)
    for name, graph in expected.items():
        assert len(graph) > 0
        assert to_isomorphic(got[name]) == to_isomorphic(graph), name


def test_a_dead_worker_or_a_late_task_fails_that_item_and_the_run_goes_on(cluster):
    # Defined here, so it is sent to the workers by value with each task.
    def task(x: int) -> int:
        import os
        import time

        if x == 3:
            os._exit(1)              # the worker process dies, as on a segfault or the OOM killer
        if x == 4:
            time.sleep(300)          # never back within the timeout
        if x == 5:
            raise ValueError("bad input 5")
        return x * x

    client = connect(cluster.scheduler_address)
    try:
        results = {name: (value, reason) for name, value, reason in
                   run_tasks(client, task, ((str(x), x) for x in range(8)), in_flight=2, timeout=20)}
        # The cluster still works afterwards: the late task's worker was restarted, the dead one replaced.
        assert client.submit(task, 7, pure=False).result(timeout=120) == 49
    finally:
        client.close()
    assert sorted(results, key=int) == [str(x) for x in range(8)]
    for x in (0, 1, 2, 6, 7):
        assert results[str(x)] == (x * x, None)
    assert results["3"][0] is None and "worker running it died" in results["3"][1]
    assert results["4"][0] is None and "not back from the cluster within 20 s" in results["4"][1]
    assert results["5"] == (None, "error on the cluster: ValueError: bad input 5")


def test_an_unreachable_scheduler_is_one_line_and_writes_nothing(articles, tmp_path):
    with socket.socket() as probe:       # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = tmp_path / "store"
    result = run("ingest", "--store", str(store), "--quiet", "--dask", f"tcp://127.0.0.1:{port}", str(articles),
                 env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: "
                      f"Timed out trying to connect to tcp://127.0.0.1:{port} after 3 s"], result.stderr
    assert "Traceback" not in result.stderr
    bad = run("ingest", "--store", str(store), "--quiet", "--dask", "udp://127.0.0.1:1", str(articles))
    assert bad.returncode == 1 and "Error: not a Dask scheduler address: 'udp://127.0.0.1:1'" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert not [name for name in graphs(store) if name.startswith("https://w3id.org/pmkg/id/article/")]
