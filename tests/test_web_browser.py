"""The home page in headless Chromium (Debian's, driven by Playwright) against a real server on loopback.

Opens the page, runs a saved query in YASGUI, sees the table, follows a result
link to an entity page and sees a supporting sentence, opens a case from an
officer's page and sees its timeline, saving screenshots under
tmp_path; every request the page makes is recorded and must stay on 127.0.0.1.
It is skipped only when Chromium, Playwright or the npm libraries are not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.ingest import ingest
from kg.store import Store
from kg.web.page import REPOSITORY, VENDOR
from test_web_server import free_port, wait_until_serving

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "fixtures" / "extract"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SAVED_QUERY = "officers"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium at /usr/bin/chromium: run scripts/setup.sh"),
    pytest.mark.skipif(not (REPOSITORY / "node_modules" / VENDOR["yasgui"]).is_dir(),
                       reason="node_modules is not installed: run scripts/setup.sh"),
]


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
        ingest(store, [ARTICLES])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from kg.web.cli import serve; serve()", "--store", str(path), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + "/sparql", process)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def browser_page(server, tmp_path):
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        # Collected before any page script runs; init scripts are not subject to the page's CSP.
        context.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', "
            "e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '')));"
        )
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        shots = tmp_path / "screenshots"
        shots.mkdir()
        yield {"page": page, "requests": requests, "errors": errors, "shots": shots, "base": server}
        keep = os.environ.get("PMKG_SCREENSHOTS")
        if keep:
            shutil.copytree(shots, Path(keep), dirs_exist_ok=True)
        context.close()
        browser.close()


def off_loopback(requests: list[str]) -> list[str]:
    allowed = ("127.0.0.1",)
    return [url for url in requests
            if urllib.parse.urlsplit(url).scheme not in ("data", "blob", "about")
            and urllib.parse.urlsplit(url).hostname not in allowed]


def test_page_runs_a_saved_query_and_links_to_an_entity_page(browser_page):
    page, requests, shots, base = (browser_page[k] for k in ("page", "requests", "shots", "base"))
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=yes]", timeout=20000)
    page.wait_for_selector(".CodeMirror", timeout=20000)
    assert "PREFIX pmkg: <https://w3id.org/pmkg/ontology#>" in page.locator(".CodeMirror").inner_text()
    page.screenshot(path=shots / "01-home.png", full_page=True)

    # Completion of classes comes from the app's ontology, not a third-party service.
    page.evaluate("(() => { const cm = document.querySelector('.CodeMirror').CodeMirror;"
                  " const query = cm.getValue();"
                  " cm.setValue('PREFIX pmkg: <https://w3id.org/pmkg/ontology#>\\nSELECT * WHERE { ?s a pmkg:Poli');"
                  " cm.focus(); cm.setCursor(cm.lineCount(), 0); window.__query = query; })()")
    page.keyboard.press("Control+Space")
    page.wait_for_selector(".CodeMirror-hints li", timeout=10000)
    hints = page.locator(".CodeMirror-hints li").all_inner_texts()
    assert "pmkg:PoliceOfficer" in hints and "pmkg:PoliceForce" in hints, hints
    page.keyboard.press("Escape")
    page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue(window.__query)")

    # The editor runs a query against /sparql and shows the table.
    page.locator(".yasqe_queryButton").click()
    page.wait_for_selector(".yasr table.dataTable tbody tr", timeout=20000)
    assert "ontology" in page.locator(".yasr table.dataTable").inner_text()
    assert page.locator("#downloads a[data-format=csv]").count() == 1
    page.screenshot(path=shots / "02-first-query.png", full_page=True)
    csp_violations = page.evaluate("window.__csp")
    assert csp_violations == [], csp_violations
    assert not browser_page["errors"], browser_page["errors"]
    assert not off_loopback(requests), off_loopback(requests)

    # The page points the editor at the saved-queries list the app serves.
    saved_list = page.get_attribute("#yasgui", "data-saved-queries")
    assert saved_list and status(base + saved_list) == 200, saved_list
    page.wait_for_selector(f".saved-query[data-name={SAVED_QUERY}] button", timeout=20000)
    page.locator(f".saved-query[data-name={SAVED_QUERY}] button").click()
    page.wait_for_function("document.querySelector('.yasr table.dataTable') && "
                           "document.querySelector('.yasr table.dataTable').innerText.includes('officer')",
                           timeout=20000)
    page.wait_for_selector(".yasr a.iri.entity", timeout=20000)
    page.screenshot(path=shots / "03-saved-query.png", full_page=True)
    assert not off_loopback(requests), off_loopback(requests)

    link = page.locator(".yasr a.iri.entity[href^='/id/officer/']").first
    href = link.get_attribute("href")
    assert href.startswith("/id/")
    assert status(base + href) == 200, href
    link.click(timeout=5000)
    page.wait_for_url(base + href, timeout=10000)
    assert urllib.parse.urlsplit(page.url).path == href
    page.screenshot(path=shots / "04-entity.png", full_page=True)
    # An entity page shows the sentences that support its facts: one of the fixture articles'
    # sentences naming this officer appears on the page word for word.
    text = " ".join(page.locator("body").inner_text().split())
    surname = page.locator("h1").inner_text().split()[-1]
    sentences = [s.strip() + "." for path in ARTICLES.glob("*.txt")
                 for s in path.read_text(encoding="utf-8").replace("\n", " ").split(". ") if surname in s]
    assert sentences and any(s in text for s in sentences), (surname, text[:2000])
    assert not off_loopback(requests), off_loopback(requests)

    # An officer's page lists their cases; a case page draws its timeline with the same chart,
    # and lists each step with the sentence behind it.
    page.goto(base + "/id/officer/police-scotland/euan-lockhart")
    case_link = page.locator("section.cases a").first
    case_href = case_link.get_attribute("href")
    assert case_href.startswith("/id/case/"), case_href
    case_link.click(timeout=5000)
    page.wait_for_url(base + case_href, timeout=10000)
    page.wait_for_selector("section.case-timeline figure.timeline svg circle", timeout=10000)
    steps = page.locator("ol.steps li.step").all_inner_texts()
    assert steps and all(step.split()[0][:2] in ("19", "20") for step in steps), steps
    sentence = page.locator("ol.steps ul.sentences a[href*='/sentence/']").first
    assert status(base + sentence.get_attribute("href")) == 200
    page.screenshot(path=shots / "05-case.png", full_page=True)
    assert page.evaluate("window.__csp") == []
    assert not off_loopback(requests), off_loopback(requests)

    # A saved query that declares a timeline draws one: each outcome at its date.
    page.goto(base + "/")
    page.wait_for_selector(".saved-query[data-name=officer-timeline] button", timeout=20000)
    page.locator(".saved-query[data-name=officer-timeline] button").click()
    page.wait_for_selector("#chart-box:not([hidden]) canvas", timeout=20000)
    page.screenshot(path=shots / "06-timeline.png", full_page=True)
    assert page.evaluate("window.__csp") == []
    assert not off_loopback(requests), off_loopback(requests)
