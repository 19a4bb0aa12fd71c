"""Read one news article (scraped plain text, a saved HTML page, or standard input).

An :class:`Article` holds the cleaned text (headline, blank line, body paragraphs) and the
metadata the input makes evident. Page boilerplate (cookie banners, sign-up prompts,
``READ MORE:`` links, "Most read" lists, bylines, date lines, footers) is dropped here, so it
never reaches fact extraction. The cleaning rules live in :mod:`kg.reader_text` and their
patterns in ``kg/data/boilerplate.jsonl``; HTML extraction lives in :mod:`kg.reader_html`.
:class:`Article` and :class:`ArticleError` live in :mod:`kg.article` (both readers build
articles there) and are importable from here too.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import Iterable, Iterator

from kg import reader_html, reader_text
from kg.article import Article, ArticleError, make_article

MAX_BYTES = 10_000_000
STDIN_LOCATION = "urn:pmkg:stdin"
ARTICLE_SUFFIXES = frozenset({".txt", ".html", ".htm", ""})
HTML_SUFFIXES = frozenset({".html", ".htm"})
_HTML_START = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def iter_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the given files, and the article files in the given folders (recursive, sorted).

    In folders only ``.txt``, ``.html``, ``.htm`` and extension-less files are taken, and
    hidden files and folders are skipped. Files named explicitly are yielded as given (a
    missing one then fails in :func:`read_path` with a clear message).
    """
    for path in map(Path, paths):
        if not path.is_dir():
            yield path
            continue
        for found in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
            if not hidden and found.suffix.lower() in ARTICLE_SUFFIXES and found.is_file():
                yield found


def read_path(path: str | Path, *, max_bytes: int = MAX_BYTES) -> Article:
    """Read one article file (plain text or HTML; ``.html``/``.htm`` are HTML, others are sniffed)."""
    return read_loaded(*load_path(path, max_bytes=max_bytes), name=str(path))


def load_path(path: str | Path, *, max_bytes: int = MAX_BYTES) -> tuple[bytes, str, str | None]:
    """The bytes of an article file, its location (``file:`` IRI) and media type, not yet read.

    With :func:`read_loaded` this is :func:`read_path` in two steps, so the
    bytes can be read on another machine with the same result.
    """
    path = Path(path)
    name = str(path)
    try:
        if path.is_dir():
            raise ArticleError(f"{name}: is a directory, not an article file")
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleError(f"{name}: file is {_size(size)}, over the {_megabytes(max_bytes)} limit")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise ArticleError(f"{name}: file not found (moved or deleted?)") from None
    except PermissionError:
        raise ArticleError(f"{name}: permission denied, cannot read the file") from None
    except OSError as error:
        raise ArticleError(f"{name}: cannot read the file ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise ArticleError(f"{name}: file is over the {_megabytes(max_bytes)} limit")
    media_type = "text/html" if path.suffix.lower() in HTML_SUFFIXES else None
    return data, path.resolve().as_uri(), media_type


def read_loaded(data: bytes, location: str, media_type: str | None, *, name: str) -> Article:
    """Read an article from what :func:`load_path` returned (``name`` is used in messages)."""
    return _read(data, location=location, media_type=media_type, name=name)


def read_bytes(data: bytes, *, location: str, media_type: str | None = None,
               max_bytes: int = MAX_BYTES) -> Article:
    """Read an article from bytes (e.g. standard input, with ``location=STDIN_LOCATION``).

    ``media_type`` ("text/html", "text/plain") overrides sniffing for an HTML document start.
    """
    if len(data) > max_bytes:
        raise ArticleError(f"{location}: input is {_size(len(data))}, over the {_megabytes(max_bytes)} limit")
    return _read(data, location=location, media_type=media_type, name=location)


def read_text(text: str, *, location: str) -> Article:
    """Read an article from plain text already decoded (``encoding`` is reported as utf-8)."""
    return _from_text(text, location=location, encoding="utf-8", name=location)


def read_html(html: str, *, location: str) -> Article:
    """Read an article from an HTML page already decoded (``encoding`` is reported as utf-8)."""
    return _from_html(html, location=location, encoding="utf-8", name=location)


def _read(data: bytes, *, location: str, media_type: str | None, name: str) -> Article:
    text, encoding = _decode(data, name)
    if media_type is not None:
        is_html = "html" in media_type.lower()
    else:
        is_html = bool(_HTML_START.match(text[:4096]))
    if is_html:
        return _from_html(text, location=location, encoding=encoding, name=name)
    return _from_text(text, location=location, encoding=encoding, name=name)


def _from_text(text: str, *, location: str, encoding: str, name: str) -> Article:
    if not text.strip():
        raise ArticleError(f"{name}: empty file (no text)")
    parsed = reader_text.clean(text)
    if not parsed.lines:
        raise ArticleError(f"{name}: no article text left after removing page boilerplate")
    return make_article(parsed.lines[0], parsed.lines[1:], publisher=parsed.publisher, authors=parsed.authors,
                        published=parsed.published, updated=parsed.updated, location=location,
                        encoding=encoding)


def _from_html(html: str, *, location: str, encoding: str, name: str) -> Article:
    if not html.strip():
        raise ArticleError(f"{name}: empty file (no text)")
    return reader_html.article_from_html(html, location=location, encoding=encoding, name=name)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode ``data``: a BOM, else UTF-8, else the encoding charset-normalizer detects."""
    if not data:
        raise ArticleError(f"{name}: empty file (0 bytes)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(encoding), name), encoding
            except UnicodeDecodeError:
                raise ArticleError(f"{name}: starts with a {encoding} byte-order mark but is not valid {encoding}") from None
    if b"\x00" in data:
        raise ArticleError(f"{name}: binary file (contains NUL bytes), not text")
    try:
        return _check_text(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    try:
        text = data.decode(best.encoding) if best is not None else None
    except (UnicodeDecodeError, LookupError):
        text = None
    if text is None:
        raise ArticleError(f"{name}: not UTF-8 and the text encoding could not be detected; convert it to UTF-8")
    return _check_text(text, name), best.encoding


def _check_text(text: str, name: str) -> str:
    """Reject decoded text that is mostly control characters (a binary file)."""
    controls = sum(1 for char in text if unicodedata.category(char) == "Cc" and char not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 100):
        raise ArticleError(f"{name}: binary file (control characters), not text")
    return text


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".0 MB", " MB")


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB ({size:,} bytes)"
