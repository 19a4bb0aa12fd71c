"""Read a saved HTML news page: main text with trafilatura, metadata from the page's markup.

Metadata precedence: JSON-LD ``NewsArticle`` (headline, author, publisher, datePublished,
dateModified), then ``<meta>`` and Open Graph tags (og:title, og:site_name, og:url, author,
article:published_time, article:modified_time), then what the cleaned text itself shows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from kg import reader_dates, reader_text
from kg.article import Article, ArticleError, make_article

ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle",
                           "OpinionNewsArticle", "BackgroundNewsArticle", "BlogPosting", "LiveBlogPosting",
                           "Report", "WebPage"})
AUTHOR_META = ("author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator")
PUBLISHED_META = ("article:published_time", "og:article:published_time", "datepublished", "pubdate",
                  "publish-date", "parsely-pub-date", "sailthru.date", "dc.date", "date")
UPDATED_META = ("article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified",
                "last-modified")


@dataclass
class PageMeta:
    """Metadata strings found in the page markup (not yet parsed)."""

    headline: str | None = None
    publisher: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    updated: str | None = None
    url: str | None = None


def article_from_html(html: str, *, location: str, encoding: str, name: str) -> Article:
    """An :class:`Article` from an HTML page; ArticleError when the page has no article text."""
    doc = _parse(html, name)
    meta = _merge(_json_ld(doc), _meta_tags(doc))
    cleaned = reader_text.clean(main_text(html) or "")
    lines = cleaned.lines
    headline = meta.headline or (lines[0] if lines else None)
    body = [line for line in lines if not headline or reader_text.key(line) != reader_text.key(headline)]
    if not any(len(line.split()) >= 8 or reader_text.SENTENCE_END.search(line) for line in body):
        raise ArticleError(f"{name}: no article text found in the HTML page")
    side_lines = _side_lines(doc)
    publisher = meta.publisher or cleaned.publisher or reader_text.find_publisher(side_lines)
    authors = meta.authors or cleaned.authors or _byline_authors(doc)
    published = _date(meta.published) or cleaned.published or _date(_first(doc.xpath("//time/@datetime")))
    updated = _date(meta.updated) or cleaned.updated
    if meta.url and not location.startswith("file:"):
        location = meta.url
    return make_article(headline, body, publisher=publisher, authors=authors, published=published,
                        updated=updated, location=location, encoding=encoding)


def main_text(html: str) -> str | None:
    """The page's main text (one paragraph a line) as trafilatura extracts it."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=False, include_images=False)


def _parse(html: str, name: str):
    html = re.sub(r"\A\s*<\?xml[^>]*\?>", "", html)      # lxml refuses str input with an encoding declaration
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        raise ArticleError(f"{name}: no article text found in the HTML page") from None


def _json_ld(doc) -> PageMeta:
    """Metadata from the first JSON-LD article object (NewsArticle and kin)."""
    for script in doc.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script, strict=False)
        except json.JSONDecodeError:
            continue
        for item in _ld_items(data):
            types = item.get("@type")
            types = set(types) if isinstance(types, list) else {types}
            if not types & ARTICLE_TYPES or ("WebPage" in types and "headline" not in item):
                continue
            publisher = item.get("publisher")
            return PageMeta(headline=_text(item.get("headline")),
                            publisher=_text(publisher.get("name") if isinstance(publisher, dict) else publisher),
                            authors=_ld_authors(item.get("author")),
                            published=_text(item.get("datePublished")), updated=_text(item.get("dateModified")),
                            url=_url(item.get("url")))
    return PageMeta()


def _ld_items(data) -> list[dict]:
    """All objects at the top of a JSON-LD document, its lists and its @graph."""
    if isinstance(data, list):
        return [item for entry in data for item in _ld_items(entry)]
    if not isinstance(data, dict):
        return []
    return [data] + _ld_items(data.get("@graph", []))


def _ld_authors(value) -> list[str]:
    if isinstance(value, list):
        return [name for entry in value for name in _ld_authors(entry)]
    if isinstance(value, dict):
        if value.get("@type") == "Organization":
            return []
        return _person_names(_text(value.get("name")))
    return _person_names(_text(value))


def _meta_tags(doc) -> PageMeta:
    """Metadata from <meta> (name, property or itemprop), Open Graph and <link rel=canonical>."""
    values: dict[str, list[str]] = {}
    for tag in doc.iter("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        content = (tag.get("content") or "").strip()
        if key and content:
            values.setdefault(key, []).append(content)

    def first(*keys: str) -> str | None:
        return next((values[key][0] for key in keys if key in values), None)

    site = first("og:site_name", "application-name")
    title = first("og:title", "twitter:title") or _first(doc.xpath("//title/text()"))
    authors = [name for key in AUTHOR_META for raw in values.get(key, []) for name in _person_names(raw)]
    canonical = _first(doc.xpath('//link[@rel="canonical"]/@href'))
    return PageMeta(headline=_strip_site(title, site), publisher=site, authors=authors,
                    published=first(*PUBLISHED_META), updated=first(*UPDATED_META),
                    url=_url(canonical) or _url(first("og:url")))


def _merge(primary: PageMeta, fallback: PageMeta) -> PageMeta:
    return PageMeta(headline=primary.headline or fallback.headline,
                    publisher=primary.publisher or fallback.publisher,
                    authors=primary.authors or fallback.authors,
                    published=primary.published or fallback.published,
                    updated=primary.updated or fallback.updated, url=fallback.url or primary.url)


def _person_names(raw: str | None) -> list[str]:
    """Person names in an author string ("By Jane Doe, Crime Reporter", "Jane Doe and Ed Lu")."""
    raw = (raw or "").strip()
    if not raw or re.match(r"https?://", raw):
        return []
    parsed = reader_text.parse_byline(raw if re.match(r"(?i)by\s", raw) else "By " + raw)
    return parsed.names if parsed else []


def _byline_authors(doc) -> list[str]:
    """Names in elements marked as bylines or authors, when the metadata names nobody."""
    path = ('//*[@rel="author"] | //*[@itemprop="author"] | //*[contains(@class, "byline")]'
            ' | //*[contains(@class, "author")]')
    for element in doc.xpath(path)[:10]:
        if names := _person_names(" ".join(element.text_content().split())):
            return names
    return []


def _side_lines(doc) -> list[str]:
    """Footer and caption lines, where a page may name its outlet (© line, photo credit)."""
    path = '//footer | //figcaption | //*[contains(@class, "copyright")] | //*[contains(@class, "footer")]'
    lines = []
    for element in doc.xpath(path):
        lines.extend(reader_text.normalise(element.text_content()))
    return [line for line in lines if line]


def _strip_site(title: str | None, site: str | None) -> str | None:
    """A page title without a trailing " | Site" or " - Site name"."""
    if not title:
        return None
    title = " ".join(title.split())
    title = title.split(" | ")[0]
    if site:
        title = re.sub(rf"\s+[-–—:]\s+{re.escape(site)}$", "", title)
    return title or None


def _date(value: str | None):
    return reader_dates.parse_date(value) if value else None


def _text(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _url(value) -> str | None:
    value = _text(value)
    return value if value and re.match(r"https?://", value) else None


def _first(values: list) -> str | None:
    return str(values[0]).strip() if values else None
