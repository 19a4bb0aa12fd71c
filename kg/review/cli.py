"""``pmkg review``: check what the extractor found, decide, and keep the trail.

    pmkg review ARTICLE                              the article's facts with their keys, states and sentences
    pmkg review confirm ARTICLE KEY... --by NAME     (or --all: every unreviewed fact)
    pmkg review reject ARTICLE KEY... --by NAME [--reason TEXT]
    pmkg review correct ARTICLE KEY --value V [--field F] --by NAME [--reason TEXT]
    pmkg review add ARTICLE --kind K --value V [--field F] (--sentence START-END | --quote TEXT)
                    [--subject KEY] --by NAME [--reason TEXT]
    pmkg review status                               facts per state, per article
    pmkg review log [--article ARTICLE] [--limit N]  the decisions, newest first
    pmkg review export-gold DIR                      fully reviewed articles as a gold corpus

ARTICLE is the article's IRI or a part of it that names one article (its
beginning or its end, e.g. the hash at the end). Register with
``main.add_command(review)``. Nothing here loads spaCy.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from kg import config
from kg.backends import StoreFolder
from kg.cli_errors import PmkgGroup
from kg.errors import PmkgError

SHOW = "show"


class ReviewGroup(PmkgGroup):
    """``pmkg review ARTICLE`` shows an article; every PmkgError becomes a one-line error."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return SHOW, self.commands[SHOW], args
        return super().resolve_command(ctx, args)


REVIEW_FOLDER = StoreFolder("pmkg review")


def _group_store(ctx: click.Context, param, value: Path | None) -> Path | None:
    ctx.meta["pmkg.review.store"] = value
    return value


def _command_store(ctx: click.Context, param, value: Path | None) -> Path:
    """A command's --store, else the group's (``pmkg review --store DIR ...``), else the default."""
    return value or ctx.meta.get("pmkg.review.store") or REVIEW_FOLDER.convert(config.store_path(), param, ctx)


def _store_option(function):
    return click.option("--store", "store_dir", type=REVIEW_FOLDER,
                        default=None, callback=_command_store, show_default="$PMKG_STORE or ./pmkg-data",
                        help="Store folder.")(function)


def _by_option(function):
    function = click.option("--reason", help="Why (kept in the audit log).")(function)
    return click.option("--by", default=None, help="Who decides: a person's name (required).")(function)


def _check_store(store_dir: Path) -> None:
    if not store_dir.is_dir():
        raise PmkgError(f"{store_dir}: no store here (create one with `pmkg init` or `pmkg ingest`)")


def _need_by(by: str | None) -> str:
    if by is None or not by.strip():
        raise PmkgError("say who decides: --by NAME")
    return by


@click.group(cls=ReviewGroup)
@click.option("--store", "store_dir", type=REVIEW_FOLDER, default=None,
              callback=_group_store, expose_value=False, is_eager=True,
              help="Store folder (also accepted after the command).")
def review():
    """Review the facts of each article: confirm, reject, correct or add.

    `pmkg review ARTICLE` lists an article's facts with their keys; the
    decisions name those keys. Decisions are kept (with who, when and why) in
    the store's private folder, never published, and still apply when the
    article is read again. The public graph of an article is its extraction
    with the decisions applied.
    """


