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
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", html)
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


# -- the officer, force and article pages (issue 12, point 3) --------------------------------

ASHWORTH = ID + "officer/hampshire-and-isle-of-wight-constabulary/philip-ashworth"
KENT = ID + "org/kent-police"
HEARING = ID + "article/2025-02-04-kent-constable-sacked-over-whatsapp-messages-as-co-0677c7e8fc"


def local(iri: str) -> str:
    return "/" + iri.removeprefix("https://w3id.org/pmkg/")


def twin(client, iri: str) -> dict:
    response = client.get(local(iri) + ".json")
    assert response.status_code == 200 and response.mimetype == "application/json", response.data[:300]
    return response.get_json()


def text_of(html: str) -> str:
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_officer_page_summary_cases_timeline_once_per_event(client):
    html = page(client, local(ASHBY))
    data = twin(client, ASHBY)
    assert data["kind"] == "officer"
    # two articles report him, one case; the latest outcome that happened and its date
    assert data["summary"].startswith("reported in 2 articles, 1 case; latest: "), data["summary"]
    assert data["summary"].endswith(", 2025-02-04") and "dismissal" in data["summary"]
    assert data["summary"] in text_of(html).replace(" .", ".")
    # the case with its current status
    assert [(c["label"], c["status"]) for c in data["cases"]] == [("Case of Rowan Ashby (Kent Police)", "sanction")]
    assert "Case of Rowan Ashby (Kent Police)</a>: sanction" in html
    # one point per (date, outcome): the dismissal is reported by one article and shown once
    events = [(e["date"], e["label"]) for e in data["events"]]
    assert len(events) == len(set(events)) and ("2025-02-04", "dismissal") in events
    svg = html[html.index('<figure class="timeline">'):html.index("</figure>")]
    assert svg.count("<circle") == len(data["timeline_chart"]["points"])
    # rank, force and status at a glance, with the force linked to its page
    glance = {item["heading"]: [v["text"] for v in item["values"]] for item in data["glance"]}
    assert glance["Force"] == ["Kent Police"] and "former" in glance["Status"]
    assert f'<a href="{local(KENT)}">Kent Police</a>' in html
    # the sentence behind the facts once, numbered
    assert html.count("PC Rowan Ashby, 35, was dismissed without notice") == 1


def test_officer_timeline_svg_has_each_label_once(client):
    """Kieran Holloway's outcomes have no date of their own, and three articles report the charge: it is one
    event (not one per article's date), so the timeline writes each outcome, and each date, once."""
    data = twin(client, OFFICER)
    charges = [e for e in data["events"] if e["label"] == "criminal charge"]
    assert len(charges) == 1 and charges[0]["undated"] and len(charges[0]["articles"]) == 3, charges
    assert charges[0]["date"] == charges[0]["reported"] == min(e["reported"] for e in data["events"])
    for officer in (OFFICER, ASHBY):
        html = page(client, local(officer))
        svg = html[html.index('<figure class="timeline">'):html.index("</figure>")]
        labels = re.findall(r'<text x="120" y="\d+" font-size="12">([^<]*)</text>', svg)
        dates = re.findall(r'<text x="0" y="\d+" font-size="12">([^<]*)</text>', svg)
        assert labels and len(labels) == len(set(labels)), labels
        assert dates and len(dates) == len(set(dates)), dates
        assert svg.count("<circle") == len(labels)
    assert "undated, first reported " in page(client, local(OFFICER))


def test_officer_page_quotations_by_them_and_about_them(client):
    data = twin(client, ASHWORTH)
    assert data["quotations"]["by"], "Philip Ashworth is quoted in the sample articles"
    assert all(q["speaker"] == "Philip Ashworth" for q in data["quotations"]["by"])
    assert data["quotations"]["about"] and all(q["speaker"] != "Philip Ashworth" for q in data["quotations"]["about"])
    html = page(client, local(ASHWORTH))
    assert "<h2>Quotations</h2>" in html and "<h3>By Philip Ashworth</h3>" in html
    first = data["quotations"]["by"][0]["words"]
    assert f"“{first}”".replace("'", "&#39;").replace('"', "&#34;") in html


def test_force_page_identifiers_officers_cases_and_charts(client):
    data = twin(client, KENT)
    assert data["kind"] == "force"
    ids = {i["scheme"]: i["id"] for i in data["identifiers"]}
    assert ids == {"Wikidata": "Q3195294", "police.uk": "kent"}
    names = [o["name"] for o in data["officers"]]
    assert "Rowan Ashby" in names and names == sorted(names)
    assert sum(s["n"] for s in data["cases_by_status"]) == len(data["force_cases"]) >= 1
    outcomes = data["outcomes_by_year"]
    # no article gives Kent's outcomes a date of their own: they are undated, not in the articles' years
    assert [y["year"] for y in outcomes["years"]] == ["undated"] and "dismissal" in outcomes["labels"]
    assert data["allegations_by_year"]["years"]
    dates = [a["published"] for a in data["latest_articles"]]
    assert dates == sorted(dates, reverse=True) and len(dates) <= 10
    html = page(client, local(KENT))
    assert 'href="https://www.wikidata.org/wiki/Q3195294"' in html
    assert html.count('<figure class="chart scrolls" tabindex="0">') == 2 and "<rect" in html
    # the charts' numbers are also a table, right-aligned
    assert "<caption>Outcomes by year (the chart's numbers)</caption>" in html
    assert '<td class="number">' in html
    assert "<script" not in html


