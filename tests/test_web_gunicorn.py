"""The README's command for a team: the app under gunicorn, queried with SPARQLWrapper."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from SPARQLWrapper import JSON, SPARQLWrapper

from kg.store import Store
from test_web_server import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent


def test_the_app_runs_under_gunicorn(tmp_path):
    path = tmp_path / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "kg.web:create_app()"],
                               env={**os.environ, "PMKG_STORE": str(path)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        wait_until_serving(url, process)
        client = SPARQLWrapper(url)
        client.setQuery((ROOT / "queries" / "officers.rq").read_text(encoding="utf-8"))
        client.setReturnFormat(JSON)
        names = {row.get("name", {}).get("value") for row in client.query().convert()["results"]["bindings"]}
        assert "Harriet Voss" in names
    finally:
        process.terminate()
        process.wait(timeout=10)
