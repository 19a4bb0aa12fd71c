"""Saved queries: every one documented, parsed and answering a real fixture store, through the web app.

The fixture store holds samples/sample-case.trig and the fictional articles
of tests/fixtures/extract/ and samples/articles/, extracted by the real
pipeline. The federated queries' SERVICE calls go to an Oxigraph server on
loopback holding tests/fixtures/web/wikidata.ttl (Wikidata-shaped test data),
through the WIKIDATA_ENDPOINT setting and the SERVICE allowlist.
"""

from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg import saved_queries
from kg.ingest import ingest
from kg.saved_queries import ParameterError, SavedQueryError
from kg.store import Store
from kg.web import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
QUERIES = saved_queries.load_all()
COMPETENCY = ["sources", "officers", "investigations", "allegations", "outcomes", "quotes"]
OFFICER = "https://w3id.org/pmkg/id/officer/west-midlands-police/kieran-holloway"
NOBODY = "https://w3id.org/pmkg/id/officer/nowhere/nobody"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("saved") / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
        report = ingest(store, [FIXTURES / "extract", ROOT / "samples" / "articles",
                               FIXTURES / "cases" / "conflict.trig"])  # two sources that disagree
        assert not report.failures
        store.load(b'<https://w3id.org/pmkg/id/article/x> <https://w3id.org/pmkg/ontology#name> '
                   b'"<script>alert(1)</script>" .', format="ntriples", graph="https://w3id.org/pmkg/id/article/x")
    return path


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory):
    """A local SPARQL endpoint with Wikidata-shaped test data: the oxigraph server, or a pyoxigraph one."""
    data = FIXTURES / "web" / "wikidata.ttl"
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent))
    if binary:
        location = tmp_path_factory.mktemp("wikidata")
        subprocess.run([binary, "load", "--location", str(location), "--file", str(data)],
                       check=True, capture_output=True, timeout=60)
        port = free_port()
        process = subprocess.Popen([binary, "serve-read-only", "--location", str(location),
                                    "--bind", f"127.0.0.1:{port}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        process = subprocess.Popen([sys.executable, str(FIXTURES / "link" / "sparql_server.py"), str(data)],
                                   stdout=subprocess.PIPE, text=True)
        port = int(process.stdout.readline())
    url = f"http://127.0.0.1:{port}/query"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def app(store_path, wikidata):
    app = create_app({"STORE": str(store_path), "TESTING": True, "QUERY_TIMEOUT": 20, "ROW_LIMIT": 1000,
                      "SERVICE_ALLOWLIST": [wikidata], "WIKIDATA_ENDPOINT": wikidata})
    yield app
    app.extensions["pmkg.executor"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return response.get_json()["results"]["results"]["bindings"]


# -- the files ---------------------------------------------------------------

def test_at_least_twelve_saved_queries_besides_the_competency_queries():
    assert set(COMPETENCY) <= set(QUERIES)
    assert len(set(QUERIES) - set(COMPETENCY) - {"graphs"}) >= 12
    assert sum(q.federated for q in QUERIES.values()) >= 2


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_saved_query_has_summary_parses_and_answers_the_fixture_store(name, client):
    query = QUERIES[name]
    assert query.summary and query.description and query.tags
    for parameter in query.parameters:
        assert parameter.default, f"parameter {parameter.name} has no #+ defaults: test value"
    response = client.get(f"/queries/{name}.json", query_string=query.defaults())
    assert response.status_code == 200, response.data
    body = response.get_json()
    if query.form == "CONSTRUCT":
        assert len(rdflib.Graph().parse(data=body["turtle"], format="turtle")) > 0
    elif query.form == "ASK":
        assert body["results"]["boolean"] is True
    else:
        assert body["results"]["results"]["bindings"], "no rows on the fixture store"
        if query.chart:
            assert {query.chart.x, query.chart.y} <= set(body["results"]["head"]["vars"])
            assert body["chart"]["points"]


@pytest.mark.parametrize("name", sorted(n for n, q in QUERIES.items()
                                        if any(p.required and p.type == "iri" for p in q.parameters)))
def test_a_required_iri_parameter_narrows_the_answer(name, client):
    query = QUERIES[name]
    values = {**query.defaults(), **{p.name: NOBODY for p in query.parameters if p.type == "iri"}}
    body = client.get(f"/queries/{name}.json", query_string=values).get_json()
    if query.form == "ASK":
        assert body["results"]["boolean"] is False
    elif query.form == "CONSTRUCT":
        assert body["turtle"].strip() == "" or len(rdflib.Graph().parse(data=body["turtle"], format="turtle")) == 0
    else:
        assert body["results"]["results"]["bindings"] == []


def test_optional_parameters_filter_and_may_be_left_out(client):
    everything = rows(client.get("/queries/allegation-categories-by-year.json"))
    from_2022 = rows(client.get("/queries/allegation-categories-by-year.json", query_string={"from": "2022"}))
    assert 0 < len(from_2022) < len(everything)
    assert all(int(row["year"]["value"]) >= 2022 for row in from_2022)
    assert rows(client.get("/queries/allegation-categories-by-year.json", query_string={"from": "2100"})) == []
    late = rows(client.get("/queries/officer-timeline.json", query_string={"officer": OFFICER, "since": "2021-01-01"}))
    assert late and len(late) < len(rows(client.get("/queries/officer-timeline.json", query_string={"officer": OFFICER})))


def test_timeline_is_the_officers_and_in_date_order(client):
    timeline = rows(client.get("/queries/officer-timeline.json", query_string={"officer": OFFICER}))
    dates = [row["date"]["value"] for row in timeline if "date" in row]
    assert dates == sorted(dates) and len(dates) >= 3
    assert {"criminal-charge", "acquittal"} <= {row["code"]["value"] for row in timeline}


# -- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("name, values, parameter", [
    ("officer-timeline", {}, "officer"),
    ("officer-timeline", {"officer": "javascript:alert(1)"}, "officer"),
    ("officer-timeline", {"officer": "<https://x.org/a> } ?s ?p ?o {"}, "officer"),
    ("officer-timeline", {"officer": OFFICER, "since": "2021-13-01"}, "since"),
    ("officer-timeline", {"officer": OFFICER, "since": "yesterday"}, "since"),
    ("allegation-categories-by-year", {"from": "2020.5"}, "from"),
    ("allegation-categories-by-year", {"to": "1 OR 1=1"}, "to"),
    ("outcomes-by-force", {"stage": "maybe"}, "stage"),
])
def test_an_ill_typed_or_missing_value_is_a_400_naming_the_parameter(client, name, values, parameter):
    response = client.get(f"/queries/{name}.json", query_string=values)
    assert response.status_code == 400
    assert repr(parameter) in response.get_json()["error"]["message"]


