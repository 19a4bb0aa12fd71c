"""No user value reaches the cases' SPARQL as text; withdrawal deletes article graphs only (issue 10).

Real stores on disk and real ``pmkg`` processes; the case pages through Flask's test client.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.ingest import ingest
from kg.store import Store
from kg.web import create_app

PMKG = str(Path(sys.executable).parent / "pmkg")
CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases" / "conflict.trig"
ATTACK = "urn:x> } ; DROP ALL ; #"


def pmkg(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PMKG_STORE", "PMKG_LOCK_WAIT")}
    return subprocess.run([PMKG, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sec-cases") / "store"
    with Store.create(path) as store:
        assert not ingest(store, [CASES]).failures
    return path


def graphs(path: Path) -> list[str]:
    with Store(path, read_only=True) as store:
        return store.named_graphs()


def test_withdraw_refuses_an_attack_in_place_of_an_iri_and_keeps_every_graph(store_path):
    before = graphs(store_path)
    result = pmkg("cases", "withdraw", ATTACK, "--store", str(store_path))
    assert result.returncode == 1
    assert result.stderr == f"Error: not an IRI: {ATTACK!r}\n"
    assert graphs(store_path) == before


@pytest.mark.parametrize("graph", ["https://w3id.org/pmkg/graph/ontology", "https://w3id.org/pmkg/graph/cases",
                                   "https://w3id.org/pmkg/graph/case-links", "https://w3id.org/pmkg/graph/shapes"])
def test_withdraw_deletes_only_article_graphs(store_path, graph):
    before = graphs(store_path)
    result = pmkg("cases", "withdraw", graph, "--reason", "test", "--by", "tester", "--store", str(store_path))
    assert result.returncode == 1
    assert result.stderr == f"Error: <{graph}>: no such article graph in the store\n"
    assert graphs(store_path) == before


def test_a_case_decision_by_an_attack_id_is_a_one_line_error(store_path):
    result = pmkg("cases", "accept", ATTACK, "--by", "x", "--store", str(store_path))
    assert result.returncode == 1
    assert result.stderr == f"Error: {ATTACK!r}: no such case link\n"


@pytest.mark.parametrize("path", ["/id/case/x%3E%20%7D%20;%20DROP%20ALL", "/id/case/%22%3E%3Cscript%3E",
                                  "/id/officer/x%3E%20%7D%20UNION%20%7B%20?s%20?p%20?o"])
def test_a_case_or_officer_page_for_a_forged_iri_is_a_404(store_path, path):
    app = create_app({"STORE": str(store_path), "TESTING": True, "QUERY_TIMEOUT": 10})
    try:
        response = app.test_client().get(path)
        assert response.status_code == 404
        assert b"Traceback" not in response.data
    finally:
        app.extensions["pmkg.executor"].close()
    assert "https://w3id.org/pmkg/graph/ontology" in graphs(store_path)
