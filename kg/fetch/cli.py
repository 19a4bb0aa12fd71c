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
        raise PmkgError(f"{path}: cannot read the list of addresses ({getattr(error, 'strerror', None) or error})") from None
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
