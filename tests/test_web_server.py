"""A real server on loopback (`pmkg serve`, started in a subprocess) queried with SPARQLWrapper."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from kg.store import Store
from kg.web.cli import serve
from test_web_executor import EXPENSIVE, RequestLog

ROOT = Path(__file__).resolve().parent.parent
SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/says> ?o }"
CONSTRUCT = "CONSTRUCT WHERE { ?s <http://example.org/says> ?o }"
TRIPLE = (rdflib.URIRef("http://example.org/x"), rdflib.URIRef("http://example.org/says"), rdflib.Literal("hello"))


def wait_until_serving(url: str, process: subprocess.Popen, *, seconds: float = 30) -> None:
    """Wait until ``url`` answers; fail with the server's error output if it died or took too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(process.communicate()[1].decode()) from None
            time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("server") / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
        store.load(b'<http://example.org/x> <http://example.org/says> "hello" .', format="ntriples",
                   graph="http://example.org/graph/x")
    port = free_port()
    env = {**os.environ, "PMKG_QUERY_TIMEOUT": "2"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from kg.web.cli import serve; serve()", "--store", str(path), "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/sparql"
    wait_until_serving(url, process)
    yield {"url": url, "store": path}
    process.terminate()
    process.wait(timeout=10)


def wrapper(server, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(server["url"])
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_select_in_every_format(server):
    results = wrapper(server, SELECT, JSON).queryAndConvert()
    assert results["results"]["bindings"][0]["o"]["value"] == "hello"
    document = wrapper(server, SELECT, XML).queryAndConvert()
    assert document.getElementsByTagName("literal")[0].firstChild.data == "hello"
    table = wrapper(server, SELECT, CSV).queryAndConvert().decode()
    assert table.splitlines() == ["s,o", "http://example.org/x,hello"]
    table = wrapper(server, SELECT, TSV).queryAndConvert().decode()
    assert table.splitlines() == ["?s\t?o", '<http://example.org/x>\t"hello"']
    post = wrapper(server, SELECT, JSON)
    post.setMethod(POST)
    assert post.queryAndConvert()["results"]["bindings"][0]["s"]["value"] == "http://example.org/x"


def test_ask_in_json_and_xml(server):
    assert wrapper(server, "ASK { ?s <http://example.org/says> ?o }", JSON).queryAndConvert()["boolean"] is True
    document = wrapper(server, "ASK { ?s <http://example.org/nothing> ?o }", XML).queryAndConvert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize("fmt", [XML, RDFXML, TURTLE, N3, JSONLD])
def test_construct_in_every_format(server, fmt):
    result = wrapper(server, CONSTRUCT, fmt).queryAndConvert()
    if isinstance(result, bytes):  # Turtle and N3 come back as text
        result = rdflib.Graph().parse(data=result, format="turtle")
    assert TRIPLE in result


@pytest.mark.parametrize("media_type, rdflib_format", [("application/n-triples", "nt"), ("application/trig", "trig")])
def test_construct_as_ntriples_and_trig(server, media_type, rdflib_format):
    client = wrapper(server, CONSTRUCT, TURTLE)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", media_type)
    response = client.query().response
    assert response.headers["Content-Type"].startswith(media_type)
    graph = rdflib.Dataset() if rdflib_format == "trig" else rdflib.Graph()
    graph.parse(data=response.read(), format=rdflib_format)
    assert TRIPLE in set(graph.triples((None, None, None)))


def test_update_is_refused(server):
    client = SPARQLWrapper(server["url"])
    client.setMethod(POST)
    client.setQuery("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }")
    with pytest.raises(QueryBadFormed):
        client.query()
    assert wrapper(server, "ASK { <http://example.org/a> ?p ?o }", JSON).queryAndConvert()["boolean"] is False


def get(url: str, query: str, **params) -> tuple[int, bytes]:
    address = url + "?" + urllib.parse.urlencode({"query": query, **params})
    try:
        with urllib.request.urlopen(address, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_service_outside_the_allowlist_sends_nothing(server):
    log = RequestLog()
    try:
        queries = [
            f"SELECT * WHERE {{ SERVICE <{log.url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <{log.url}> {{ ?s ?p ?o }} }}",
            "SELECT * WHERE { SERV\\u0049CE <" + log.url + "> { ?s ?p ?o } }",
            f"SELECT * FROM <{log.url}> WHERE {{ ?s ?p ?o }}",
        ]
        for query in queries:
            status, body = get(server["url"], query)
            assert status == 400, (query, body)
        client = wrapper(server, queries[0], JSON)
        with pytest.raises(QueryBadFormed):
            client.query()
        time.sleep(0.3)
        assert log.requests == []
    finally:
        log.close()


def test_an_expensive_query_is_cancelled_while_others_are_answered(server):
    outcome = {}

    def expensive():
        started = time.monotonic()
        outcome["status"], outcome["body"] = get(server["url"], EXPENSIVE)
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=expensive)
    thread.start()
    time.sleep(0.3)
    quick = []
    while thread.is_alive() and len(quick) < 20:
        started = time.monotonic()
        status, body = get(server["url"], "ASK { ?s ?p ?o }")
        quick.append(time.monotonic() - started)
        assert status == 200 and json.loads(body)["boolean"] is True
        time.sleep(0.05)
    thread.join()
    assert outcome["status"] == 503
    assert "time limit of 2 s" in json.loads(outcome["body"])["error"]["message"]
    assert 2 <= outcome["elapsed"] < 3
    assert quick and max(quick) < 0.5
    # a client may ask for less time than the server allows
    started = time.monotonic()
    assert get(server["url"], EXPENSIVE, timeout="0.5")[0] == 503
    assert time.monotonic() - started < 1.5


def test_serve_help_shows_the_command_behind_a_proxy():
    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0
    assert "reverse proxy" in result.output and "PMKG_TRUSTED_PROXIES" in result.output
    assert "--port" in result.output and "127.0.0.1" in result.output


def test_serve_refuses_a_missing_store(tmp_path):
    result = CliRunner().invoke(serve, ["--store", str(tmp_path / "none"), "--port", str(free_port())])
    assert result.exit_code != 0 and "no store" in result.output
