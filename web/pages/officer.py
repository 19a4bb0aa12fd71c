"""An officer's page: who they are at a glance, a summary line, the timeline of what
happened to them (one point per event, however many articles report it), and the
quotations by them and in the articles about them. Their cases (with the current
status) come from ``kg.web.cases``; their facts and the sentences behind them, each
shown once, from the generic entity page."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from kg.entities import Page, href
from kg.namespaces import PMKG, sparql_prefixes
from kg.web.queries import timeline_points

GLANCE = (("rank", "Rank"), ("force", "Force"), ("serviceStatus", "Status"))

_OUTCOMES = sparql_prefixes() + """
SELECT DISTINCT ?date ?reported ?type ?stage ?article ?headline ?outcome WHERE {
  GRAPH ?article {
    ?outcome a pmkg:Outcome ; pmkg:outcomeType ?concept ; pmkg:hasSubject/pmkg:hasMember? %(e)s .
    OPTIONAL { ?outcome pmkg:date ?outcomeDate }
    OPTIONAL { ?outcome pmkg:outcomeStage ?stageConcept }
    OPTIONAL { ?article schema:datePublished ?published }
    OPTIONAL { ?article schema:headline ?headline }
  }
  ?concept skos:prefLabel ?type .
  FILTER (LANG(?type) = "" || LANGMATCHES(LANG(?type), "en"))
  OPTIONAL { ?stageConcept skos:notation ?stage }
  BIND (STR(?outcomeDate) AS ?date)
  BIND (SUBSTR(STR(?published), 1, 10) AS ?reported)
} ORDER BY ?date ?reported ?article ?outcome
"""

_QUOTATIONS = sparql_prefixes() + """
SELECT DISTINCT ?quote ?words ?speaker ?speakerName ?officerName ?role ?article ?headline ?published WHERE {
  GRAPH ?article {
    %(e)s a pmkg:PoliceOfficer .
    OPTIONAL { %(e)s pmkg:name ?officerName }
    ?quote a pmkg:Quotation ; pmkg:speaker ?speaker .
    OPTIONAL { ?quote pmkg:text ?words }
    OPTIONAL { ?speaker pmkg:name ?speakerName }
    OPTIONAL { ?quote pmkg:speakerRole ?role }
    OPTIONAL { ?article schema:headline ?headline }
    OPTIONAL { ?article schema:datePublished ?published }
  }
} ORDER BY ?published ?article ?quote
"""


def _value(row: dict, name: str) -> str | None:
    return row[name]["value"] if name in row else None


def glance(page: Page) -> list[dict]:
    """Rank, force and status as the articles give them (every value, once)."""
    found = []
    for name, heading in GLANCE:
        group = next((g for g in page.facts if g.property.iri == PMKG + name), None)
        if group:
            found.append({"heading": heading,
                          "values": [{"text": f.value.text, "href": f.value.href} for f in group.facts]})
    return found


def events(rows: list[dict]) -> list[dict]:
    """Each (date, outcome type) once, oldest first, with every article that reports it.

    ``date`` is the outcome's own date; an outcome no article gives a date for
    is one event whatever the number of articles reporting it (not one per
    article's date), ``undated``, with ``date`` the date it was first reported.
    ``reported`` is always the date it was first reported."""
    merged: dict[tuple, dict] = {}
    for row in rows:
        date, label = _value(row, "date") or "", _value(row, "type") or ""
        scheduled = _value(row, "stage") == "scheduled"
        event = merged.setdefault((date, label, scheduled), {
            "date": date or None, "undated": not date, "reported": None, "label": label, "scheduled": scheduled,
            "articles": []})
        reported = _value(row, "reported") or None
        if reported and (event["reported"] is None or reported < event["reported"]):
            event["reported"] = reported
        article = {"href": href(row["article"]["value"]), "headline": _value(row, "headline") or "an article"}
        if article not in event["articles"]:
            event["articles"].append(article)
    for event in merged.values():
        if event["undated"]:
            event["date"] = event["reported"]
    return sorted(merged.values(), key=lambda e: (e["date"] or "9999", e["label"]))


def summary_line(articles: int, cases: int, timeline: list[dict]) -> str:
    """``reported in 3 articles, 2 cases; latest: dismissal, 2023-05-17``."""
    text = f"reported in {articles} article{'' if articles == 1 else 's'}, {cases} case{'' if cases == 1 else 's'}"
    happened = [e for e in timeline if e["date"] and not e["scheduled"]]
    if happened:
        last = happened[-1]["date"]
        labels = [e["label"] for e in happened if e["date"] == last]
        more = f" and {len(labels) - 3} more" if len(labels) > 3 else ""
        text += f"; latest: {', '.join(labels[:3])}{more}, {last}"
    return text


def quotations(iri: str, rows: list[dict]) -> dict:
    """Quotations by the officer (as their IRI, or a speaker of their name in the same article),
    and by others in the articles that report them."""
    by, about, seen = [], [], set()
    for row in rows:
        if "words" not in row or row["quote"]["value"] in seen:
            continue
        seen.add(row["quote"]["value"])
        quote = {"words": row["words"]["value"], "speaker": _value(row, "speakerName") or "a spokesperson",
                 "speaker_href": href(row["speaker"]["value"]), "role": _value(row, "role"),
                 "article_href": href(row["article"]["value"]), "headline": _value(row, "headline"),
                 "published": (_value(row, "published") or "")[:10] or None}
        # the extractor may mint a speaker as a person of the same name as the officer, in the same article
        speaker_is_officer = row["speaker"]["value"] == iri or (
            "speakerName" in row and _value(row, "speakerName") == _value(row, "officerName"))
        (by if speaker_is_officer else about).append(quote)
    return {"by": by, "about": about}


def sections(iri: str, page: Page, cases: list[dict], rows: Callable[[str], list[dict]]) -> dict:
    e = str(ox.NamedNode(iri))
    outcome_rows = rows(_OUTCOMES % {"e": e})
    timeline = events(outcome_rows)
    points = timeline_points([{"date": {"value": ev["date"]},
                               "type": {"value": ev["label"] + (" (scheduled)" if ev["scheduled"] else "")}}
                              for ev in timeline if ev["date"]], "date", "type")
    return {
        "glance": glance(page),
        "summary": summary_line(len(page.articles), len(cases), timeline),
        "events": timeline,
        "timeline_chart": {"type": "timeline", "y": "Outcomes", "points": points},
        "quotations": quotations(iri, rows(_QUOTATIONS % {"e": e})),
    }
