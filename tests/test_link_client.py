"""The polite SPARQL client against a tiny loopback HTTP server that fails on demand."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg.link.client import EndpointError, NotCachedError, SparqlClient, retry_after, user_agent
from kg.link.reconcile import candidate_query, sparql_string

QUERY = "SELECT ?x WHERE { ?x ?p ?o } LIMIT 1"
ANSWER = {"head": {"vars": ["x"]},
          "results": {"bindings": [{"x": {"type": "uri", "value": "http://example.org/a"}}]}}


class FlakyServer:
    """Answers each request with the next planned (status, headers) and records what it was sent."""

    def __init__(self, plan: list[tuple[int, dict[str, str]]]):
        self.plan = list(plan)
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
                status, headers = server.plan.pop(0) if server.plan else (200, {})
                body = json.dumps(ANSWER).encode() if status == 200 else b"busy"
                self.send_response(status)
                self.send_header("Content-Type", "application/sparql-results+json" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def client(url, tmp_path, **options):
    waits: list[float] = []
    options = {"min_interval": 0, "backoff": 0.5, "sleep": waits.append, **options}
    return SparqlClient(url, cache_dir=tmp_path / "cache", **options), waits


def test_the_user_agent_names_the_project_and_reaches_the_server(tmp_path):
    with FlakyServer([]) as server:
        sparql, _ = client(server.url, tmp_path, contact="editor@example.org")
        with sparql:
            assert sparql.select(QUERY) == ANSWER["results"]["bindings"]
    agent = server.requests[0]["user-agent"]
    assert agent == user_agent("editor@example.org")
    assert agent.startswith("pmkg/0.1.0 (https://w3id.org/pmkg; knowledge graph of police misconduct")
    assert "query=" in server.requests[0]["path"]


def test_a_503_with_retry_after_is_waited_out_then_retried(tmp_path):
    with FlakyServer([(503, {"Retry-After": "3"})]) as server:
        sparql, waits = client(server.url, tmp_path)
        with sparql:
            assert sparql.select(QUERY) == ANSWER["results"]["bindings"]
            assert sparql.requests == 2
    assert len(server.requests) == 2
    assert waits == [3.0]


def test_429s_without_retry_after_back_off_exponentially(tmp_path):
    with FlakyServer([(429, {}), (429, {}), (503, {})]) as server:
        sparql, waits = client(server.url, tmp_path)
        with sparql:
            sparql.select(QUERY)
    assert len(server.requests) == 4
    assert waits == [0.5, 1.0, 2.0]


def test_retry_after_is_capped_and_retries_are_limited(tmp_path):
    with FlakyServer([(503, {"Retry-After": "3600"})] * 5) as server:
        sparql, waits = client(server.url, tmp_path, retries=2, max_wait=10)
        with sparql, pytest.raises(EndpointError, match=r"answered HTTP 503 .*gave up after 3 tries"):
            sparql.select(QUERY)
    assert waits == [10, 10] and len(server.requests) == 3


def test_other_http_errors_are_not_retried(tmp_path):
    with FlakyServer([(403, {})]) as server:
        sparql, waits = client(server.url, tmp_path)
        with sparql, pytest.raises(EndpointError, match="answered HTTP 403"):
            sparql.select(QUERY)
    assert waits == [] and len(server.requests) == 1


def test_requests_keep_the_minimum_interval(tmp_path):
    now = [100.0]
    with FlakyServer([]) as server:
        sparql, waits = client(server.url, tmp_path, min_interval=2.0, clock=lambda: now[0])
        with sparql:
            sparql.select(QUERY)
            now[0] += 0.5
            sparql.select(QUERY + " ")          # another query: a request
            sparql.select(QUERY)                # cached: no request, no wait
    assert waits == [1.5] and len(server.requests) == 2


def test_answers_are_cached_and_offline_never_asks(tmp_path):
    with FlakyServer([]) as server:
        sparql, _ = client(server.url, tmp_path)
        with sparql:
            sparql.select(QUERY)
            sparql.select(QUERY)
            assert (sparql.requests, sparql.cache_hits) == (1, 1)
        offline, _ = client(server.url, tmp_path, offline=True)
        with offline:
            assert offline.select(QUERY) == ANSWER["results"]["bindings"]
            with pytest.raises(NotCachedError, match="offline, and this query .* is not in the cache"):
                offline.select("ASK {}")
        refresh, _ = client(server.url, tmp_path, refresh=True)
        with refresh:
            refresh.select(QUERY)
    assert len(server.requests) == 2


def test_an_endpoint_must_be_an_http_url(tmp_path):
    with pytest.raises(EndpointError, match="http"):
        SparqlClient("file:///etc/passwd", cache_dir=tmp_path)


def test_retry_after_reads_seconds_and_dates():
    now = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert retry_after("7") == 7.0
    assert retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert retry_after(None) is None and retry_after("soon") is None


def test_candidate_queries_escape_names_and_offer_wikidata_search():
    query = candidate_query('Anne "Nan" O\'Brien\\')
    assert sparql_string('Anne "Nan" O\'Brien\\') in query
    assert '"Anne \\"Nan\\" O\'Brien\\\\"@en' in query
    assert "wikibase:mwapi" not in query
    mwapi = candidate_query("Harriet Voss", search="mwapi")
    assert 'mwapi:search "Harriet Voss"' in mwapi and "wikibase:apiOutputItem" in mwapi