def test_a_string_value_is_bound_as_a_literal_not_spliced(client):
    sneaky = 'x")) } UNION { ?officer ?p ?o } #'
    assert rows(client.get("/queries/officer-search.json", query_string={"name": sneaky})) == []
    found = rows(client.get("/queries/officer-search.json", query_string={"name": "HOLLOWAY"}))
    assert OFFICER in {row["officer"]["value"] for row in found}


def test_unknown_query_and_format_are_404(client):
    assert client.get("/queries/no-such-query").status_code == 404
    assert client.get("/queries/officers.xlsx").status_code == 404
    assert client.get("/queries/officer-graph.csv", query_string={"officer": OFFICER}).status_code == 404


def test_parameter_types_become_rdf_terms():
    assert saved_queries.to_term("a", "iri", "urn:isbn:0451450523") == ox.NamedNode("urn:isbn:0451450523")
    assert saved_queries.to_term("a", "integer", "+007").value == "7"
    assert saved_queries.to_term("a", "date", "2020-02-29").datatype.value.endswith("#date")
    assert saved_queries.to_term("a", "en", "Met").language == "en"
    assert saved_queries.to_term("a", "string", "Met") == ox.Literal("Met")
    for kind, value in [("iri", "relative/path"), ("iri", "ftp://x.org/"), ("date", "2021-02-29"), ("integer", "")]:
        with pytest.raises(ParameterError, match="'a'"):
            saved_queries.to_term("a", kind, value)


