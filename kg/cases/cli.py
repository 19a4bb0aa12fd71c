"""``pmkg cases``: the cases, their proposed links, decisions and withdrawals.

    pmkg cases                                   each case with its current status and articles
    pmkg cases --review [--status proposed|accepted|rejected|all]
    pmkg cases accept ID --by NAME               join the two mentions of a proposed link
    pmkg cases reject ID --by NAME               keep them apart; not proposed again
    pmkg cases withdraw ARTICLE_IRI --reason TEXT --by NAME   the same as `pmkg withdraw`
    pmkg cases rebuild                           recompute the cases from the article graphs

Register with ``main.add_command(cases)``.
"""

from __future__ import annotations

from pathlib import Path

import click
import pyoxigraph as ox

from kg import config
from kg.cases.write import CASE_LINK_PREFIX, CASE_LINKS_GRAPH, CASES_GRAPH, decide, refresh
from kg.cli_errors import PmkgGroup
from kg.errors import PmkgError
from kg.namespaces import sparql_prefixes
from kg.backends import STORE, STORE_HELP, open_store
from kg.config import is_url
from kg.store import Store

STATUSES = ("proposed", "accepted", "rejected")

_LIST = sparql_prefixes() + """
SELECT ?case ?label ?status (GROUP_CONCAT(STR(?article); separator=" ") AS ?articles) WHERE {
  GRAPH <%s> { ?case a pmkg:Case ; pmkg:reportedIn ?article
               OPTIONAL { ?case rdfs:label ?label } OPTIONAL { ?case pmkg:currentStatus ?status } }
} GROUP BY ?case ?label ?status ORDER BY ?case
""" % CASES_GRAPH

_LINKS = sparql_prefixes() + """
SELECT ?link ?status ?reason (GROUP_CONCAT(DISTINCT STR(?article); separator=" ") AS ?articles) ?by WHERE {
  GRAPH <%s> { ?link a pmkg:CaseLink ; pmkg:caseLinkStatus ?status ; pmkg:linkedArticle ?article
               OPTIONAL { ?link pmkg:caseLinkReason ?reason } OPTIONAL { ?link prov:wasAttributedTo ?by } }
} GROUP BY ?link ?status ?reason ?by ORDER BY ?link
""" % CASE_LINKS_GRAPH


def _store_option(function):
    return click.option("--store", "store_dir", type=STORE,
                        default=config.store_path, show_default="$PMKG_STORE or ./pmkg-data",
                        help=STORE_HELP)(function)


def _short(term: ox.NamedNode | ox.Literal | None) -> str:
    return "" if term is None else term.value.rstrip("/").rsplit("/", 1)[-1]


def _open(store_dir: Path, read_only: bool = False) -> Store:
    if not is_url(store_dir) and not store_dir.exists():
        raise PmkgError(f"{store_dir}: no store here (create one with `pmkg init`)")
    return open_store(store_dir, read_only=read_only)


@click.group(cls=PmkgGroup, invoke_without_command=True)
@_store_option
@click.option("--review", is_flag=True, help="List the proposed links between cases instead of the cases.")
@click.option("--status", type=click.Choice([*STATUSES, "all"]), default="proposed", show_default=True,
              help="With --review: which links to list.")
@click.pass_context
def cases(ctx: click.Context, store_dir: Path, review: bool, status: str):
    """The cases: one matter across articles, with its current status.

    Articles reporting the same officer, or the same unnamed officers of one
    force and investigating body with the same allegations, share a case.
    Weaker evidence is a proposed link: list them with --review and decide
    with `accept` or `reject`.
    """
    if ctx.invoked_subcommand is not None:
        return
    with _open(store_dir, read_only=True) as store:
        if review:
            rows = [[_short(r["link"]), _short(r["status"]), r["articles"].value.replace(" ", "\n  "),
                     "" if r["reason"] is None else r["reason"].value, _short(r["by"])]
                    for r in store.query(_LINKS) if status == "all" or _short(r["status"]) == status]
            for row in rows:
                click.echo(f"{row[0]}  {row[1]}  {row[3]}" + (f"  (by {row[4]})" if row[4] else "")
                           + f"\n  {row[2]}")
            click.echo(f"{len(rows)} case link(s); decide with `pmkg cases accept ID --by NAME` "
                       "or `pmkg cases reject ID --by NAME`")
            return
        rows = list(store.query(_LIST))
        for r in rows:
            click.echo(f"{_short(r['case'])}  {_short(r['status']) or '-'}  "
                       f"{'' if r['label'] is None else r['label'].value}\n  "
                       + r["articles"].value.replace(" ", "\n  "))
        click.echo(f"{len(rows)} case(s)")


def _decide(store_dir: Path, link_id: str, status: str, by: str) -> None:
    if not by.strip():
        raise PmkgError("--by needs a person's name")
    with _open(store_dir) as store:
        iri = decide(store, link_id, status, by)
        store.flush()
    click.echo(f"{status} case link {iri.removeprefix(CASE_LINK_PREFIX)} (by {by.strip()})")


@cases.command()
@click.argument("link_id")
@click.option("--by", required=True, help="Who decides: a person's name.")
@_store_option
def accept(link_id: str, by: str, store_dir: Path):
    """Accept the proposed case link LINK_ID (or the first characters of it): its articles share a case."""
    _decide(store_dir, link_id, "accepted", by)


@cases.command()
@click.argument("link_id")
@click.option("--by", required=True, help="Who decides: a person's name.")
@_store_option
def reject(link_id: str, by: str, store_dir: Path):
    """Reject the proposed case link LINK_ID: it stays recorded and is not proposed again."""
    _decide(store_dir, link_id, "rejected", by)


@cases.command("withdraw")
@click.argument("article")
@click.option("--reason", help="Why (published with the article's 410 Gone).")
@click.option("--by", help="Who withdraws it: a person's name.")
@_store_option
def withdraw_command(article: str, reason: str | None, by: str | None, store_dir: Path):
    """The same as `pmkg withdraw ARTICLE --reason TEXT --by NAME`: both options are required."""
    from kg.review.withdraw_cli import withdraw_article

    withdraw_article(store_dir, article, reason, by)


@cases.command()
@_store_option
def rebuild(store_dir: Path):
    """Recompute the cases from the article graphs (ingest and withdraw do this themselves)."""
    with _open(store_dir) as store:
        n = refresh(store)
        store.flush()
    click.echo(f"{n} case(s)")
