"""Ingesting web pages from a real server on 127.0.0.1: graphs, WARC captures, changes, gone pages, batches."""

from __future__ import annotations

import hashlib
import re

import pytest
from click.testing import CliRunner

from fetch_server import FixtureServer, article_html, page
from kg.cli import main
from kg.fetch.archive import Archive
from kg.fetch.client import Fetcher
from kg.fetch.pages import ingest_urls
from kg import resources
from kg.store import Store

SOURCES = (resources.queries_dir() / "sources.rq").read_text(encoding="utf-8")
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"


@pytest.fixture
def server():
    with FixtureServer() as srv:
        yield srv


def run(store_dir, urls, **options):
    archive = Archive(store_dir)
    try:
        with Store(store_dir) as store, Fetcher(delay=0, timeout=5, retries=1, backoff=0) as fetcher:
            return ingest_urls(store, urls, fetcher=fetcher, archive=archive, **options)
    finally:
        archive.close()


def ask(store_dir, sparql):
    with Store(store_dir, read_only=True) as store:
        result = store.query(sparql)
        names = [v.value for v in result.variables]
        return [{name: row[name].value for name in names} for row in result]


def graph_quads(store_dir, graph):
    with Store(store_dir, read_only=True) as store:
        return {str(q) for q in store.quads(graph)}


def warc_records(store_dir):
    from warcio.archiveiterator import ArchiveIterator

    records = []
    for path in sorted((store_dir / "warc").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                records.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                                record.content_stream().read()))
    return records


def test_page_is_read_archived_and_its_location_is_the_canonical_url(server, store_dir):
    html = article_html(1, canonical="/news/constable-hearing")
    server.routes["/share?ref=feed"] = page(html)
    report = run(store_dir, [server.url("/share?ref=feed")])
    assert report.failures == [] and len(report.ingested) == 1
    article = report.ingested[0][1]
    with Store(store_dir, read_only=True) as store:
        rows = list(store.query(SOURCES))
    assert [(r["article"].value, r["location"].value) for r in rows] == [(article, server.url("/news/constable-hearing"))]
    # the graph points to the capture, which carries the SHA-256 of the body
    rows = ask(store_dir, f"SELECT ?a ?b WHERE {{ GRAPH <{article}> {{ <{article}> <{SCHEMA}archivedAt> ?a . "
                          f"?a <{SCHEMA}sha256> ?b }} }}")
    assert rows == [{"a": rows[0]["a"], "b": hashlib.sha256(html.encode()).hexdigest()}]
    assert rows[0]["a"].startswith("urn:uuid:")
    records = warc_records(store_dir)
    assert [kind for kind, _, _ in records] == ["warcinfo", "response", "request", "metadata"]
    assert html.encode() in records[1][2]
    assert b"fetched-at: 20" in records[3][2] and b"canonical-url: " + server.url("/news/constable-hearing").encode() in records[3][2]


def test_unchanged_page_writes_no_new_graph_or_capture(server, store_dir):
    server.routes["/a"] = page(article_html(2))
    first = run(store_dir, [server.url("/a")])
    article = first.ingested[0][1]
    before = graph_quads(store_dir, article)
    warc = sorted((store_dir / "warc").glob("*.warc.gz"))
    size = warc[0].stat().st_size
    second = run(store_dir, [server.url("/a")])
    assert second.unchanged == [server.url("/a")] and second.ingested == []
    assert graph_quads(store_dir, article) == before          # not even the extraction time changed
    assert warc[0].stat().st_size == size
    assert Archive(store_dir).count() == 1


def test_changed_page_gives_one_new_capture_and_a_reextracted_graph(server, store_dir):
    versions = iter([article_html(3), article_html(3, extra="The officer was later dismissed without notice.")])
    server.routes["/story"] = lambda request: (200, {"Content-Type": "text/html"}, next(versions).encode())
    first = run(store_dir, [server.url("/story")])
    article = first.ingested[0][1]
    old_capture = ask(store_dir, f"SELECT ?a WHERE {{ GRAPH <{article}> {{ <{article}> <{SCHEMA}archivedAt> ?a }} }}")[0]["a"]
    second = run(store_dir, [server.url("/story")])
    assert second.ingested == [(server.url("/story"), article)]
    archive = Archive(store_dir)
    assert archive.count() == 2
    text = ask(store_dir, f"SELECT ?a WHERE {{ GRAPH <{article}> {{ ?s <https://w3id.org/pmkg/ontology#text> ?a }} }}")
    assert any("dismissed without notice" in row["a"] for row in text)
    rows = ask(store_dir, f"SELECT ?a ?b WHERE {{ GRAPH <{article}> {{ <{article}> <{SCHEMA}archivedAt> ?a . "
                          f"?a <{PROV}wasRevisionOf> ?b }} }}")
    assert len(rows) == 1 and rows[0]["b"] == old_capture and rows[0]["a"] != old_capture
    assert [kind for kind, _, _ in warc_records(store_dir)].count("response") == 2


