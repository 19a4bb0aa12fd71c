"""The review web app in headless Chromium (Debian's, driven by Playwright) against a real ``pmkg serve``.

A reviewer signs in, opens the queue and an article's review page, moves
between facts with the keyboard, confirms one (``c``), rejects one (``r``,
a reason, Enter) and corrects another (``e``, a value, Enter), and adds a
fact the extractor missed (clicks its sentence in the text, fills the add
form). Then a fresh browser context, with no session, opens the officer's
public entity page as a different user would: the rejected outcome is gone
and the corrected rank is shown; and the article's public page shows the
added fact beside its sentence, marked "added". No CSP violation, no script error, no request off loopback.
Screenshots go under the test's tmp_path (and to PMKG_SCREENSHOTS if set).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.ingest import ingest
from kg.store import Store
from test_web_browser import CHROMIUM, LAUNCH_ARGS, off_loopback, playwright_api
from test_web_server import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "samples" / "articles" / "02_whatsapp-group-officers-sacked.txt"
OFFICER = "/id/officer/metropolitan-police-service/callum-deverell"
PASSWORD = "reviewer password 42"
REJECT = "outcome no-further-action (Callum Deverell)"
CORRECT = "officer Callum Deverell: rank = constable"
MISSED = "failed to challenge or report"   # words of the sentence an added fact cites
WORDS_AT_JS = """(words) => {
  const div = document.querySelector('div.article-text');
  const walker = document.createTreeWalker(div, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const i = n.data.indexOf(words);
    if (i < 0) continue;
    const range = document.createRange();
    range.setStart(n, i);
    range.setEnd(n, i + words.length);
    window.scrollBy({ top: range.getClientRects()[0].y - window.innerHeight / 2, behavior: 'instant' });
    const box = range.getClientRects()[0];
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }
  return null;
}"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium at /usr/bin/chromium")

FACTS_JS = """() => {
  const out = {};
  for (const dl of document.querySelectorAll('dl.facts')) {
    let name = null;
    for (const el of dl.children) {
      if (el.tagName === 'DT') { name = el.innerText.trim(); out[name] = out[name] || []; }
      else if (el.tagName === 'DD' && name) { out[name].push(el.querySelector('.value').innerText.trim()); }
    }
  }
  return out;
}"""
OUTCOMES_JS = ("() => Array.from(document.querySelectorAll('dl.facts dd .value a'))"
               ".map(a => a.href).filter(href => href.includes('/outcome/'))")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("review-browser") / "store"
    with Store.create(path) as store:
        ingest(store, [ARTICLE])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMKG_")}
    env.update({"PMKG_REVIEW": "true", "PMKG_SECRET_KEY": "b" * 40})
    made = subprocess.run([sys.executable, "-m", "kg", "users", "add", "jo", "--store", str(path),
                           "--password-stdin"], input=PASSWORD + "\n", text=True, capture_output=True, env=env,
                          timeout=60)
    assert made.returncode == 0, made.stderr
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(path), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + "/sparql", process)
    yield base
    process.terminate()
    process.wait(timeout=10)


def _context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                            "e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '')));")
    return context


def _fact(page, text: str):
    return page.locator("li.fact", has=page.locator("p.label", has_text=text))


