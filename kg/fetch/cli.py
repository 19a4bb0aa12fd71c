"""Command-line glue for web addresses and feeds: ``pmkg ingest URL...`` and ``pmkg follow FEED...``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from kg import config
from kg.errors import PmkgError
from kg.store import Store

WEB_ADDRESS = re.compile(r"(?i)\Ahttps?://")


def is_web_address(value: str) -> bool:
    return bool(WEB_ADDRESS.match(value))


def read_url_file(path: Path) -> list[str]:
    """Addresses in a file, one a line; blank lines and lines starting with # are skipped."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise PmkgError(f"{path}: cannot read the list of addresses ({reason})") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def make_fetcher(*, delay: float | None = None):
    from kg.fetch.client import Fetcher

    return Fetcher(contact=config.contact(), delay=config.fetch_delay() if delay is None else delay)


def run_urls(store: Store, store_dir: Path, urls: list[str], *, delay: float | None = None) -> int:
    """Ingest web addresses into an open store; print one line per failure and a summary; return the failures."""
    from kg.fetch.archive import Archive
    from kg.fetch.pages import ingest_urls

    archive = Archive(store_dir)
    try:
        with make_fetcher(delay=delay) as fetcher:
            report = ingest_urls(store, urls, fetcher=fetcher, archive=archive,
                                 on_failure=lambda url, reason: click.echo(f"skipped: {reason}", err=True),
                                 on_gone=lambda url, note: click.echo(f"gone: {note}", err=True))
    finally:
        archive.close()
    click.echo(report.summary())
    return len(report.failures)


@click.command()
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=config.store_path,
              show_default="$PMKG_STORE or ./pmkg-data",
              help="Store folder (it keeps the feed state and the WARC archive, so not a server's URL).")
@click.option("--filter/--all", "use_filter", default=False, show_default=True,
              help="Read only items whose title or summary has a police-misconduct word (see --words).")
@click.option("--words", "words_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The filter's word list, one word or phrase a line (default: kg/data/misconduct-words.txt).")
@click.argument("feeds", nargs=-1, required=True)
def follow(store_dir: Path, use_filter: bool, words_file: Path | None, feeds: tuple[str, ...]):
    """Read RSS and Atom FEEDS and ingest the items not seen before.

    What was seen is kept in feeds.json in the store folder; pages are
    fetched, archived and read as `pmkg ingest URL` does. An item whose page
    failed is tried again next time. Exit status 1 if a feed or page failed.
    """
    from kg.fetch.feeds import follow as run_follow, load_words

    bad = [feed for feed in feeds if not is_web_address(feed)]
    if bad:
        raise click.UsageError(f"{bad[0]}: a feed is an http:// or https:// address")
    words = load_words(words_file) if use_filter or words_file else None
    if str(store_dir).lower().startswith(("http:/", "https:/")):
        raise click.UsageError("pmkg follow keeps its feed state and WARC archive in a store folder; "
                               "give --store a folder, not a SPARQL server's URL")
    if not store_dir.exists():
        Store.create(store_dir).close()
        click.echo(f"created store {store_dir}", err=True)
    with Store(store_dir) as store, make_fetcher() as fetcher:
        report = run_follow(store, store_dir, feeds, fetcher=fetcher, words=words,
                            on_failure=lambda url, reason: click.echo(f"skipped: {reason}", err=True),
                            on_gone=lambda url, note: click.echo(f"gone: {note}", err=True))
        store.flush()
    click.echo(report.summary())
    if report.failures or report.pages.failures:
        sys.exit(1)
