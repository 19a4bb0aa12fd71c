"""The site reads well (issue 12): charts label with names, parameter variables are not
columns, a timeline shows each event once, an entity page shows each sentence once.

Through Flask's test client on a real store built by the real pipeline from the
fixture articles (as tests/test_web_queries.py and tests/test_web_entities.py do).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.ingest import ingest
from kg.store import Store
from kg.web import create_app
from kg.web.queries import timeline_points

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
ID = "https://w3id.org/pmkg/id/"
OFFICER = ID + "officer/west-midlands-police/kieran-holloway"
ASHBY = ID + "officer/kent-police/rowan-ashby"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    path = tmp_path_factory.mktemp("site") / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
        report = ingest(store, [FIXTURES / "extract", ROOT / "samples" / "articles"])
        assert not report.failures
    app = create_app({"STORE": str(path), "TESTING": True, "QUERY_TIMEOUT": 20, "ROW_LIMIT": 1000})
    yield app.test_client()
    app.extensions["pmkg.executor"].close()


def page(client, url: str, **params) -> str:
    response = client.get(url, query_string=params, headers=HTML)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def test_officers_by_force_chart_labels_bars_with_force_names_not_iris(client):
    chart = client.get("/queries/officers-by-force.json").get_json()["chart"]
    labels = [point["x"] for point in chart["points"]]
    assert labels and not any(label.startswith(("http://", "https://")) for label in labels), labels
    assert "West Midlands Police" in labels
    html = page(client, "/queries/officers-by-force")
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "West Midlands Police" in svg and "https://w3id.org" not in svg


def test_parameter_variables_are_not_result_columns(client):
    html = page(client, "/queries/officer-timeline", officer=OFFICER, since="2000-01-01")
    headers = re.findall(r"<th>([^<]*)</th>", html)
    assert "date" in headers and "type" in headers
    assert not [name for name in headers if name.startswith("_")], headers
    # the JSON twin keeps every variable: it is data, not a page
    assert "_officer_iri" in client.get("/queries/officer-timeline.json",
                                        query_string={"officer": OFFICER}).get_json()["results"]["head"]["vars"]


def test_timeline_points_merge_one_event_reported_by_three_articles():
    rows = [{"date": {"value": "2023-05-17"}, "type": {"value": "dismissal"}, "article": {"value": f"a{i}"}}
            for i in range(3)] + [{"date": {"value": "2022-01-03"}, "type": {"value": "charge"}}]
    points = timeline_points(rows, "date", "type")
    assert [(p["x"], p["label"]) for p in points] == [("2022-01-03", "charge"), ("2023-05-17", "dismissal")]


def test_an_entity_page_shows_each_supporting_sentence_once(client):
    html = page(client, "/" + ASHBY.removeprefix("https://w3id.org/pmkg/"))
    sentence = "PC Rowan Ashby, 35, was dismissed without notice"
    assert html.count(sentence) == 1, html.count(sentence)
    # the facts refer to it by number, and the number leads to it
    number = re.search(r'<li id="evidence-(\d+)"><blockquote class="sentence">(?:<a [^>]*>)?' + re.escape(sentence),
                       html).group(1)
    assert html.count(f'href="#evidence-{number}"') >= 2


def test_every_page_shares_the_layout_and_cites_the_configured_address(client):
    for url in ("/queries/", "/queries/officers-by-force", "/search?q=Ashby",
                "/" + ASHBY.removeprefix("https://w3id.org/pmkg/"), "/"):
        html = client.get(url, headers={**HTML, "Host": "evil.example"}).get_data(as_text=True)
        assert 'href="/static/site.css"' in html, url
        nav = html[html.index('<nav class="site-nav"'):html.index("</nav>")]
        for place in ("/search", "/queries/", "/sparql", "/downloads"):
            assert f'href="{place}' in nav, (url, place)
        footer = html[html.index("<footer"):html.index("</footer>")]
        assert "CC BY 4.0" in footer and "How to cite" in footer, url
        assert "evil.example" not in html, url
