"""``pmkg link``: propose links to Wikidata (or any SPARQL endpoint), review them, decide.

    pmkg link [--endpoint URL] [--offline] [--threshold X]   propose links for people
    pmkg link --cases [--endpoint URL] [--offline] [--threshold X]
                                                            propose links for cases (investigations)
    pmkg link --review [--status proposed|accepted|rejected|all]
    pmkg link accept ID --by NAME
    pmkg link reject ID --by NAME
    pmkg link add ENTITY TARGET --by NAME                   a link a person makes directly

Register with ``main.add_command(link)``; this module has its own handling
of PmkgError so that the group also works on its own.
"""

from __future__ import annotations

from pathlib import Path

import click

from kg import config
from kg.cli_errors import PmkgGroup
from kg.errors import PmkgError
from kg.link import links as model
from kg.link.cases import cases as cases_to_link
from kg.link.cases import reconcile_cases
from kg.link.client import SparqlClient
from kg.link.reconcile import (DEFAULT_THRESHOLD, SEARCHES, WIKIDATA_ENDPOINT, reconcile, to_link,
                               people_to_link)
from kg.backends import STORE, STORE_HELP, open_store
from kg.config import is_url

CACHE_FOLDER = "link-cache"


def _cache_folder(store_dir) -> Path:
    """STORE/link-cache; for a store on a SPARQL server, ./pmkg-link-cache (use --cache to choose)."""
    return Path("pmkg-link-cache") if is_url(store_dir) else Path(store_dir) / CACHE_FOLDER


def _store_option(default):
    return click.option("--store", "store_dir", type=STORE, default=default,
                        show_default="$PMKG_STORE or ./pmkg-data" if default else None, help=STORE_HELP)


def _by_option(function):
    return click.option("--by", required=True, help="Who decides: a person's name.")(function)


@click.group(cls=PmkgGroup, invoke_without_command=True)
@_store_option(config.store_path)
@click.option("--endpoint", default=WIKIDATA_ENDPOINT, show_default=True,
              help="SPARQL endpoint with Wikidata-shaped data.")
@click.option("--offline", is_flag=True, help="Answer from the cache only; never touch the network.")
@click.option("--refresh", is_flag=True, help="Ask the endpoint again even for queries already in the cache.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEFAULT_THRESHOLD, show_default=True,
              help="Lowest score at which a link is proposed.")
@click.option("--search", type=click.Choice(SEARCHES), default="label", show_default=True,
              help="label: exact label or alias match (any endpoint); mwapi: Wikidata's entity search.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Cache folder  [default: STORE/link-cache]")
@click.option("--min-interval", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests.")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds to wait for one answer.")
@click.option("--contact", help="Contact (e-mail or URL) added to the User-Agent.")
@click.option("--cases", "link_cases", is_flag=True,
              help="Link the cases (investigations) whose subjects have accepted links, instead of people.")
@click.option("--review", is_flag=True, help="List links instead of proposing them.")
@click.option("--status", type=click.Choice([*model.STATUSES, "all"]), default="proposed", show_default=True,
              help="With --review: which links to list.")
@click.pass_context
def link(ctx: click.Context, store_dir: Path, endpoint: str, offline: bool, refresh: bool, threshold: float,
         search: str, cache_dir: Path | None, min_interval: float, timeout: float, contact: str | None,
         link_cases: bool, review: bool, status: str):
    """Link the people (or, with --cases, the cases) of the store to Wikidata or another SPARQL endpoint.

    Without a subcommand, finds candidates for every named officer and
    person not yet linked (an exact label or alias match), scores them on
    name, occupation, employer and dates, and proposes those at or above
    --threshold. Nothing is accepted without a person: review the proposals
    with --review and decide with `accept` or `reject`. Answers are cached
    under the store, so a second run, or --offline, needs no network.

    With --cases, finds for every investigation whose subject has an
    accepted link the items naming that subject as perpetrator, participant
    or main subject, scores them on that role and on dates, and proposes
    those at or above --threshold, reviewed and decided the same way.
    """
    if ctx.invoked_subcommand is not None:
        return
    if review:
        _review(store_dir, status)
        return
    client_options = dict(cache_dir=cache_dir or _cache_folder(store_dir), offline=offline, refresh=refresh,
                          min_interval=min_interval, timeout=timeout, contact=contact)
    if link_cases:
        _link_cases(store_dir, endpoint, threshold, client_options)
        return
    with open_store(store_dir, read_only=True) as store:
        people = people_to_link(store)
    with SparqlClient(endpoint, **client_options) as client:
        outcomes = reconcile(people, client, threshold=threshold, search=search)
        requests, hits = client.requests, client.cache_hits
    added, results = _propose(store_dir, outcomes, endpoint)
    rows = []
    for outcome, (best, result) in zip(outcomes, results):
        rows.append([outcome.entity.name, "officer" if outcome.entity.is_officer else "person",
                     _candidate(best.candidate.iri, best.candidate.label) if best else "",
                     f"{best.score:.2f}" if best else "", result])
    if rows:
        click.echo(table(["name", "kind", "best candidate", "score", "result"], rows))
    missing = sum(1 for o in outcomes if o.problem)
    click.echo(f"{len(outcomes)} people, {sum(len(o.candidates) for o in outcomes)} candidates,"
               f" {len(added)} new proposals (threshold {threshold:g});"
               f" {requests} requests to {endpoint}, {hits} answers from the cache")
    if missing:
        raise PmkgError(f"{missing} of {len(outcomes)} people were not in the cache (offline);"
                        " run without --offline to fetch them")