def test_force_outcomes_without_a_date_of_their_own_are_counted_apart_not_in_the_articles_year(tmp_path):
    """The Met article is of 2023 and dates none of its outcomes; a reviewer gives one of them a date in
    2022. The chart has that one in 2022, every other outcome in a last bar "undated", none in 2023,
    and the page says so."""
    from kg.review import decide, facts

    path = tmp_path / "store"
    with Store.create(path) as store:
        assert not ingest(store, [ROOT / "samples" / "articles" / "02_whatsapp-group-officers-sacked.txt"]).failures
    found = facts(path, "015df041bb")
    dismissal = next(f for f in found if f.label == "outcome dismissal (Darren Pryce)")
    decide(path, action="correct", article="015df041bb", key=dismissal.key, by="Tester", field="date",
           value="2022-11-03")
    app = create_app({"STORE": str(path), "TESTING": True, "QUERY_TIMEOUT": 20})
    try:
        met = app.test_client()
        data = met.get(local(ID + "org/metropolitan-police-service") + ".json").get_json()
        html = met.get(local(ID + "org/metropolitan-police-service"), headers=HTML).get_data(as_text=True)
    finally:
        app.extensions["pmkg.executor"].close()
    years = {y["year"]: y for y in data["outcomes_by_year"]["years"]}
    assert list(years) == ["2022", "undated"], list(years)
    assert [(s["label"], s["n"]) for s in years["2022"]["segments"]] == [("dismissal", 1)]
    assert years["undated"]["total"] > 5
    section = html[html.index('<section class="outcomes">'):]
    section = section[:section.index("</section>")]
    assert '<th scope="row">undated</th>' in section and '<th scope="row">2023</th>' not in section
    assert "An outcome no article gives a date for is not put in the year of the article" in section


def test_article_page_sentences_in_order_with_facts_and_no_whole_text(client):
    data = twin(client, HEARING)
    assert data["kind"] == "article"
    meta = data["article"]
    assert meta["headline"] == "Kent constable sacked over WhatsApp messages as colleague is cleared"
    assert meta["published"] == "2025-02-04" and meta["authors"] == ["Felix Amadi"]
    starts = [s["start"] for s in data["sentences"]]
    assert starts == sorted(starts) and len(starts) == 4
    dismissed = next(s for s in data["sentences"] if s["text"].startswith("PC Rowan Ashby, 35"))
    assert {"subject": "Rowan Ashby", "href": local(ASHBY)}.items() <= dismissed["statements"][0].items()
    assert any(f["type"] == "outcome" and "dismissal" in f["kinds"] and f["review"] == "unreviewed"
               for f in dismissed["facts"])
    assert all(v["review"] == "unreviewed" for st in dismissed["statements"] for v in st["values"])
    html = page(client, local(HEARING))
    assert "<mark>PC Rowan Ashby, 35, was dismissed without notice" in html
    # a sentence of the article that supports no fact is not republished
    assert "Ashby had denied the allegations" not in html
    assert "Ashby had denied" not in client.get(local(HEARING) + ".json").get_data(as_text=True)
    assert "unnamed officer" in html and "officer/u2</" not in html


def test_about_page_and_navigation(client):
    html = page(client, "/about")
    for heading in ("What the data is", "Allegations are allegations", "How it is made", "Licence",
                    "How to cite", "How to report an error"):
        assert f">{heading}</h2>" in html, heading
    nav = html[html.index('<nav class="site-nav"'):html.index("</nav>")]
    assert 'href="/about"' in nav


def test_a_missing_entity_json_twin_is_a_404(client):
    response = client.get("/id/officer/kent-police/nobody-at-all.json")
    assert response.status_code == 404


# -- saved-query tables (issue 12, point 4) ----------------------------------------------------

def test_query_table_is_sortable_numbers_right_aligned_and_empty_result_says_so(client):
    html = page(client, "/queries/officers-by-force")
    assert '<table class="results" data-sortable data-page-size="50">' in html
    headers = re.findall(r'<th scope="col"( class="number")?>([^<]*)</th>', html)
    numeric = {name for cls, name in headers if cls}
    assert numeric == {"officers", "namedOfficers", "articles"}, headers
    assert '<script src="/static/table.js" defer></script>' in html
    script = client.get("/static/table.js")
    assert script.status_code == 200 and b"aria-sort" in script.data
    empty = page(client, "/queries/officer-timeline", officer=ID + "officer/kent-police/nobody-at-all")
    assert "No rows: nothing in the graph matches these values." in empty
