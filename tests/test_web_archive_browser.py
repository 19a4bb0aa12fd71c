"""In a real browser (Chromium), an archived copy shows its banner and runs none of the page's scripts.

Skipped only when Chromium or Playwright is not installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fetch_server import FixtureServer, article_html, page
from kg.fetch.archive import Archive
from kg.fetch.client import Fetcher
from kg.fetch.pages import ingest_urls
from kg.namespaces import ID
from kg.store import Store
from test_web_server import free_port, wait_until_serving

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium at /usr/bin/chromium")

HOSTILE = article_html(3, title="Sergeant cleared of misconduct after hearing").replace(
    "</head>", "<script>document.title = 'pwned'; document.body && (document.body.dataset.ran = 'yes');</script>"
               "</head>").replace(
    "</article>", "</article><script>document.body.dataset.ran = 'yes'; fetch('/sparql?query=ASK%7B%7D')</script>"
                  "<img src=\"/archive-beacon.gif\">")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("archive-browser") / "store"
    Store.create(path).close()
    with FixtureServer() as srv:
        srv.routes["/story"] = page(HOSTILE)
        archive = Archive(path)
        with Store(path) as store, Fetcher(delay=0) as fetcher:
            article = ingest_urls(store, [srv.url("/story")], fetcher=fetcher, archive=archive).ingested[0][1]
        archive.close()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from kg.web.cli import serve; serve()", "--store", str(path), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + "/sparql", process)
    yield base, article
    process.terminate()
    process.wait(timeout=10)


def test_archived_copy_in_a_browser_runs_no_script_and_loads_nothing(served):
    base, article = served
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            tab = browser.new_page()
            tab.goto(base + "/id/" + article.removeprefix(ID))
            tab.click("p.archived a:text('archived copy')")
            tab.wait_for_load_state("load")
            finished: list[str] = []
            tab.on("requestfinished", lambda request: finished.append(request.url))
            blocked: list[str] = []
            tab.on("requestfailed", lambda request: blocked.append(f"{request.url} {request.failure}"))
            tab.reload()
            assert "/archive/" in tab.url
            banner = tab.locator("#pmkg-archive-banner")
            assert banner.is_visible() and "captured by pmkg on" in banner.inner_text()
            assert "Sergeant cleared of misconduct" in tab.content()
            assert tab.title() != "pwned"
            assert tab.locator("body").get_attribute("data-ran") is None
            # the image is blocked by the policy before it leaves the browser; the script never ran to fetch
            assert [url for url in finished if "/sparql" in url or "beacon" in url] == []
            assert blocked == [base + "/archive-beacon.gif csp"]
        finally:
            browser.close()
