"""Attacks on the web app when its store is a SPARQL server (issue 15, point 5).

The Oxigraph server really makes the SERVICE calls of the queries it gets,
from its own network, where the app's sandbox and relay cannot hold them.
So a query goes to it only if the app can vouch for every SERVICE in it:
a listener off the allowlist counts every connection it accepts, and
whatever a query says it must never get one. Also: Virtuoso's pragmas,
updates, FROM of graphs the store lacks, credentials on the command line,
and the server's address in error messages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from remote_servers import OXIGRAPH_MISSING, oxigraph_server
from service_fuzz import queries
from test_sec_service import Listener, ask, smuggle
from test_web_server import free_port, wait_until_serving

pytestmark = pytest.mark.skipif(OXIGRAPH_MISSING is not None,
                                reason="the oxigraph server is not installed (pip package oxigraph)")
ARTICLE = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "articles", "02_whatsapp-group-officers-sacked.txt")


@pytest.fixture(scope="module")
def listeners():
    allowed, forbidden = Listener(), Listener()
    yield {"allowed": allowed, "forbidden": forbidden}
    allowed.close()
    forbidden.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, listeners):
    """`pmkg serve` on a store held by an Oxigraph server; yields (the app's /sparql, the server's URL)."""
    folder = tmp_path_factory.mktemp("remote-sec")
    with oxigraph_server(folder / "oxigraph") as store:
        subprocess.run([sys.executable, "-m", "kg", "ingest", "--store", store, "--quiet", ARTICLE],
                       check=True, capture_output=True, timeout=300)
        port = free_port()
        env = {**os.environ, "PMKG_SERVICE_ALLOWLIST": json.dumps([listeners["allowed"].url]),
               "PMKG_QUERY_TIMEOUT": "5"}
        process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", store, "--port", str(port)],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}/sparql"
        try:
            wait_until_serving(url, process)
            yield url, store
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_a_service_off_the_allowlist_is_refused_and_never_sent(app, listeners):
    status, body = ask(app[0], f"SELECT * WHERE {{ SERVICE <{listeners['forbidden'].url}> {{ ?s ?p ?o }} }}")
    assert status == 400 and "is not allowed" in json.dumps(body)
    assert listeners["forbidden"].heads == []


def test_a_service_smuggled_past_rdflib_is_refused_before_the_server_sees_it(app, listeners):
    """rdflib reads the forbidden SERVICE as part of a string; the Oxigraph server would call it."""
    status, body = ask(app[0], smuggle(listeners["forbidden"].url, listeners["allowed"].url))
    assert status == 400 and "the word SERVICE" in json.dumps(body)
    hidden_only = ('SELECT * WHERE { BIND("a\\u005C" AS ?x) SERVICE <%s> { ?s ?p ?o } # " AS ?x)\n }'
                   % listeners["forbidden"].url)
    status, body = ask(app[0], hidden_only)
    assert status == 400, body
    assert listeners["forbidden"].heads == []


def test_the_allowlisted_service_is_called_by_the_server(app, listeners):
    """Allowed SERVICE calls are made by the SPARQL server itself (README: run it where it can reach only those)."""
    before = len(listeners["allowed"].heads)
    status, body = ask(app[0], f"SELECT ?s WHERE {{ SERVICE <{listeners['allowed'].url}> {{ ?s ?p ?o }} }}")
    assert status == 200, body
    assert body["results"]["bindings"] == [{"s": {"type": "uri", "value": "http://example.org/s"}}]
    assert len(listeners["allowed"].heads) > before


def test_generated_queries_never_reach_an_address_off_the_allowlist(app, listeners):
    forbidden = listeners["forbidden"]
    seed = int(os.environ.get("PMKG_FUZZ_SEED", "20261129"))
    statuses: dict[int, int] = {}
    for query in queries(seed, 120, allowed=listeners["allowed"].url, forbidden=forbidden.url):
        status, _ = ask(app[0], query, timeout="2")
        statuses[status] = statuses.get(status, 0) + 1
        assert forbidden.heads == [], f"reached the forbidden listener (seed {seed}) with:\n{query!r}"
    assert set(statuses) <= {200, 400, 500, 503}, statuses
    assert statuses.get(400, 0) > 0, statuses


def test_virtuoso_pragmas_updates_and_unknown_graphs_are_refused(app):
    url, store = app
    for query, words in [
        ("DEFINE get:soft \"replace\" SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }", "pragmas"),
        ("INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }", "read-only"),
        ("SELECT * FROM <http://127.0.0.1:9/not-in-the-store> WHERE { ?s ?p ?o }", "not in the store"),
        ('SELECT * WHERE { BIND("a\\u005C" AS ?x) ?s ?p ?o # " FROM <urn:x>\n }', "the word FROM"),
    ]:
        status, body = ask(url, query)
        assert status == 400 and words in json.dumps(body), (query, body)
    status, body = ask(url, "ASK { GRAPH ?g { ?s ?p ?o } }")
    assert status == 200 and body["boolean"] is True


def test_error_messages_do_not_name_the_server(app):
    url, store = app
    status, body = ask(url, "SELECT * WHERE { ?s ?p ?o FILTER(?s = ) }")
    assert status == 400
    assert store not in json.dumps(body) and "127.0.0.1" not in json.dumps(body)


def test_credentials_are_never_taken_from_the_store_url(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kg", "query", "--store", "https://admin:hunter2@127.0.0.1:9/sparql",
                             "-"], input="ASK {}", capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == ("Error: put the store's user name and password in PMKG_STORE_USER and "
                                     "PMKG_STORE_PASSWORD, not in its URL")
    assert "hunter2" not in result.stderr + result.stdout
