"""The review web app's pages and forms over real HTTP, on a real ``pmkg serve`` with a real store.

Signed in as an account of ``pmkg users``: the queue lists the article, the
review page shows its text and facts; a decision is recorded as that account
(``by``) and the public view changes at once; bad input is a 400 with one
line and records nothing; the withdraw button takes the article out of the
published view (its IRI answers 410 with the reason).
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kg.ingest import ingest
from kg.review import facts, log
from kg.store import Store
from test_web_server import free_port, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "samples" / "articles" / "02_whatsapp-group-officers-sacked.txt"
PASSWORD = "reviewer password 43"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("review-web") / "store"
    with Store.create(path) as store:
        ingest(store, [ARTICLE])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMKG_")}
    # The snapshot is not reloaded by the periodic check during the test: only the decision's own reload counts.
    env.update({"PMKG_REVIEW": "true", "PMKG_SECRET_KEY": "w" * 40, "PMKG_STORE_CHECK_INTERVAL": "3600"})
    made = subprocess.run([sys.executable, "-m", "kg", "users", "add", "sam", "--store", str(path),
                           "--password-stdin"], input=PASSWORD + "\n", text=True, capture_output=True, env=env,
                          timeout=60)
    assert made.returncode == 0, made.stderr
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(path), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + "/sparql", process)
    yield base, path
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def http(served):
    base, _ = served
    with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
        page = client.get("/review/sign-in")
        answer = client.post("/review/sign-in", data={"name": "sam", "password": PASSWORD,
                                                      "csrf_token": TOKEN.search(page.text).group(1)})
        assert answer.status_code == 200 and str(answer.url).endswith("/review/")
        yield client


def _article(http) -> str:
    queue = http.get("/review/")
    found = re.search(r'href="/review/article\?iri=([^"]+)"', queue.text)
    assert found, queue.text
    return httpx.URL("/?iri=" + html.unescape(found.group(1))).params["iri"]


def _post(http, path: str, iri: str, **data) -> httpx.Response:
    page = http.get("/review/article", params={"iri": iri})
    return http.post(path, data={"csrf_token": TOKEN.search(page.text).group(1), "article": iri, **data})


def test_the_review_page_shows_the_text_and_every_fact(http, served):
    _, store = served
    iri = _article(http)
    page = http.get("/review/article", params={"iri": iri})
    assert page.status_code == 200
    assert "<mark id=\"s-1\">" in page.text and "WhatsApp" in page.text
    for fact in facts(store, iri):
        assert f'id="fact-{fact.key}"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert '<script src="/static/review.js" defer></script>' in page.text


def test_a_decision_is_made_as_the_signed_in_account_and_published_at_once(http, served):
    base, store = served
    iri = _article(http)
    age = next(f for f in facts(store, iri) if f.label.startswith("officer Callum Deverell: age"))
    officer = "/id/officer/metropolitan-police-service/callum-deverell"
    assert "33" in httpx.get(base + officer + ".nt").text
    answer = _post(http, "/review/decide", iri, key=age.key, action="reject", reason="the age is of someone else")
    assert answer.status_code == 200 and answer.history[0].status_code == 303
    newest = log(store, limit=1)[0]
    assert (newest.action, newest.key, newest.by, newest.reason) == ("reject", age.key, "sam",
                                                                     "the age is of someone else")
    published = httpx.get(base + officer + ".nt").text  # anonymous, right after the decision
    assert "<https://w3id.org/pmkg/ontology#age>" not in published


@pytest.mark.parametrize("data, message", [
    ({"action": "reject"}, "a reason is required"),
    ({"action": "correct", "field": "rank", "value": "admiral"}, "is not a known rank"),
    ({"action": "confirm", "key": "f-000000000000"}, "no fact with this key"),
    ({"action": "delete"}, "action"),
])
def test_bad_input_is_one_line_and_records_nothing(http, served, data, message):
    _, store = served
    iri = _article(http)
    rank = next(f for f in facts(store, iri) if f.label.startswith("officer Callum Deverell: rank"))
    before = len(log(store, limit=1000))
    answer = _post(http, "/review/decide", iri, **{"key": rank.key, **data})
    assert answer.status_code == 400
    error = re.search(r'<p class="error" role="alert">([^<]*)</p>', answer.text)
    assert error and message in html.unescape(error.group(1)), answer.text[:500]
    assert "Traceback" not in answer.text
    assert len(log(store, limit=1000)) == before


def test_an_unknown_article_or_a_malformed_iri(http):
    assert http.get("/review/article", params={"iri": "https://w3id.org/pmkg/id/article/none"}).status_code == 404
    assert http.get("/review/article", params={"iri": "not an iri"}).status_code == 400


SENTENCE = re.compile(r'<option value="(\d+-\d+)" data-start="\d+" data-end="\d+">\d+: ([^<]*)</option>')


def _sentence(page: str, words: str) -> str:
    """The value of the add form's option for the sentence with these words."""
    found = [value for value, text in SENTENCE.findall(page) if words in html.unescape(text)]
    assert len(found) == 1, SENTENCE.findall(page)[:5]
    return found[0]


