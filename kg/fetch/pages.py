"""Ingest web pages: fetch, archive, read like saved HTML, extract, write one graph per article.

For each address:

- a page whose body has the same SHA-256 as its latest capture is
  *unchanged*: nothing is written, neither capture nor graph;
- a new or changed page is archived (one capture: request, response and
  metadata records), read (the article's location is its canonical URL),
  extracted, and its graph replaced; the graph points to the capture
  (``schema:archivedAt``), which carries the body's ``schema:sha256``, the
  time (``prov:generatedAtTime``) and, when the page had been read before,
  ``prov:wasRevisionOf`` the previous capture;
- a page read before that now answers 404 or 410 is *gone*: the answer is
  archived and the article's graph gains ``prov:invalidatedAtTime``; its facts
  stay (removing them is a reviewer's decision);
- any other failure is one line naming the address, and the batch goes on.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import PmkgError
from kg.fetch.archive import Archive, Capture
from kg.fetch.client import Fetcher, FetchError, GoneError, Page
from kg.store import Store

SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
CHUNK = 8
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass
class UrlReport:
    ingested: list[tuple[str, str]] = field(default_factory=list)     # (address, article graph)
    unchanged: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)      # (address, one-line reason)
    triples: int = 0

    def summary(self) -> str:
        return (f"addresses: {len(self.ingested)} read, {len(self.unchanged)} unchanged, "
                f"{len(self.gone)} gone, {len(self.failures)} failed; {self.triples} triples written")


def read_page(page: Page):
    """The :class:`Article` in a fetched page; its location is the page's canonical URL (same site only)."""
    import dataclasses

    article = _read_page(page)
    if article.location != page.canonical:      # og:url or a canonical link to another site: not taken
        article = dataclasses.replace(article, location=page.canonical)
    return article


def _read_page(page: Page):
    from kg import reader, reader_html

    location = page.canonical
    kind = "text/plain" if page.content_type == "text/plain" else "text/html"
    body = page.body
    charset = page.charset
    if charset and not body.startswith(_BOMS) and not _is_utf8(body):
        try:
            text = body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            text = None          # the header is wrong: let the reader detect the encoding
        if text is not None and text.strip():
            if kind == "text/plain":
                return reader.read_text(text, location=location)
            return reader_html.article_from_html(text, location=location, encoding=charset.lower(), name=page.url)
    return reader.read_bytes(body, location=location, media_type=kind)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def capture_quads(article: str, capture: Capture, previous: Capture | None) -> list[ox.Quad]:
    """The triples that tie an article's graph to the capture it was read from."""
    graph = ox.NamedNode(article)
    node = ox.NamedNode(capture.record_id)
    quads = [ox.Quad(ox.NamedNode(article), ox.NamedNode(SCHEMA + "archivedAt"), node, graph)]
    for cap in (capture, previous):
        if cap is None:
            continue
        subject = ox.NamedNode(cap.record_id)
        quads += [ox.Quad(subject, RDF_TYPE, ox.NamedNode(PROV + "Entity"), graph),
                  ox.Quad(subject, ox.NamedNode(PROV + "generatedAtTime"),
                          ox.Literal(cap.captured, datatype=XSD_DATETIME), graph),
                  ox.Quad(subject, ox.NamedNode(SCHEMA + "sha256"), ox.Literal(cap.sha256), graph),
                  ox.Quad(subject, ox.NamedNode(SCHEMA + "url"), ox.NamedNode(cap.canonical), graph)]
    if previous is not None:
        quads.append(ox.Quad(node, ox.NamedNode(PROV + "wasRevisionOf"), ox.NamedNode(previous.record_id), graph))
    return quads