def test_two_addresses_of_one_page_in_one_run_are_read_once(server, store_dir):
    server.routes["/s?utm=a"] = page(article_html(9, canonical="/s"))
    server.routes["/s?utm=b"] = page(article_html(9, canonical="/s"))
    report = run(store_dir, [server.url("/s?utm=a"), server.url("/s?utm=b")])
    assert len(report.ingested) == 1 and report.unchanged == [server.url("/s?utm=b")]
    assert Archive(store_dir).count() == 1


def test_changed_headline_keeps_one_graph_for_the_page(server, store_dir):
    versions = iter([article_html(4, title="Officer faces hearing over arrest in park"),
                     article_html(4, title="Officer dismissed after hearing over arrest in park")])
    server.routes["/p"] = lambda request: (200, {"Content-Type": "text/html"}, next(versions).encode())
    old = run(store_dir, [server.url("/p")]).ingested[0][1]
    new = run(store_dir, [server.url("/p")]).ingested[0][1]
    assert old != new
    with Store(store_dir, read_only=True) as store:
        assert not store.contains_graph(old) and store.contains_graph(new)


def test_page_that_is_now_gone_is_recorded_and_its_facts_kept(server, store_dir):
    server.routes["/s"] = page(article_html(5))
    article = run(store_dir, [server.url("/s")]).ingested[0][1]
    facts = graph_quads(store_dir, article)
    server.routes["/s"] = page("removed", status=410, content_type="text/plain")
    gone = run(store_dir, [server.url("/s")])
    assert gone.gone == [server.url("/s")] and gone.failures == []
    after = graph_quads(store_dir, article)
    assert facts < after
    rows = ask(store_dir, f"SELECT ?a WHERE {{ GRAPH <{article}> {{ <{article}> <{PROV}invalidatedAtTime> ?a }} }}")
    assert len(rows) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0]["a"])
    assert Archive(store_dir).count() == 2
    again = run(store_dir, [server.url("/s")])           # still gone: nothing new
    assert again.gone == [server.url("/s")] and Archive(store_dir).count() == 2
    assert graph_quads(store_dir, article) == after


def test_never_read_404_is_a_failure(server, store_dir):
    report = run(store_dir, [server.url("/missing")])
    assert report.failures == [(server.url("/missing"), server.url("/missing") + ": HTTP 404 Not Found")]


@pytest.mark.parametrize("charset, declared", [("windows-1252", "windows-1252"), ("latin-1", "utf-8"),
                                               ("utf-8", "iso-8859-1")])
def test_pages_in_other_or_wrongly_declared_charsets(server, store_dir, charset, declared):
    html = article_html(6, title="Café owner Zoë Brontë says constable used excessive force", charset_meta=declared)
    server.routes["/c"] = page(html.encode(charset), content_type=f"text/html; charset={declared}")
    article = run(store_dir, [server.url("/c")]).ingested[0][1]
    rows = ask(store_dir, f"SELECT ?a WHERE {{ GRAPH <{article}> {{ <{article}> <{SCHEMA}headline> ?a }} }}")
    assert rows == [{"a": "Café owner Zoë Brontë says constable used excessive force"}]


def test_batch_of_200_with_10_percent_failures(server, store_dir):
    server.routes["/robots.txt"] = page("User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    urls, bad = [], []
    for n in range(200):
        kind = n % 10
        path = f"/private/{n}" if kind == 3 and n % 20 == 3 else f"/n/{n}"
        if kind != 3:
            server.routes[path] = page(article_html(n, canonical=f"/story/{n}"))
        elif n % 20 == 13:
            server.routes[path] = page(b"\x89PNG", content_type="image/png")
        urls.append(server.url(path))
        if kind == 3:
            bad.append(server.url(path))
    assert len(bad) == 20
    report = run(store_dir, urls)
    assert sorted(url for url, _ in report.failures) == sorted(bad)
    assert all(reason.startswith(url + ": ") and "\n" not in reason for url, reason in report.failures)
    assert len(report.ingested) == 180
    with Store(store_dir, read_only=True) as store:
        locations = {r["location"].value for r in store.query(SOURCES)}
    assert locations == {server.url(f"/story/{n}") for n in range(200) if n % 10 != 3}


def test_cli_ingests_addresses_and_a_url_file(server, store_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PMKG_CONTACT", "news-desk@example.org")
    monkeypatch.setenv("PMKG_FETCH_DELAY", "0")
    server.routes["/one"] = page(article_html(7))
    server.routes["/two"] = page(article_html(8))
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# stories\n{server.url('/two')}\n\n{server.url('/nope')}\n")
    result = CliRunner().invoke(main, ["ingest", "--store", str(store_dir), server.url("/one"), "--urls", str(listing)])
    assert result.exit_code == 1
    assert f"skipped: {server.url('/nope')}: HTTP 404 Not Found" in result.output
    assert "addresses: 2 read, 0 unchanged, 0 gone, 1 failed" in result.output
    assert all("news-desk@example.org" in headers["User-Agent"] for _, headers in server.hits)
    again = CliRunner().invoke(main, ["ingest", "--store", str(store_dir), server.url("/one")])
    assert again.exit_code == 0 and "addresses: 0 read, 1 unchanged" in again.output
