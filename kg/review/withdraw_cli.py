"""``pmkg withdraw`` and ``pmkg restore``: take an article out of the published graph and bring it back.

    pmkg withdraw ARTICLE --reason TEXT --by NAME
    pmkg restore ARTICLE --by NAME [--reason TEXT]

Register with ``main.add_command(withdraw_command)`` and
``main.add_command(restore_command)``. ``--reason`` and ``--by`` are checked
by ``kg.review.withdraw`` (not by click), so a missing one is a one-line error
like every other.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg import config
from kg.backends import StoreFolder


def _store_option(function):
    return click.option("--store", "store_dir", type=StoreFolder("withdrawing and restoring"),
                        default=config.store_path, show_default="$PMKG_STORE or ./pmkg-data",
                        help="Store folder.")(function)


def withdraw_article(store_dir: Path, article: str, reason: str | None, by: str | None) -> None:
    """Withdraw and say so on one line (shared with ``pmkg cases withdraw``)."""
    from kg.review.withdraw import withdraw

    done = withdraw(store_dir, article, reason=reason or "", by=by or "")  # a PmkgError: one line (PmkgGroup)
    click.echo(f"withdrew <{done.article}> on {done.at}: {done.reason}")


@click.command("withdraw")
@click.argument("article")
@click.option("--reason", help="Why (published with the article's 410 Gone): a retraction, a complaint, a court order.")
@click.option("--by", help="Who withdraws it: a person's name (kept privately).")
@_store_option
def withdraw_command(article: str, reason: str | None, by: str | None, store_dir: Path):
    """Take ARTICLE (its IRI) out of the published graph, keeping a tombstone.

    Its facts leave the SPARQL endpoint, the downloads, `pmkg export`, the
    search index and every entity page; facts other articles also report
    stay, citing only those. The article's IRI answers 410 Gone with the
    reason and the date. Re-ingesting it does nothing until `pmkg restore`.
    """
    withdraw_article(store_dir, article, reason, by)


@click.command("restore")
@click.argument("article")
@click.option("--by", help="Who restores it: a person's name (kept privately).")
@click.option("--reason", help="Why, for the private record (optional).")
@_store_option
def restore_command(article: str, by: str | None, reason: str | None, store_dir: Path):
    """Publish a withdrawn ARTICLE again, with the review decisions applied."""
    from kg.review.withdraw import restore

    n = restore(store_dir, article, by=by or "", reason=reason)
    click.echo(f"restored <{article.strip()}> ({n} triples)")
