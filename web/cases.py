"""What entity pages show about cases: a case's timeline, and an officer's cases.

A case page (``/id/case/...``) draws the case's steps with the timeline chart
of the saved queries' pages and lists each step with its status, date, the
date's basis, epistemic status, article and sentences (each linked to its
page). Any other entity that is the subject of cases (an officer, a group)
lists them with their current status. The queries put the page's IRI in as a
checked IRI term and run through the app's executor like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from kg.cases.write import CASES_GRAPH
from kg.entities import href
from kg.namespaces import ID, sparql_prefixes
from kg.web.queries import timeline_points

CASE = ID + "case/"

_TIMELINE = sparql_prefixes() + """
SELECT ?step ?n ?date ?status ?statusLabel ?basisLabel ?epistemicLabel ?article ?headline ?sentence ?text WHERE {
  GRAPH <%s> {
    ?step pmkg:ofCase %s ; pmkg:stepNumber ?n ; pmkg:caseStatus ?status ; pmkg:reportedIn ?article ;
          pmkg:dateBasis ?basis ; pmkg:epistemicStatus ?ep .
    OPTIONAL { ?step pmkg:statusDate ?date }
    OPTIONAL { ?step pmkg:supportedBy ?sentence }
  }
  OPTIONAL { ?status skos:prefLabel ?statusLabel }
  OPTIONAL { ?basis skos:prefLabel ?basisLabel }
  OPTIONAL { ?ep skos:prefLabel ?epistemicLabel }
  OPTIONAL { GRAPH ?article { ?article schema:headline ?headline } }
  OPTIONAL { GRAPH ?article { ?sentence pmkg:text ?text } }
} ORDER BY ?n ?sentence
"""

_SUBJECT_OF = sparql_prefixes() + """
SELECT ?case ?label ?statusLabel ?open WHERE {
  GRAPH <%s> {
    ?case pmkg:caseSubject %s ; rdfs:label ?label .
    OPTIONAL { ?case pmkg:currentStatus ?status } OPTIONAL { ?case pmkg:caseOpen ?open }
  }
  OPTIONAL { ?status skos:prefLabel ?statusLabel }
} ORDER BY ?case
"""


def _value(row: dict, name: str) -> str | None:
    return row[name]["value"] if name in row else None


def case_sections(iri: str, rows: Callable[[str], list[dict]]) -> dict:
    """Extra parts of an entity page: ``steps`` and ``chart`` for a case, ``cases`` for a subject of cases.

    ``rows(query)`` runs a SELECT query over the union graph and returns its JSON bindings.
    """
    node = str(ox.NamedNode(iri))
    if iri.startswith(CASE) and "/" not in iri[len(CASE):]:
        found = rows(_TIMELINE % (CASES_GRAPH, node))
        steps: dict[str, dict] = {}
        for row in found:
            step = steps.setdefault(row["step"]["value"], {
                "n": _value(row, "n"), "date": _value(row, "date"), "status": _value(row, "status"),
                "label": _value(row, "statusLabel") or _value(row, "status"), "basis": _value(row, "basisLabel"),
                "epistemic": _value(row, "epistemicLabel"), "article": _value(row, "article"),
                "headline": _value(row, "headline"), "sentences": []})
            if "sentence" in row:
                sentence = (href(row["sentence"]["value"]), _value(row, "text") or row["sentence"]["value"])
                if sentence not in step["sentences"]:
                    step["sentences"].append(sentence)
        ordered = sorted(steps.values(), key=lambda s: int(s["n"] or 0))
        for step in ordered:
            step["status_href"], step["article_href"] = href(step["status"]), href(step["article"])
        # placed like timeline_points places them, but in the order of the steps, not of their labels
        dated = [{"date": {"value": s["date"]}, "n": {"value": str(i)}}
                 for i, s in enumerate(ordered) if s["date"] and len(s["date"]) == 10]
        offsets = {p["label"]: p["offset"] for p in timeline_points(dated, "date", "n")}
        points = [{"x": s["date"], "label": s["label"], "offset": offsets[str(i)]}
                  for i, s in enumerate(ordered) if str(i) in offsets]
        return {"steps": ordered, "chart": {"type": "timeline", "y": "status", "points": points}}
    return {"cases": [{"href": href(_value(r, "case")), "label": _value(r, "label"),
                       "status": _value(r, "statusLabel"), "open": _value(r, "open") == "true"}
                      for r in rows(_SUBJECT_OF % (CASES_GRAPH, node))]}
