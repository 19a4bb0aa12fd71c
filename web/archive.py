"""Archived copies of the pages articles were read from, served from the WARC files in the store.

``/archive/<uuid>`` serves the capture whose WARC-Record-ID is ``urn:uuid:<uuid>``:
the page as it was fetched, with a banner saying what it is and when it was
captured. The copy is someone else's page, so it is served as untrusted:
``Content-Security-Policy: sandbox`` (a unique origin, no scripts, no forms,
no pop-ups) with ``default-src 'none'`` (nothing loaded from anywhere: no
scripts, frames, fonts or tracking images), ``<meta http-equiv=refresh>``
removed, ``nosniff``, and never framed. Only pages (HTML and plain text) are
served; the article's page links here (:func:`archived_copy`).
"""

from __future__ import annotations

import re
import sqlite3
import uuid

from flask import Blueprint, Response, abort, current_app, url_for
from markupsafe import escape

from kg.errors import PmkgError
from kg.fetch.archive import Archive, Capture

bp = Blueprint("archive", __name__)

ARCHIVE_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_REFRESH = re.compile(r"<meta\b[^>]*http-equiv\s*=\s*[\"']?\s*refresh[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
BANNER_STYLE = ("all:initial;display:block;font:14px/1.4 sans-serif;background:#fff3c4;color:#222;"
                "border-bottom:2px solid #b38f00;padding:8px 12px;margin:0 0 8px 0")


def _archive() -> Archive:
    return Archive(current_app.config["STORE"], read_only=True)


def archived_copy(article: str) -> dict | None:
    """The latest capture an article was read from, for its page: link, time, address; None if none."""
    archive = _archive()
    try:
        capture = archive.for_article(article)
        if capture is None:
            return None
        latest = archive.latest(capture.url, capture.canonical)
    except sqlite3.Error:
        return None
    finally:
        archive.close()
    gone = latest if latest is not None and latest.gone else None
    return {"href": url_for("archive.capture", record=uuid.UUID(capture.record_id.removeprefix("urn:uuid:"))),
            "captured": capture.captured, "url": capture.canonical, "sha256": capture.sha256,
            "gone": {"status": gone.status, "date": gone.captured} if gone else None}


@bp.route("/archive/<uuid:record>")
def capture(record: uuid.UUID):
    archive = _archive()
    try:
        found = archive.get(f"urn:uuid:{record}") if archive.exists() else None
        if found is None:
            abort(404, description=f"no archived capture {record}")
        headers, body = archive.read(found)
    except sqlite3.Error:
        abort(503, description="the archive index cannot be read now; try again later")
    except PmkgError as error:
        current_app.logger.warning("archive: %s", error)
        abort(404, description=f"archived capture {record} cannot be read")
    finally:
        archive.close()
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "text/html")
    kind = content_type.split(";")[0].strip().lower()
    if kind not in ("text/html", "application/xhtml+xml", "text/plain", ""):
        abort(404, description=f"archived capture {record} is not a page")
    charset = _CHARSET.search(content_type)
    text = _decode(body, charset.group(1) if charset else None)
    html = _with_banner(text if kind != "text/plain" else f"<pre>{escape(text)}</pre>", found)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = ARCHIVE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "public, max-age=86400, immutable"   # a capture never changes
    return response


def _decode(body: bytes, charset: str | None) -> str:
    """The page's text: UTF-8 if it is, else its declared charset, else the one detected."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(body).best()
    return str(best) if best is not None else body.decode("latin-1")


def _with_banner(html: str, capture: Capture) -> str:
    when = capture.captured.replace("T", " ").removesuffix("Z") + " UTC"
    banner = (f'<div role="note" id="pmkg-archive-banner" style="{BANNER_STYLE}">Archived copy of '
              f'<a href="{escape(capture.canonical)}" rel="noreferrer">{escape(capture.canonical)}</a>, '
              f"captured by pmkg on {escape(when)} (SHA-256 {escape(capture.sha256[:16])}…). "
              "Scripts and outside resources are disabled.</div>")
    html = _REFRESH.sub("", html)
    match = _BODY.search(html)
    if match:
        return html[:match.end()] + banner + html[match.end():]
    return banner + html
