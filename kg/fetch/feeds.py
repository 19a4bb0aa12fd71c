"""Follow RSS and Atom feeds: read each feed, ingest the items not seen before.

The state is ``<store>/feeds.json``: for each feed, the ids of the items
already handled (read, unchanged, gone or left out by the filter), when it
was last read, and its ETag and Last-Modified, sent back next time
(``If-None-Match``, ``If-Modified-Since``) so an unchanged feed answers 304
and is not downloaded again. An item whose page failed is not marked, so the next run
tries it again. With a word list, only items whose title or summary
contains one of the words (whole words, any case) are read; the default
list is ``kg/data/misconduct-words.txt``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path
from urllib.parse import urljoin

from kg.errors import PmkgError
from kg.fetch.addresses import is_public
from kg.fetch.archive import Archive
from kg.fetch.client import FEED_TYPES, Fetcher, FetchError
from kg.fetch.pages import UrlReport, ingest_urls
from kg.store import Store

STATE_FILE = "feeds.json"
MAX_SEEN = 5000          # item ids remembered per feed (feeds list their latest items only)


@dataclass
class FeedReport:
    feeds: int = 0
    items: int = 0            # items in the feeds
    new: int = 0              # not seen before
    kept: int = 0             # new, and kept by the filter
    not_modified: int = 0     # feeds that answered 304: nothing new since the last read
    failures: list[tuple[str, str]] = field(default_factory=list)     # feeds that could not be read
    pages: UrlReport = field(default_factory=UrlReport)

    def summary(self) -> str:
        return (f"feeds: {self.feeds} read, {self.not_modified} not modified, {len(self.failures)} failed; "
                f"{self.items} item(s), {self.new} new, "
                f"{self.kept} kept by the filter\n{self.pages.summary()}")


def default_words_file() -> Path:
    return Path(str(files("kg").joinpath("data/misconduct-words.txt")))


def load_words(path: Path | None = None) -> list[str]:
    """The filter's words and phrases, one a line (# starts a comment)."""
    path = path or default_words_file()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PmkgError(f"{path}: cannot read the word list ({getattr(error, 'strerror', None) or error})") from None
    words = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not words:
        raise PmkgError(f"{path}: the word list is empty")
    return words


def matcher(words: Iterable[str]) -> Callable[[str], bool]:
    """A test for text containing any of ``words`` as whole words, in any case and spacing."""
    alternatives = sorted((r"\s+".join(map(re.escape, w.split())) for w in words), key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
    return lambda text: bool(pattern.search(text or ""))


@dataclass
class Item:
    key: str          # the item's id, else its link
    link: str
    text: str         # title and summary, for the filter


def parse_feed(url: str, body: bytes) -> list[Item]:
    """The items of an RSS or Atom document (links resolved against the feed's address)."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise PmkgError(f"{url}: not an RSS or Atom feed")
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            continue
        link = urljoin(url, link.strip())
        summary = re.sub(r"<[^>]+>", " ", entry.get("summary") or "")
        items.append(Item(entry.get("id") or link, link, f"{entry.get('title') or ''}\n{summary}"))
    return items


class FeedState:
    """``feeds.json`` in the store folder, written whole (temporary file, then rename)."""

    def __init__(self, store_dir: str | Path):
        self.path = Path(store_dir) / STATE_FILE
        try:
            self.data = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        except (OSError, ValueError) as error:
            raise PmkgError(f"{self.path}: cannot read the feed state ({error}); "
                            "move it away to start afresh") from None
        self.data.setdefault("feeds", {})

    def seen(self, feed: str) -> set[str]:
        return set(self.data["feeds"].get(feed, {}).get("seen", []))

    def validators(self, feed: str) -> dict[str, str]:
        """The conditional request headers for a feed, from its last answer (ETag, Last-Modified)."""
        entry = self.data["feeds"].get(feed, {})
        headers = {"If-None-Match": entry.get("etag"), "If-Modified-Since": entry.get("last_modified")}
        return {key: value for key, value in headers.items() if value}

    def remember(self, feed: str, etag: str | None, last_modified: str | None) -> None:
        entry = self.data["feeds"].setdefault(feed, {"seen": []})
        entry["etag"], entry["last_modified"] = etag, last_modified

    def mark(self, feed: str, keys: Iterable[str]) -> None:
        entry = self.data["feeds"].setdefault(feed, {"seen": []})
        seen = entry["seen"] + [k for k in keys if k not in set(entry["seen"])]
        entry["seen"] = seen[-MAX_SEEN:]
        entry["checked"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def save(self) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)


def follow(store: Store, store_dir: str | Path, feeds: Iterable[str], *, fetcher: Fetcher,
           words: list[str] | None = None, on_failure: Callable[[str, str], None] | None = None,
           on_gone: Callable[[str, str], None] | None = None) -> FeedReport:
    """Read the feeds and ingest their new items (those matching ``words``, if given)."""
    report = FeedReport()
    state = FeedState(store_dir)
    keep = matcher(words) if words else (lambda text: True)

    def fail(url: str, reason: str) -> None:
        if on_failure is not None:
            on_failure(url, reason)

    wanted: dict[str, list[Item]] = {}
    for feed in dict.fromkeys(feeds):
        try:
            answer = fetcher.get(feed, accept=FEED_TYPES + ("text/html", "text/plain"),
                                 headers=state.validators(feed))
            if answer.status == 304:
                report.not_modified += 1
                state.mark(feed, [])
                continue
            items = parse_feed(feed, answer.body)
        except (FetchError, PmkgError) as error:
            report.failures.append((feed, str(error)))
            fail(feed, str(error))
            continue
        state.remember(feed, answer.header("etag"), answer.header("last-modified"))
        report.feeds += 1
        report.items += len(items)
        seen = state.seen(feed)
        new = [item for item in items if item.key not in seen]
        report.new += len(new)
        kept = [item for item in new if keep(item.text)]
        report.kept += len(kept)
        state.mark(feed, [item.key for item in new if item not in kept])   # left out by the filter: done
        wanted[feed] = kept
    archive = Archive(store_dir)
    try:
        for public in (True, False):    # a public feed's links may reach public hosts only
            links = [item.link for feed, items in wanted.items() if is_public(feed) == public for item in items]
            ingest_urls(store, links, fetcher=fetcher, archive=archive, on_failure=fail, on_gone=on_gone,
                        public_only=public, report=report.pages)
    finally:
        archive.close()
    failed = {url for url, _ in report.pages.failures}
    for feed, items in wanted.items():
        state.mark(feed, [item.key for item in items if item.link not in failed])
    state.save()
    return report