def _propose(store_dir: Path, outcomes: list, endpoint: str) -> tuple[set[str], list[tuple]]:
    """Add the proposals of a run to the links graph; the keys added, and (best candidate, result) per outcome."""
    at = model.now()
    proposals = [to_link(s, endpoint=endpoint, at=at) for o in outcomes for s in o.proposed]
    with open_store(store_dir) as store:
        added = {item.key for item in model.add_links(store, proposals)}
        existing = {item.key: item.status for item in model.read_links(store)}
        store.flush()
    results = []
    for outcome in outcomes:
        best = outcome.candidates[0] if outcome.candidates else None
        if outcome.problem:
            result = outcome.problem
        elif not best:
            result = "no candidate"
        elif not outcome.proposed:
            result = "below threshold"
        else:
            keys = [model.link_key(outcome.entity.iri, s.candidate.iri) for s in outcome.proposed]
            result = ", ".join("proposed" if k in added else f"{existing.get(k, 'proposed')} before" for k in keys)
        results.append((best, result))
    return added, results


def _link_cases(store_dir: Path, endpoint: str, threshold: float, client_options: dict) -> None:
    with open_store(store_dir, read_only=True) as store:
        found = cases_to_link(store)
    with SparqlClient(endpoint, **client_options) as client:
        outcomes = reconcile_cases(found, client, threshold=threshold)
        requests, hits = client.requests, client.cache_hits
    added, results = _propose(store_dir, outcomes, endpoint)
    rows = [[outcome.entity.name, outcome.entity.iri.rsplit("/", 1)[-1],
             _candidate(best.candidate.iri, best.candidate.label) if best else "",
             f"{best.score:.2f}" if best else "", result]
            for outcome, (best, result) in zip(outcomes, results)]
    if rows:
        click.echo(table(["case", "investigation", "best candidate", "score", "result"], rows))
    missing = sum(1 for o in outcomes if o.problem)
    click.echo(f"{len(outcomes)} cases, {sum(len(o.candidates) for o in outcomes)} candidates,"
               f" {len(added)} new proposals (threshold {threshold:g});"
               f" {requests} requests to {endpoint}, {hits} answers from the cache")
    if not found:
        click.echo("no case to link: cases are linked through their subjects; accept people's links first")
    if missing:
        raise PmkgError(f"{missing} of {len(outcomes)} cases were not in the cache (offline);"
                        " run without --offline to fetch them")


def _review(store_dir: Path, status: str) -> None:
    with open_store(store_dir, read_only=True) as store:
        found = [item for item in model.read_links(store) if status == "all" or item.status == status]
    if not found:
        click.echo(f"no {'' if status == 'all' else status + ' '}links")
        return
    rows = [[item.id, item.status, "" if item.score is None else f"{item.score:.2f}", item.entity_kind or "",
             item.entity_name or item.entity, _candidate(item.target, item.target_label),
             item.target_description or "", item.by_label or item.by, item.at.isoformat(), item.reason or ""]
            for item in found]
    click.echo(table(["id", "status", "score", "kind", "name", "candidate", "description", "by", "at", "why"], rows))
    click.echo(f"{len(found)} links; decide with `pmkg link accept ID --by NAME` or `pmkg link reject ID --by NAME`")


def _decide(store_dir: Path | None, link_id: str, status: str, by: str) -> None:
    with open_store(store_dir or _group_store(), read_only=False) as store:
        item = model.decide(store, link_id, status, by=by)
        store.flush()
    click.echo(f"{status} link {item.id}: {item.entity_name or item.entity} ="
               f" {_candidate(item.target, item.target_label)} (by {by.strip()}, {item.at.isoformat()})")


@link.command()
@click.argument("link_id")
@_by_option
@_store_option(None)
def accept(link_id: str, by: str, store_dir: Path | None):
    """Accept the link LINK_ID (its id, or the first characters of it, from --review)."""
    _decide(store_dir, link_id, "accepted", by)


@link.command()
@click.argument("link_id")
@_by_option
@_store_option(None)
def reject(link_id: str, by: str, store_dir: Path | None):
    """Reject the link LINK_ID: it stays, so later runs do not propose it again."""
    _decide(store_dir, link_id, "rejected", by)


@link.command()
@click.argument("entity")
@click.argument("target")
@_by_option
@_store_option(None)
def add(entity: str, target: str, by: str, store_dir: Path | None):
    """Link ENTITY (a pmkg IRI) to TARGET (an external IRI) as accepted, on a person's word."""
    for iri in (entity, target):
        if not iri.startswith(("http://", "https://")):
            raise PmkgError(f"not an IRI: {iri!r}")
    agent, at = model.person_agent(by), model.now()
    new = model.Link(entity=entity, target=target, status="accepted", by=agent, by_label=by.strip(), at=at,
                     created_by=agent, created_by_label=by.strip(), created_at=at)
    with open_store(store_dir or _group_store()) as store:
        if not store.query("ASK { GRAPH ?g { ?e ?p ?o } }", substitutions={"e": _node(entity)}):
            raise PmkgError(f"nothing in the store is about <{entity}>")
        if not model.add_links(store, [new]):
            raise PmkgError(f"there is already a link from <{entity}> to <{target}>; accept it by its id")
        store.flush()
    click.echo(f"accepted link {new.id}: <{entity}> = <{target}> (by {by.strip()})")


def _node(iri: str):
    import pyoxigraph as ox

    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise PmkgError(f"not an IRI: {iri!r}") from None


def _group_store() -> Path:
    return click.get_current_context().parent.params["store_dir"]


def _candidate(iri: str, label: str | None) -> str:
    short = iri.rsplit("/", 1)[-1]
    return f"{short} {label}" if label else iri


def table(header: list[str], rows: list[list[str]]) -> str:
    """A plain text table, columns padded to their widest cell."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