def test_reject_and_correct_then_see_both_as_another_user(server, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    requests: list[str] = []
    errors: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            public = _context(browser).new_page()
            public.goto(server + OFFICER)
            before = public.evaluate(FACTS_JS)
            assert before["rank"] == ["Police Constable"], before
            outcomes = public.evaluate(OUTCOMES_JS)
            assert len(outcomes) >= 2, before
            public.context.close()

            reviewer = _context(browser)
            page = reviewer.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server + "/review/")
            assert "/review/sign-in" in page.url
            page.fill("#name", "jo")
            page.fill("#password", PASSWORD)
            page.screenshot(path=shots / "01-sign-in.png")
            page.click("form.signin button")
            page.wait_for_selector("table.review-queue")
            assert page.locator("table.review-queue tbody tr").count() == 1
            page.screenshot(path=shots / "02-queue.png", full_page=True)
            page.click("table.review-queue a")
            page.wait_for_selector("li.fact.current")
            assert page.locator(".article-text mark").count() > 3

            # j/k move the selection and its highlighted sentence; c confirms the selected fact
            first = page.evaluate("document.querySelector('li.fact.current').id")
            page.keyboard.press("j")
            second = page.evaluate("document.querySelector('li.fact.current').id")
            assert second != first
            page.keyboard.press("k")
            assert page.evaluate("document.querySelector('li.fact.current').id") == first
            page.keyboard.press("j")
            sentence = page.evaluate("document.querySelector('li.fact.current').dataset.sentence")
            assert page.evaluate(f"document.getElementById('{sentence}').classList.contains('current')")
            page.screenshot(path=shots / "03-article.png")
            page.keyboard.press("c")
            page.wait_for_selector(f"li#{second}.state-confirmed")
            assert "Confirmed" in page.locator(".flash").inner_text()

            # r: reject with a reason
            _fact(page, REJECT).locator("p.label").click()
            page.keyboard.press("r")
            page.keyboard.type("the prosecutors' decision was about charges, not an outcome for him")
            page.keyboard.press("Enter")
            page.wait_for_selector(".flash")
            assert "state-rejected" in _fact(page, REJECT).get_attribute("class")

            # e: correct the rank
            _fact(page, CORRECT).locator("p.label").click()
            page.keyboard.press("e")
            page.keyboard.type("sergeant")  # the value was selected: typing replaces it
            page.keyboard.press("Enter")
            page.wait_for_selector("li.fact.state-corrected")
            corrected = page.locator("li.fact.state-corrected")
            assert "rank = sergeant" in corrected.inner_text()
            corrected.scroll_into_view_if_needed()
            page.screenshot(path=shots / "04-decided.png")

            # add a fact the extractor missed: click its sentence in the text, then fill the form
            article_iri = page.locator("p.iri code").inner_text()
            at = page.evaluate(WORDS_AT_JS, MISSED)
            page.mouse.click(at["x"], at["y"])
            cited = page.eval_on_selector("#add-sentence", "s => s.selectedOptions[0].textContent")
            assert MISSED in cited, cited
            page.select_option("#add-kind", "allegation")
            page.fill("#add-value", "failure to report")
            page.select_option("#add-subject", label="Ross Whitlock")
            page.locator("#add-fact").screenshot(path=shots / "04-add-form.png")
            page.click("form.add button")
            page.wait_for_selector("li.fact.state-added")
            assert "Added:" in page.locator(".flash").inner_text()
            added = page.locator("li.fact.state-added")
            assert "allegation failure-to-report (added)" in added.inner_text()
            assert MISSED in page.evaluate("(id) => document.getElementById(id).textContent",
                                           added.get_attribute("data-sentence"))

            article_url = page.url.split("#")[0]
            page.set_viewport_size({"width": 390, "height": 900})  # a phone: nothing wider than the screen
            page.goto(article_url)
            page.wait_for_selector("li.fact.current")
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
            page.screenshot(path=shots / "04-phone.png")
            page.set_viewport_size({"width": 1400, "height": 1000})

            page.goto(server + "/review/log")
            log = page.locator("table").inner_text()
            assert "reject" in log and "correct" in log and "confirm" in log and "add" in log and "jo" in log
            page.screenshot(path=shots / "05-log.png", full_page=True)
            assert page.evaluate("window.__csp") == []
            reviewer.close()

            # someone else, with no session, sees the published view
            anonymous = _context(browser)
            other = anonymous.new_page()
            other.on("request", lambda request: requests.append(request.url))
            other.goto(server + OFFICER)
            after = other.evaluate(FACTS_JS)
            other.screenshot(path=shots / "06-public-officer.png", full_page=True)
            assert after["rank"] == ["Sergeant"], after
            left = other.evaluate(OUTCOMES_JS)
            assert len(left) == len(outcomes) - 1 and set(left) < set(outcomes), (outcomes, left)
            assert other.evaluate("window.__csp") == []
            (gone,) = set(outcomes) - set(left)
            assert other.goto(gone).status == 404  # the rejected outcome is no longer published
            other.goto(server + "/id/" + article_iri.split("/id/", 1)[1])
            passage = other.locator("li.passage", has_text=MISSED)
            fact = passage.locator("p.fact", has=other.locator("a.review-added"))
            assert fact.count() == 1 and "Ross Whitlock" in fact.inner_text(), passage.inner_text()
            fact.scroll_into_view_if_needed()
            other.screenshot(path=shots / "07-public-article-added.png")
            other.goto(server + "/review/")
            assert other.url.startswith(server + "/review/sign-in")  # and this user has no session
            anonymous.close()
        finally:
            browser.close()
            keep = os.environ.get("PMKG_SCREENSHOTS")
            if keep:
                shutil.copytree(shots, Path(keep), dirs_exist_ok=True)
    assert errors == []
    assert off_loopback(requests) == []
