"""The web app serves the archived copy of each page an article was read from, sandboxed, with a banner."""

from __future__ import annotations

import re

import pytest

from fetch_server import FixtureServer, article_html, page
from kg.fetch.archive import Archive
from kg.fetch.client import Fetcher
from kg.fetch.pages import ingest_urls
from kg.namespaces import ID
from kg.store import Store
from kg.web import create_app

HOSTILE = article_html(1, extra="Witnesses described the arrest to reporters.").replace(
    "</head>", '<meta http-equiv="refresh" content="0; url=https://elsewhere.invalid/">'
               "<script>document.title='pwned'</script></head>").replace(
    "<footer>", '<img src="https://tracker.invalid/pixel.gif"><footer>')


@pytest.fixture
def site(store_dir):
    with FixtureServer() as srv:
        srv.routes["/story"] = page(HOSTILE)
        archive = Archive(store_dir)
        with Store(store_dir) as store, Fetcher(delay=0) as fetcher:
            report = ingest_urls(store, [srv.url("/story")], fetcher=fetcher, archive=archive)
            srv.routes["/story"] = page("removed", status=404, content_type="text/plain")
            ingest_urls(store, [srv.url("/story")], fetcher=fetcher, archive=archive)
        capture = archive.latest_live(srv.url("/story"))
        archive.close()
        app = create_app({"STORE": str(store_dir), "TESTING": True, "QUERY_TIMEOUT": 10})
        yield app.test_client(), report.ingested[0][1], capture, srv


def test_article_page_links_to_the_archived_copy_and_says_it_is_gone(site):
    client, article, capture, srv = site
    response = client.get("/id/" + article.removeprefix(ID))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    uuid = capture.record_id.removeprefix("urn:uuid:")
    assert f'href="/archive/{uuid}"' in html
    assert f"captured {capture.captured}" in html
    assert "answered HTTP 404" in html


def test_archived_copy_is_sandboxed_with_a_banner(site):
    client, article, capture, srv = site
    response = client.get("/archive/" + capture.record_id.removeprefix("urn:uuid:"))
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script-src" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    when = capture.captured.replace("T", " ").removesuffix("Z") + " UTC"
    assert re.search(r'<body[^>]*><div role="note" id="pmkg-archive-banner"', html)
    assert f"Archived copy of <a href=\"{srv.url('/story')}\"" in html and f"captured by pmkg on {when}" in html
    assert "Witnesses described the arrest to reporters." in html
    assert "http-equiv" not in html


@pytest.mark.parametrize("path", ["/archive/00000000-0000-4000-8000-000000000000", "/archive/not-a-uuid",
                                  "/archive/../warc/index.sqlite"])
def test_unknown_captures_are_404(site, path):
    client = site[0]
    response = client.get(path)
    assert response.status_code == 404


def test_store_without_archive_has_no_link(store_dir):
    app = create_app({"STORE": str(store_dir), "TESTING": True})
    response = app.test_client().get("/archive/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert not (store_dir / "warc").exists()
