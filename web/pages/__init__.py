"""The pages for the things people ask about: officers, forces and bodies, articles.

``kg.web.entities`` builds every entity's generic page (its facts, grouped by
property, each supporting sentence shown once under Evidence); for an officer,
an organisation (a force or another body) and an article it then adds the
sections of that kind's page, built here from SPARQL queries run through the
same executor and deadline (``rows(query)`` returns a SELECT's JSON bindings):

* officer (``kg.web.pages.officer``): a summary line, cases with their current
  status, the timeline (one point per event), quotations by and about them;
* force or body (``kg.web.pages.force``): identifiers from the reference data,
  officers reported, cases by status, outcomes and allegation categories by
  year (SVG charts drawn on the server), latest articles;
* article (``kg.web.pages.article``): headline, publisher, date, the original
  and the archived copy, and the sentences that support facts, in the order of
  the text, each with its facts beside it. The graph keeps only those
  sentences, so the page never shows the whole article.

Every section is plain data (dicts, lists, strings), so the page's JSON twin
(``/id/<path>.json``) is the same model the HTML page renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from kg.entities import ARTICLE, Page
from kg.namespaces import ID
from kg.web.pages import article, force, officer

TEMPLATES = {"officer": "officer.html", "force": "force.html", "article": "article.html"}
Rows = Callable[[str], list[dict]]


def kind_of(iri: str, page: Page) -> str | None:
    """Which page an entity gets: officer, force (any organisation), article, or None (generic)."""
    if iri.startswith(ARTICLE) and "/" not in iri[len(ARTICLE):]:
        return "article"
    if iri.startswith(ID + "officer/"):
        return "officer"
    if iri.startswith(ID + "org/"):
        return "force"
    return None


def sections(iri: str, page: Page, cases: dict, rows: Rows) -> tuple[str | None, dict]:
    """The kind of page and its extra sections (``{}`` for the generic page)."""
    kind = kind_of(iri, page)
    if kind == "officer":
        return kind, officer.sections(iri, page, cases.get("cases", []), rows)
    if kind == "force":
        return kind, force.sections(iri, rows)
    if kind == "article":
        return kind, article.sections(iri, rows)
    return kind, {}


def as_json(page: Page, kind: str | None, extra: dict, cases: dict, alternates: list[dict],
            archived: dict | None) -> dict:
    """The page's JSON twin: the generic page model, the kind's sections, the cases and the alternates."""
    out = {"iri": page.iri, "label": page.label, "kind": kind or "entity",
           "types": [asdict(t) for t in page.types], "truncated": page.truncated,
           "facts": [asdict(g) for g in page.facts], "provenance": [asdict(g) for g in page.provenance],
           "linked_from": [asdict(g) for g in page.inverse], "articles": [asdict(a) for a in page.articles],
           "evidence": [asdict(s) for s in page.evidence],
           "alternates": [a for a in alternates if a["type"] != "application/json"], "archived": archived}
    out.update(cases)
    out.update(extra)
    return out
