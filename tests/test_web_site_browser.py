"""The shared layout in headless Chromium at a phone's width (390 px) and a desktop's (1400 px):
header, navigation and footer on every server-drawn page, nothing wider than the screen,
no CSP violation and no request off loopback. Screenshots go to PMKG_SCREENSHOTS if set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_web_browser import CHROMIUM, LAUNCH_ARGS, off_loopback, playwright_api, server  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no Chromium at /usr/bin/chromium")

OFFICER = "/id/officer/kent-police/rowan-ashby"
PAGES = {
    "home": "/",
    "search": "/search?q=Ashby",
    "officer": OFFICER,
    "saved-queries": "/queries/",
    "officers-by-force": "/queries/officers-by-force",
    "officer-timeline": "/queries/officer-timeline?officer=https%3A%2F%2Fw3id.org%2Fpmkg%2Fid%2Fofficer%2F"
                        "police-scotland%2Feuan-lockhart",
    "downloads": "/downloads",
}


@pytest.mark.parametrize("width", [390, 1400])
def test_every_page_has_the_layout_and_fits_the_screen(server, tmp_path, width):  # noqa: F811
    keep = os.environ.get("PMKG_SCREENSHOTS")
    shots = Path(keep) if keep else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                                "e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '')));")
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        try:
            for name, path in PAGES.items():
                response = page.goto(server + path)
                assert response.status == 200, (name, response.status)
                assert page.locator("header nav a", has_text="Saved queries").count() == 1, name
                assert page.locator("header form[role=search] input[name=q]").count() == 1, name
                assert "CC BY 4.0" in page.locator("footer").inner_text(), name
                assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui"), name
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, (name, width, overflow)
                assert page.evaluate("window.__csp") == [], name
                page.screenshot(path=str(shots / f"site-{name}-{width}.png"), full_page=True)
        finally:
            context.close()
            browser.close()
    assert off_loopback(requests) == []
