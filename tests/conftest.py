"""Shared fixtures: real stores on disk under tmp_path and the fixture files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from kg import resources
from kg.ingest import file_graph
from kg.store import Format, Store

FIXTURES = Path(__file__).parent / "fixtures"
# One fixture file per RDF format pmkg ingests.
FORMAT_FIXTURES = {
    Format.TURTLE: FIXTURES / "officer.ttl",
    Format.TRIG: FIXTURES / "articles.trig",
    Format.NQUADS: FIXTURES / "articles.nq",
    Format.NTRIPLES: FIXTURES / "officer.nt",
    Format.JSONLD: FIXTURES / "officer.jsonld",
    Format.RDFXML: FIXTURES / "officer.rdf",
}
RDFLIB_FORMATS = {
    Format.TURTLE: "turtle", Format.TRIG: "trig", Format.NQUADS: "nquads",
    Format.NTRIPLES: "nt", Format.JSONLD: "json-ld", Format.RDFXML: "xml",
}


@pytest.fixture
def store_dir(tmp_path) -> Path:
    """A freshly initialised store folder (closed, ready for the CLI or Store())."""
    path = tmp_path / "store"
    Store.create(path).close()
    return path


def expected_graphs() -> dict[str, rdflib.Graph]:
    """What the fixtures should put in the store, parsed independently with rdflib."""
    graphs: dict[str, rdflib.Graph] = {}
    for fmt, path in FORMAT_FIXTURES.items():
        if fmt.keeps_graphs:
            ds = rdflib.Dataset()
            ds.parse(path, format=RDFLIB_FORMATS[fmt])
            for g in ds.graphs():
                if len(g):
                    graphs[str(g.identifier)] = g
        else:
            graphs[file_graph(path)] = rdflib.Graph().parse(path, format=RDFLIB_FORMATS[fmt],
                                                            publicID=file_graph(path))
    return graphs


def ontology_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return graph


def run_pmkg(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a real subprocess (`python -m kg`)."""
    env = {k: v for k, v in os.environ.items() if k != "PMKG_STORE"}
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )
