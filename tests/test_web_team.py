"""The README's command for a team, started as written (on loopback), queried with SPARQLWrapper."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from kg.store import Store
from test_web_server import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent


def team_command(store: Path, port: int) -> tuple[list[str], dict]:
    """The README's team command with this store and port, on 127.0.0.1: (arguments, environment)."""
    written = re.search(r"for a team, `([^`]+)`", (ROOT / "README.md").read_text(encoding="utf-8")).group(1)
    env, args = dict(os.environ), []
    for word in shlex.split(written):
        word = word.replace("pmkg-data", str(store)).replace("0.0.0.0", "127.0.0.1").replace("8000", str(port))
        if not args and re.fullmatch(r"[A-Z_]+=.*", word):
            name, value = word.split("=", 1)
            env[name] = value
        else:
            args.append(word)
    args[0] = str(Path(sys.executable).with_name(args[0]))  # the program, from this virtualenv
    return args, env


def start_team_server(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    path = tmp_path / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
    port = free_port()
    args, env = team_command(path, port)
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/sparql"
    wait_until_serving(url, process)
    return process, url


def test_the_readme_team_command_serves_sparql(tmp_path):
    process, url = start_team_server(tmp_path)
    try:
        client = SPARQLWrapper(url)
        client.setQuery(without_comments(ROOT / "queries" / "officers.rq"))
        client.setReturnFormat(JSON)
        names = {row.get("name", {}).get("value") for row in client.query().convert()["results"]["bindings"]}
        assert "Harriet Voss" in names
    finally:
        process.terminate()
        process.wait(timeout=10)


def without_comments(path: Path) -> str:
    """A saved query as the README tells SPARQLWrapper users to send it: without its comment lines."""
    return "".join(line for line in path.open(encoding="utf-8") if not line.lstrip().startswith("#"))


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_sparqlwrapper_takes_every_saved_query_for_what_it_is(path):
    """SPARQLWrapper sends what it takes for an update to the update endpoint: the README's way of
    loading a saved query must leave no keyword for it to misread (ADD in "added", DELETE, LOAD...)."""
    client = SPARQLWrapper("http://127.0.0.1:9/sparql")
    client.setQuery(without_comments(path))
    form = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", without_comments(path), re.IGNORECASE)
    assert client.queryType == form.group(1).upper()