class _Batch:
    """Pages read and waiting to be extracted together (one nlp.pipe pass per chunk)."""

    def __init__(self, store: Store, archive: Archive, report: UrlReport, fail: Callable[[str, str], None],
                 model: str | None):
        self.store, self.archive, self.report, self.fail, self.model = store, archive, report, fail, model
        self.pending: list[tuple[str, Page, object, Capture | None]] = []

    def add(self, url: str, page: Page, article, previous: Capture | None) -> None:
        self.pending.append((url, page, article, previous))
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        from kg.batch import extract_articles
        from kg.review import publish_extracted

        pending, self.pending = self.pending, []
        if not pending:
            return
        results = extract_articles([(url, article) for url, _, article, _ in pending], self.model)
        for (url, page, _, previous), result in zip(pending, results):
            if result.status != "ok":
                self.fail(url, f"{url}: {result.reason or result.status}")
                continue
            capture = self.archive.write(page, previous=previous)
            extra = capture_quads(result.graph, capture, previous)
            quads = result.quads() + extra
            if previous is not None and previous.article and previous.article != result.graph:
                self.store.remove_graph(previous.article)   # a new headline names the article anew
            refused = publish_extracted(self.store, result.graph, result.quads(), result.text, extra)
            if refused is not None:
                self.fail(url, f"{url}: {refused}")
                continue
            self.archive.set_article(capture.record_id, result.graph)
            self.report.ingested.append((url, result.graph))
            self.report.triples += len(quads)


def ingest_urls(store: Store, urls: Iterable[str], *, fetcher: Fetcher, archive: Archive,
                on_failure: Callable[[str, str], None] | None = None,
                on_gone: Callable[[str, str], None] | None = None, model: str | None = None,
                public_only: bool = False, report: UrlReport | None = None) -> UrlReport:
    """Fetch, archive and ingest each address (duplicates once); failures are reported and skipped.

    ``public_only``: the addresses are links someone else chose (a feed's items),
    which may reach public hosts only (:mod:`kg.fetch.addresses`).
    """
    report = report if report is not None else UrlReport()

    def fail(url: str, reason: str) -> None:
        report.failures.append((url, reason))
        if on_failure is not None:
            on_failure(url, reason)

    addresses = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    if not addresses:
        return report
    before = len(report.ingested) + len(report.gone)
    batch = _Batch(store, archive, report, fail, model)
    read: set[tuple[str, str]] = set()        # (canonical URL, SHA-256) read in this run
    for url in addresses:
        try:
            page = fetcher.get(url, public_only=public_only)
        except GoneError as error:
            _gone(store, archive, report, error, fail, on_gone)
            continue
        except FetchError as error:
            fail(url, str(error))
            continue
        latest = archive.latest(url, page.final_url, page.canonical)
        unchanged = latest is not None and latest.article and latest.status < 300 and latest.sha256 == page.sha256
        if unchanged or (page.canonical, page.sha256) in read:     # two addresses of one page: read once
            report.unchanged.append(url)
            continue
        read.add((page.canonical, page.sha256))
        try:
            article = read_page(page)
        except PmkgError as error:
            fail(url, f"{url}: {str(error).removeprefix(url + ': ')}")
            continue
        batch.add(url, page, article, archive.latest_live(url, page.final_url, page.canonical))
    batch.flush()
    if len(report.ingested) + len(report.gone) > before:
        from kg.cases import refresh
        # The pages read name their graphs; a page gone withdraws one this report does not name.
        refresh(store, None if report.gone else [g for _, g in report.ingested])
    return report


def _gone(store: Store, archive: Archive, report: UrlReport, error: GoneError,
          fail: Callable[[str, str], None], on_gone: Callable[[str, str], None] | None) -> None:
    """Record a page read before that now answers 404/410; an address never read is a failure."""
    page = error.page
    latest = archive.latest(page.url, page.final_url)
    live = archive.latest_live(page.url, page.final_url)
    if live is None or live.article is None:
        fail(page.url, str(error))
        return
    report.gone.append(page.url)
    if latest is not None and latest.gone:
        return                      # already recorded as gone
    capture = archive.write(page, previous=live)
    archive.set_article(capture.record_id, live.article)
    graph = ox.NamedNode(live.article)
    store.add([ox.Quad(graph, ox.NamedNode(PROV + "invalidatedAtTime"),
                       ox.Literal(capture.captured, datatype=XSD_DATETIME), graph)])
    if on_gone is not None:
        on_gone(page.url, f"{page.url}: gone (HTTP {page.status}) on {capture.captured}; its facts are kept")