def test_a_query_without_summary_or_with_a_bad_chart_is_refused(tmp_path):
    (tmp_path / "bare.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(SavedQueryError, match="summary"):
        saved_queries.parse(tmp_path / "bare.rq")
    (tmp_path / "chart.rq").write_text("#+ summary: x\n#+ chart: donut x=a\nSELECT ?a WHERE { ?a ?p ?o }\n")
    with pytest.raises(SavedQueryError, match="chart"):
        saved_queries.parse(tmp_path / "chart.rq")


def test_headers_and_parameters_are_read_in_grlcs_style():
    query = QUERIES["outcomes-by-force"]
    assert query.chart.as_dict() == {"type": "bar", "x": "force", "y": "outcomes", "series": "type"}
    stage = query.parameter("stage")
    assert (stage.variable, stage.type, stage.required, stage.enum) == ("__stage", "string", False, ("happened", "scheduled"))
    timeline = QUERIES["officer-timeline"]
    assert [(p.name, p.type, p.required) for p in timeline.parameters] == [("officer", "iri", True), ("since", "date", False),
                                                                ("reviewed", "string", False)]
    assert QUERIES["allegations"].tags == ("competency", "allegations")


# -- formats ---------------------------------------------------------------------

def test_csv_and_turtle_twins(client):
    response = client.get("/queries/officers-by-force.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert "Kent Police" in {row["forceName"] for row in table}
    response = client.get("/queries/officer-graph.ttl", query_string={"officer": OFFICER})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (rdflib.URIRef(OFFICER), None, None) in graph


def test_the_list_as_json_is_what_the_home_page_reads(client):
    response = client.get("/queries.json")
    assert response.status_code == 200
    entries = {entry["name"]: entry for entry in response.get_json()}
    assert set(entries) == set(QUERIES)
    timeline = entries["officer-timeline"]
    assert {"name", "summary", "description", "tags", "parameters", "query", "chart", "url"} <= set(timeline)
    assert timeline["parameters"][0] == {"name": "officer", "type": "iri", "required": True, "default": OFFICER,
                                         "enum": None}
    assert timeline["url"].endswith("/queries/officer-timeline")
    assert "?_officer_iri" in timeline["query"]
    assert entries["officers-by-force"]["chart"]["type"] == "bar"


def test_openapi_has_one_operation_per_saved_query(client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(QUERIES)
    ids = {op["operationId"] for op in operations}
    assert len(ids) == len(QUERIES)
    timeline = document["paths"]["/queries/officer-timeline.json"]["get"]
    officer = timeline["parameters"][0]
    assert officer["name"] == "officer" and officer["required"] is True
    assert officer["schema"] == {"type": "string", "format": "uri"}


# -- pages -------------------------------------------------------------------------

def test_list_page_and_query_page(client):
    page = client.get("/queries/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'href="http://localhost/queries/officer-timeline"' in page.data
    form = client.get("/queries/officer-timeline")
    assert form.status_code == 200
    assert b'name="officer"' in form.data and OFFICER.encode() in form.data  # the default fills the form
    assert b"Fill in the parameters" in form.data
    page = client.get("/queries/officers-by-force")
    assert b"<svg" in page.data and b"<rect" in page.data and b"Kent Police" in page.data
    # one script, the app's own (sorting and paging the table); no inline script is allowed
    assert page.data.count(b"<script") == 1 and b'<script src="/static/table.js" defer></script>' in page.data
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_page_renders_its_results(name, client):
    query = QUERIES[name]
    page = client.get(f"/queries/{name}", query_string=query.defaults())
    assert page.status_code == 200, page.data
    assert query.summary.encode() in page.data.replace(b"&#39;", b"'")
    assert b"Fill in the parameters" not in page.data
    if query.form == "ASK":
        assert b"yes (true)" in page.data
    elif query.form == "CONSTRUCT":
        assert b"<pre>@prefix" in page.data or b"<pre>&lt;" in page.data or b"pmkg:" in page.data
    else:
        assert b"<td>" in page.data


def test_pages_escape_what_the_data_says(client):
    page = client.get("/queries/graphs")
    assert page.status_code == 200
    fed = client.get("/queries/wikidata-force-headquarters")
    assert fed.status_code == 200, fed.data
    assert b"<script>alert(1)</script>" not in fed.data
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in fed.data


def test_a_bad_value_on_the_page_is_a_400_page(client):
    response = client.get("/queries/officer-timeline", query_string={"officer": "not an iri"},
                          headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert b"officer" in response.data


# -- federated ----------------------------------------------------------------------

def test_federated_queries_join_local_facts_with_the_wikidata_endpoint(client):
    headquarters = {row["name"]["value"]: row["headquartersLabel"]["value"]
                    for row in rows(client.get("/queries/wikidata-force-headquarters.json"))}
    assert headquarters["Kent Police"] == "Testtown (Kent)"
    assert "Unlinked Test Force" not in headquarters
    population = {row["name"]["value"]: row for row in rows(client.get("/queries/wikidata-force-population.json"))}
    kent = population["Kent Police"]
    officers = int(kent["officers"]["value"])
    assert float(kent["perMillion"]["value"]) == pytest.approx(round(officers * 10_000_000 / 1_900_000) / 10)


def test_federated_query_text_names_the_configured_endpoint(client, wikidata):
    entry = next(e for e in client.get("/queries.json").get_json() if e["name"] == "wikidata-force-headquarters")
    assert f"SERVICE <{wikidata}>" in entry["query"]
    assert "query.wikidata.org" not in entry["query"]
    assert "SERVICE <https://query.wikidata.org/sparql>" in QUERIES["wikidata-force-headquarters"].text()


def test_federated_query_is_refused_when_the_endpoint_is_not_allowed(store_path, wikidata):
    app = create_app({"STORE": str(store_path), "TESTING": True, "SERVICE_ALLOWLIST": [],
                      "WIKIDATA_ENDPOINT": wikidata})
    try:
        response = app.test_client().get("/queries/wikidata-force-headquarters.json")
        assert response.status_code == 400
        assert "not allowed" in response.get_json()["error"]["message"]
    finally:
        executor = app.extensions.get("pmkg.executor")
        if executor is not None:
            executor.close()


def test_an_enumerated_parameter_picks_the_rows(client):
    happened = rows(client.get("/queries/outcomes-by-force.json"))
    scheduled = rows(client.get("/queries/outcomes-by-force.json", query_string={"stage": "scheduled"}))
    assert scheduled and len(scheduled) < len(happened)
    assert {row["code"]["value"] for row in scheduled} <= {"gross-misconduct-hearing", "barred-list", "misconduct-meeting",
                                                          "accelerated-misconduct-hearing", "prison-sentence",
                                                          "non-custodial-sentence", "dismissal", "criminal-charge"}


def test_a_case_timeline_is_drawn_in_date_order_with_local_links(client):
    officer = "https://w3id.org/pmkg/id/officer/west-midlands-police/kieran-holloway"
    page = client.get("/queries/officer-timeline", query_string={"officer": officer}, headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<figure class="timeline">' in html
    data = client.get("/queries/officer-timeline.json", query_string={"officer": officer}).get_json()
    dates = [point["x"] for point in data["chart"]["points"]]
    assert len(dates) >= 3 and dates == sorted(dates)  # charged, acquitted, final written warning
    assert 0 == data["chart"]["points"][0]["offset"] and data["chart"]["points"][-1]["offset"] == 1
    assert 'href="/id/article/' in html  # minted IRIs link to their pages on this app