def test_a_fact_the_extractor_missed_is_added_citing_a_sentence(http, served):
    base, store = served
    iri = _article(http)
    page = http.get("/review/article", params={"iri": iri}).text
    assert 'action="/review/add"' in page
    cited = _sentence(page, "failed to challenge or report")
    whitlock = next(f for f in facts(store, iri) if f.label.startswith("officer Ross Whitlock: name"))
    assert f'<option value="{whitlock.key}">Ross Whitlock</option>' in page
    answer = _post(http, "/review/add", iri, kind="allegation", value="failure to report", sentence=cited,
                   subject=whitlock.key, reason="the panel's finding about him")
    assert answer.status_code == 200 and answer.history[0].status_code == 303, answer.text[:500]
    newest = log(store, limit=1)[0]
    assert (newest.action, newest.kind, newest.new_value, newest.by, newest.subject) == (
        "add", "allegation", "failure-to-report", "sam", whitlock.key)
    start, end = (int(n) for n in cited.split("-"))
    assert newest.sentence == (start, end)
    added = next(f for f in facts(store, iri) if f.key == newest.key)
    assert added.state == "added" and "failed to challenge or report" in added.sentence
    assert f'id="fact-{added.key}"' in answer.text and "Added:" in answer.text
    # published at once, to anyone: the article's public page shows the fact as added, beside its sentence
    public = httpx.get(base + "/id/" + iri.split("/id/", 1)[1], headers={"Accept": "text/html"}).text
    passage = public[public.index(f'id="s-{start}"'):]
    passage = passage[:passage.index("</li>")]
    line = next(p for p in passage.split('<p class="fact">') if "review-added" in p)
    assert "failure to challenge or report; Ross Whitlock" in line, passage


@pytest.mark.parametrize("data, message", [
    ({"kind": "verdict"}, "kind"),
    ({"value": "a stern look"}, "is not a known outcome type"),
    ({"sentence": "5-999999"}, "is not within the article"),
    ({"sentence": "the third one"}, "START-END"),
    ({"sentence": ""}, "sentence"),
    ({"value": ""}, "value"),
    ({"subject": "f-000000000000"}, "no officer or group fact with this key"),
])
def test_a_bad_addition_is_one_line_and_records_nothing(http, served, data, message):
    _, store = served
    iri = _article(http)
    before = len(log(store, limit=1000))
    answer = _post(http, "/review/add", iri, **{"kind": "outcome", "value": "suspension", "sentence": "0-20", **data})
    assert answer.status_code == 400
    error = re.search(r'<p class="error" role="alert">([^<]*)</p>', answer.text)
    assert error and message in html.unescape(error.group(1)), answer.text[:800]
    assert "Traceback" not in answer.text
    assert len(log(store, limit=1000)) == before
    # what was typed is still in the form
    if data.get("value"):
        assert f'value="{data["value"]}"' in answer.text


def test_confirming_that_an_article_has_no_facts_is_refused_when_it_has(http, served):
    _, store = served
    iri = _article(http)
    before = len(log(store, limit=1000))
    answer = _post(http, "/review/confirm-empty", iri)
    assert answer.status_code == 400 and "The article has facts" in answer.text
    assert 'action="/review/confirm-empty"' not in answer.text   # the button is only there for a fact-less one
    assert len(log(store, limit=1000)) == before


def test_the_withdraw_button_takes_the_article_down(http, served):
    base, store = served
    iri = _article(http)
    assert _post(http, "/review/withdraw", iri, reason="").status_code == 400
    answer = _post(http, "/review/withdraw", iri, reason="a court order")
    assert answer.status_code == 200 and str(answer.url).endswith("/review/")
    public = httpx.get(base + "/id/" + iri.split("/id/", 1)[1], headers={"Accept": "text/html"})
    assert public.status_code == 410 and "a court order" in public.text
    assert "sam" not in public.text
    assert "/review/article?iri=" not in answer.text  # no longer in the queue


QUIET = ("Library opening hours to change in Hartwell\n\nFirst published on Mon 3 June 2024 09.00 BST\n\n"
         "The county council said on Monday that the central library in Hartwell will open an hour later on "
         "weekdays from July. A spokesperson said the weekend hours stay as they are.\n")


def test_an_article_without_facts_waits_in_the_queue_until_a_reviewer_confirms_it(http, served, tmp_path):
    """Runs after the withdrawal above, so this article is the queue's only one."""
    _, store = served
    quiet = tmp_path / "quiet.txt"
    quiet.write_text(QUIET, encoding="utf-8")
    with Store(store) as public:
        assert not ingest(public, [quiet]).failures
    iri = _article(http)
    assert "library" in iri and facts(store, iri) == []
    page = http.get("/review/article", params={"iri": iri}).text
    assert "The extractor found no fact in this article" in page
    before = len(log(store, limit=1000))
    answer = _post(http, "/review/confirm-empty", iri)
    assert answer.status_code == 200 and str(answer.url).endswith("/review/")
    assert "Every article has been reviewed." in answer.text
    newest = log(store, limit=1)[0]
    assert len(log(store, limit=1000)) == before + 1
    assert (newest.action, newest.key, newest.by, newest.article) == ("confirm", "article", "sam", iri)