@review.command(SHOW)
@click.argument("article")
@click.option("--state", type=click.Choice(["unreviewed", "confirmed", "corrected", "rejected", "added"]),
              help="Only the facts in this state.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_store_option
def show(article: str, state: str | None, fmt: str, store_dir: Path):
    """The facts of ARTICLE, each with its key, state, value and sentence."""
    from kg.review import facts, resolve
    from kg.review.store import ReviewStore

    _check_store(store_dir)
    with ReviewStore.open(store_dir, read_only=True) as rs:
        iri = resolve(rs, article)
    found = [f for f in facts(store_dir, iri) if state is None or f.state == state]
    if fmt == "json":
        click.echo(json.dumps({"article": iri, "facts": [asdict(f) for f in found]}, indent=2, ensure_ascii=False))
        return
    click.echo(f"<{iri}>")
    for f in found:
        where = f" [{f.start}-{f.end}]" if f.start is not None else ""
        click.echo(f"{f.key}  {f.state:<10}  {f.label}")
        if f.sentence:
            click.echo(f"    {where.strip()} {f.sentence}")
    click.echo(f"{len(found)} fact(s)")


def _echo_decision(d) -> None:
    change = f": {d.field} {d.old_value!r} -> {d.new_value!r}" if d.action == "correct" else ""
    click.echo(f"{d.action} {d.key} ({d.label or d.kind}){change} by {d.by}")


@review.command()
@click.argument("article")
@click.argument("keys", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every unreviewed fact of the article.")
@_by_option
@_store_option
def confirm(article: str, keys: tuple[str, ...], every: bool, by: str | None, reason: str | None, store_dir: Path):
    """Confirm facts of ARTICLE by KEY (or --all unreviewed ones): they are right as extracted.

    On an article with no facts at all, --all confirms that it has none (so
    export-gold counts it as reviewed).
    """
    _many("confirm", article, keys, every, by, reason, store_dir)


@review.command()
@click.argument("article")
@click.argument("keys", nargs=-1)
@_by_option
@_store_option
def reject(article: str, keys: tuple[str, ...], by: str | None, reason: str | None, store_dir: Path):
    """Reject facts of ARTICLE by KEY: they leave the published graph."""
    _many("reject", article, keys, False, by, reason, store_dir)


def _many(action: str, article: str, keys: tuple[str, ...], every: bool, by: str | None, reason: str | None,
          store_dir: Path) -> None:
    from kg.review import decide_each

    _check_store(store_dir)
    by = _need_by(by)
    if every == bool(keys):
        raise PmkgError("give the keys of the facts, or --all" if not keys else "give keys or --all, not both")
    found = decide_each(store_dir, action=action, article=article, keys=None if every else list(keys), by=by,
                        reason=reason)
    for d in found:
        _echo_decision(d)
    click.echo(f"{len(found)} decision(s) recorded")


@review.command()
@click.argument("article")
@click.argument("key")
@click.option("--value", required=False, help="The right value (a code, name or label).")
@click.option("--field", help="The field to correct (default: the fact's main one, shown by `pmkg review ARTICLE`).")
@_by_option
@_store_option
def correct(article: str, key: str, value: str | None, field: str | None, by: str | None, reason: str | None,
            store_dir: Path):
    """Correct the fact KEY of ARTICLE: set its FIELD to VALUE, whatever the extractor finds next time.

    Fields: officer name, rank, force, status, age; group size, force, status;
    investigation body, kind; allegation category (codes separated by commas);
    outcome type, date; quote speaker, role.
    """
    from kg.review import decide

    _check_store(store_dir)
    d = decide(store_dir, action="correct", article=article, key=key, by=_need_by(by), reason=reason,
               field=field, value=value)
    _echo_decision(d)


@review.command()
@click.argument("article")
@click.option("--kind", required=False, type=click.Choice(["officer", "allegation", "outcome", "investigation",
                                                           "quote"]), help="What kind of fact.")
@click.option("--value", help="Its value: the officer's name, the category, the outcome type, the body, the speaker.")
@click.option("--field", help="Another field to give instead of the main one.")
@click.option("--sentence", help="The supporting sentence's offsets START-END in the article text.")
@click.option("--quote", "quoted", help="Or words of the article's text that support it (must occur once).")
@click.option("--subject", help="The key of the officer or group the fact is about.")
@_by_option
@_store_option
def add(article: str, kind: str | None, value: str | None, field: str | None, sentence: str | None,
        quoted: str | None, subject: str | None, by: str | None, reason: str | None, store_dir: Path):
    """Add a fact the extractor missed to ARTICLE, citing the text that supports it."""
    from kg.review import article_text, decide
    from kg.review.cite import span as cited_span

    _check_store(store_dir)
    by = _need_by(by)
    if kind is None:
        raise PmkgError("say what kind of fact: --kind officer|allegation|outcome|investigation|quote")
    span = cited_span(article_text(store_dir, article), sentence, quoted)
    d = decide(store_dir, action="add", article=article, key=None, by=by, reason=reason, field=field,
               value=value, sentence=span, kind=kind, subject=subject)
    _echo_decision(d)
    click.echo(f"added {d.key}")


@review.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_store_option
def status(fmt: str, store_dir: Path):
    """How many facts of each article are unreviewed, confirmed, corrected, rejected or added."""
    from kg.review import status as article_status

    _check_store(store_dir)
    found = article_status(store_dir)
    if fmt == "json":
        click.echo(json.dumps([{**asdict(s), "total": s.total, "reviewed": s.reviewed} for s in found], indent=2,
                              ensure_ascii=False))
        return
    click.echo("unrev  conf  corr  rej  add  article")
    for s in found:
        c = s.counts
        empty = ""
        if not s.total:
            empty = " (no facts: confirmed)" if s.confirmed_empty else " (no facts: confirm with --all once read)"
        click.echo(f"{c['unreviewed']:5} {c['confirmed']:5} {c['corrected']:5} {c['rejected']:4} {c['added']:4}  "
                   f"{s.article}\n{'':30}{s.headline or ''}{empty}")
    click.echo(f"{len(found)} article(s), {sum(s.unreviewed for s in found)} unreviewed fact(s)")


@review.command()
@click.option("--article", help="Only this article's decisions.")
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_store_option
def log(article: str | None, limit: int, fmt: str, store_dir: Path):
    """The audit trail: every decision with who and when, newest first."""
    from kg.review import log as decisions

    _check_store(store_dir)
    found = decisions(store_dir, limit=limit, article=article)
    if fmt == "json":
        click.echo(json.dumps([asdict(d) for d in found], indent=2, ensure_ascii=False))
        return
    for d in found:
        change = f" {d.field}: {d.old_value!r} -> {d.new_value!r}" if d.action == "correct" else ""
        why = f" because: {d.reason}" if d.reason else ""
        click.echo(f"{d.at}  {d.by}  {d.action} {d.key} ({d.label or d.kind}){change}{why}\n    <{d.article}>")
    click.echo(f"{len(found)} decision(s)")


@review.command("export-gold")
@click.argument("out_dir", type=click.Path(path_type=Path))
@_store_option
def export_gold_command(out_dir: Path, store_dir: Path):
    """Write every fully reviewed article as a gold corpus in OUT_DIR.

    Fully reviewed: every fact has a decision; an article with no facts only
    once a reviewer has confirmed that (pmkg review confirm ARTICLE --all).

    OUT_DIR/articles/NAME.txt holds the text and OUT_DIR/gold/NAME.json what
    the reviewed graph says, in the format ../shared/eval/score.py reads.
    """
    from kg.review.gold import export_gold

    _check_store(store_dir)
    written = export_gold(store_dir, out_dir)
    for article, stem in written:
        click.echo(f"{stem}  <{article}>")
    click.echo(f"wrote {len(written)} article(s) to {out_dir}")
