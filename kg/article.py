"""One cleaned article: the :class:`Article` every reader returns and the extractor takes.

It lives in a module of its own so that the readers (kg.reader for files, bytes and plain
text, kg.reader_html for saved pages) and the extractor import it from here, and no reader
imports another reader back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from kg.errors import PmkgError


@dataclass(frozen=True)
class Article:
    """One cleaned article and its metadata."""

    text: str                             # headline, blank line, body paragraphs separated by blank lines
    headline: str | None
    publisher: str | None                 # only when the input names the outlet
    authors: tuple[str, ...]              # person names only, without "By" or job titles
    published: datetime | date | None     # as printed; tz-aware when a zone or offset is printed
    updated: datetime | date | None
    location: str                         # file: IRI, page URL, or urn:pmkg:stdin
    content_hash: str                     # sha256 hex of text (UTF-8)
    encoding: str                         # encoding the bytes were decoded with


class ArticleError(PmkgError):
    """An input that cannot be read as an article; the message says why, on one line."""


def make_article(headline: str | None, body: list[str], *, publisher: str | None, authors: Iterable[str],
                 published: datetime | date | None, updated: datetime | date | None, location: str,
                 encoding: str) -> Article:
    """Assemble an :class:`Article`: join the text and hash it."""
    paragraphs = ([headline] if headline else []) + body
    text = "\n\n".join(paragraphs)
    unique_authors = tuple(dict.fromkeys(authors))
    return Article(text=text, headline=headline, publisher=publisher, authors=unique_authors,
                   published=published, updated=updated, location=location,
                   content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(), encoding=encoding)
