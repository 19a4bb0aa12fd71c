"""The archive of every page read: WARC files (warcio) under ``<store>/warc/``.

Each capture writes three records to the day's ``pmkg-YYYYMMDD.warc.gz``: the
``response`` (status line, headers and body as received, after any transfer
or content encoding was undone), the ``request`` that asked for it, and a
``metadata`` record with the time of the fetch, the canonical address and the
SHA-256 of the body. The response's ``WARC-Record-ID`` names the capture.

``index.sqlite`` beside the WARC files lists the captures (address,
canonical address, file, offset, SHA-256, time, status, the article graph
read from it, the capture it revises), so the latest capture of an address
and the capture behind an article are found without reading the WARC files.
"""

from __future__ import annotations

import io
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kg.errors import PmkgError
from kg.fetch.client import Page

FOLDER = "warc"           # not "archive": RocksDB keeps its own WAL archive under that name
INDEX = "index.sqlite"
_SKIP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    record_id TEXT PRIMARY KEY, url TEXT NOT NULL, canonical TEXT NOT NULL, file TEXT NOT NULL,
    offset INTEGER NOT NULL, sha256 TEXT NOT NULL, captured TEXT NOT NULL, status INTEGER NOT NULL,
    article TEXT, previous TEXT);
CREATE INDEX IF NOT EXISTS captures_url ON captures (url);
CREATE INDEX IF NOT EXISTS captures_canonical ON captures (canonical);
CREATE INDEX IF NOT EXISTS captures_article ON captures (article);
"""


@dataclass(frozen=True)
class Capture:
    record_id: str          # urn:uuid:... of the WARC response record
    url: str
    canonical: str
    file: str               # WARC file name, inside the archive folder
    offset: int
    sha256: str
    captured: str           # ISO 8601 UTC time of the fetch
    status: int
    article: str | None = None
    previous: str | None = None

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)


class Archive:
    """The WARC files and their index in ``<store>/warc``."""

    def __init__(self, store_dir: str | Path, *, read_only: bool = False):
        self.folder = Path(store_dir) / FOLDER
        self.read_only = read_only
        self._db: sqlite3.Connection | None = None

    def _index(self) -> sqlite3.Connection:
        if self._db is None:
            if self.read_only:       # the web app: never creates or changes anything
                self._db = sqlite3.connect(f"{(self.folder / INDEX).as_uri()}?mode=ro", uri=True, timeout=5,
                                           check_same_thread=False)
                return self._db
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.folder / INDEX, timeout=30)
            self._db.executescript(_SCHEMA)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def exists(self) -> bool:
        return (self.folder / INDEX).is_file()

    def latest(self, *urls: str) -> Capture | None:
        """The most recent capture of any of these addresses (asked for or canonical)."""
        urls = tuple(dict.fromkeys(u for u in urls if u))
        if not urls:
            return None
        marks = ",".join("?" * len(urls))
        row = self._index().execute(
            f"SELECT * FROM captures WHERE url IN ({marks}) OR canonical IN ({marks}) "
            "ORDER BY captured DESC, rowid DESC LIMIT 1", urls + urls).fetchone()
        return Capture(*row) if row else None

    def latest_live(self, *urls: str) -> Capture | None:
        """The most recent capture of a live page (status 2xx) at these addresses."""
        urls = tuple(dict.fromkeys(u for u in urls if u))
        marks = ",".join("?" * len(urls))
        row = self._index().execute(
            f"SELECT * FROM captures WHERE (url IN ({marks}) OR canonical IN ({marks})) "
            "AND status BETWEEN 200 AND 299 ORDER BY captured DESC, rowid DESC LIMIT 1", urls + urls).fetchone()
        return Capture(*row) if row else None

    def get(self, record_id: str) -> Capture | None:
        row = self._index().execute("SELECT * FROM captures WHERE record_id = ?", (record_id,)).fetchone()
        return Capture(*row) if row else None

    def for_article(self, article: str) -> Capture | None:
        """The capture the article's graph was last read from."""
        if not self.exists():
            return None
        row = self._index().execute("SELECT * FROM captures WHERE article = ? AND status BETWEEN 200 AND 299 "
                                    "ORDER BY captured DESC, rowid DESC LIMIT 1", (article,)).fetchone()
        return Capture(*row) if row else None

    def count(self) -> int:
        return self._index().execute("SELECT count(*) FROM captures").fetchone()[0]

    def set_article(self, record_id: str, article: str) -> None:
        with self._index() as db:
            db.execute("UPDATE captures SET article = ? WHERE record_id = ?", (article, record_id))

    def write(self, page: Page, *, previous: Capture | None = None) -> Capture:
        """Write the request, response and metadata records of ``page``; return its capture."""
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        captured = page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        canonical = page.canonical if page.status < 300 else page.final_url
        name = f"pmkg-{page.fetched_at:%Y%m%d}.warc.gz"
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        headers = [(k, v) for k, v in page.headers if k.lower() not in _SKIP_HEADERS]
        headers.append(("Content-Length", str(len(page.body))))
        http = StatusAndHeaders(f"{page.status} {page.reason}".strip(), headers, protocol="HTTP/1.1")
        target = urlsplit(page.final_url)
        request = StatusAndHeaders(f"GET {target.path or '/'}{'?' + target.query if target.query else ''} HTTP/1.1",
                                   [("Host", target.netloc)] + [(k, v) for k, v in page.request_headers
                                                                if k.lower() != "host"],
                                   is_http_request=True)
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        fields = {"fetched-at": captured, "requested-url": page.url, "canonical-url": canonical,
                  "payload-sha256": page.sha256}
        if previous is not None:
            fields["revision-of"] = previous.record_id
        meta = "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode("utf-8")
        with path.open("ab") as handle:
            offset = handle.tell()
            writer = WARCWriter(handle, gzip=True)
            if offset == 0:
                writer.write_record(writer.create_warcinfo_record(name, {
                    "software": "pmkg", "format": "WARC File Format 1.1",
                    "description": "Pages read by pmkg, a knowledge graph of police misconduct"}))
                offset = handle.tell()
            common = {"WARC-Date": captured}
            response = writer.create_warc_record(page.final_url, "response", payload=io.BytesIO(page.body),
                                                 http_headers=http,
                                                 warc_headers_dict={**common, "WARC-Record-ID": record_id})
            writer.write_record(response)
            writer.write_record(writer.create_warc_record(
                page.final_url, "request", payload=io.BytesIO(b""), http_headers=request,
                warc_headers_dict={**common, "WARC-Concurrent-To": record_id}))
            writer.write_record(writer.create_warc_record(
                page.final_url, "metadata", payload=io.BytesIO(meta), warc_content_type="application/warc-fields",
                warc_headers_dict={**common, "WARC-Refers-To": record_id}))
        capture = Capture(record_id.strip("<>"), page.url, canonical, name, offset, page.sha256, captured,
                          page.status, None, previous.record_id if previous else None)
        with self._index() as db:
            db.execute("INSERT INTO captures VALUES (?,?,?,?,?,?,?,?,?,?)", (
                capture.record_id, capture.url, capture.canonical, capture.file, capture.offset, capture.sha256,
                capture.captured, capture.status, capture.article, capture.previous))
        return capture

    def read(self, capture: Capture) -> tuple[list[tuple[str, str]], bytes]:
        """The HTTP headers and body of a capture, read back from its WARC file."""
        from warcio.archiveiterator import ArchiveIterator

        path = self.folder / capture.file
        try:
            with path.open("rb") as handle:
                handle.seek(capture.offset)
                for record in ArchiveIterator(handle):
                    if record.rec_headers.get_header("WARC-Record-ID") != f"<{capture.record_id}>":
                        break
                    return list(record.http_headers.headers), record.content_stream().read()
        except OSError as error:
            raise PmkgError(f"{capture.file}: cannot read the archive ({error.strerror or error})") from None
        raise PmkgError(f"{capture.file}: capture {capture.record_id} not found at offset {capture.offset}")

