"""A force's (or another body's) page: its identifiers from the reference data
(Wikidata, police.uk), the officers articles report in it, its cases by current
status, outcomes and allegation categories by year (charts drawn as SVG on the
server: no script, nothing fetched) and the latest articles that name it.

Counts follow the saved queries (``outcomes-by-force``,
``allegation-categories-by-year``) with one difference: the same outcome or
allegation of the same subject in the same year counts once however many
articles report it. Only outcomes that happened are counted (not scheduled ones).
An outcome is placed in the year of its own date; one that no article dates
is counted apart, in a last bar "undated" (once, however many articles
report it), never in the reporting article's year. Allegations
have no date of their own: they are counted by the year of the article.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pyoxigraph as ox

from kg.cases.write import CASES_GRAPH
from kg.entities import href
from kg.namespaces import ID, sparql_prefixes

WIKIDATA = "http://www.wikidata.org/entity/"
POLICE_UK = "https://data.police.uk/api/forces/"
# Okabe and Ito's palette: told apart by people with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#000000")
CHART_WIDTH = 400     # the longest bar, in the SVG's units (the SVG is 520 wide and scales to the page)
LATEST = 10

_IDENTIFIERS = sparql_prefixes() + """
SELECT ?same ?policeUk WHERE {
  { %(e)s owl:sameAs ?same } UNION { %(e)s pmkg:policeUkId ?policeUk }
}
"""

_OFFICERS = sparql_prefixes() + """
SELECT ?officer (SAMPLE(?n) AS ?name) (SAMPLE(?rl) AS ?rank) (COUNT(DISTINCT ?article) AS ?articles) WHERE {
  GRAPH ?article { ?officer a pmkg:PoliceOfficer ; pmkg:force %(e)s ; pmkg:name ?n .
                   OPTIONAL { ?officer pmkg:rank ?r } }
  OPTIONAL { ?r skos:prefLabel ?rl }
  FILTER (STRSTARTS(STR(?officer), "%(officers)s"))
} GROUP BY ?officer ORDER BY ?name LIMIT 500
"""

_CASES = sparql_prefixes() + """
SELECT DISTINCT ?case ?label ?statusLabel ?open WHERE {
  GRAPH <%(cases)s> { ?case pmkg:caseSubject ?subject ; rdfs:label ?label .
                      OPTIONAL { ?case pmkg:currentStatus ?status } OPTIONAL { ?case pmkg:caseOpen ?open } }
  GRAPH ?article { ?subject pmkg:force %(e)s }
  OPTIONAL { ?status skos:prefLabel ?statusLabel }
} ORDER BY ?label LIMIT 500
"""

UNDATED = "undated"
# the year an outcome is counted in: its own date's, else undated (never the article's)
OUTCOME_YEAR = f'IF(BOUND(?date), SUBSTR(STR(?date), 1, 4), "{UNDATED}")'
# an allegation has no date of its own: the year of the article that reports it
ALLEGATION_YEAR = "SUBSTR(COALESCE(STR(?date), STR(?published)), 1, 4)"

_BY_YEAR = sparql_prefixes() + """
SELECT ?year ?label (COUNT(DISTINCT ?event) AS ?n) WHERE {
  GRAPH ?article { ?fact a %(cls)s ; %(prop)s ?concept ; pmkg:hasSubject ?subject .
                   ?subject pmkg:force %(e)s .
                   OPTIONAL { ?fact pmkg:outcomeStage ?stageConcept } OPTIONAL { ?fact pmkg:date ?date }
                   OPTIONAL { ?article schema:datePublished ?published } }
  ?concept skos:prefLabel ?label . FILTER (LANG(?label) = "" || LANGMATCHES(LANG(?label), "en"))
  OPTIONAL { ?stageConcept skos:notation ?stage }
  FILTER (COALESCE(?stage, "happened") = "happened")
  BIND (%(year)s AS ?year)
  FILTER (BOUND(?year))
  BIND (CONCAT(STR(?subject), " ", STR(?concept), " ", ?year) AS ?event)
} GROUP BY ?year ?label ORDER BY ?year ?label
"""

_ARTICLES = sparql_prefixes() + """
SELECT ?article (SAMPLE(?h) AS ?headline) (MAX(?p) AS ?published) WHERE {
  GRAPH ?article { ?x ?property %(e)s . ?article a pmkg:NewsArticle ; schema:headline ?h .
                   OPTIONAL { ?article schema:datePublished ?p } }
} GROUP BY ?article ORDER BY DESC(?published) LIMIT %(limit)d
"""


def _value(row: dict, name: str) -> str | None:
    return row[name]["value"] if name in row else None


def identifiers(rows: list[dict]) -> list[dict]:
    found = []
    for row in rows:
        same, police = _value(row, "same"), _value(row, "policeUk")
        if same and same.startswith(WIKIDATA):
            qid = same[len(WIKIDATA):]
            found.append({"scheme": "Wikidata", "id": qid, "href": f"https://www.wikidata.org/wiki/{qid}"})
        if police:
            found.append({"scheme": "police.uk", "id": police, "href": POLICE_UK + police})
    return sorted(found, key=lambda i: i["scheme"])


def by_year(rows: list[dict]) -> dict:
    """A stacked bar per year (segments by label) and the same counts as a table.

    ``{"years": [{year, total, segments: [{label, n, x, width, colour}]}], "legend": [{label, colour}],
    "labels": [...], "table": [{year, counts: [...], total}]}``; the eight commonest labels
    keep their own colour, the rest are "other". The year ``undated`` (outcomes without a
    date of their own) comes last, after every year."""
    counts: dict[str, Counter] = {}
    overall: Counter = Counter()
    for row in rows:
        try:
            n = int(row["n"]["value"])
        except (KeyError, ValueError):
            continue
        year, label = _value(row, "year") or UNDATED, _value(row, "label") or "?"
        counts.setdefault(year, Counter())[label] += n
        overall[label] += n
    if not counts:
        return {"years": [], "legend": [], "labels": [], "table": []}
    common = [label for label, _ in overall.most_common(len(PALETTE) - 1)]
    shown = common + (["other"] if len(overall) > len(common) else [])
    colour = {label: PALETTE[i] for i, label in enumerate(shown)}
    grouped = {year: Counter({(label if label in common else "other"): n for label, n in c.items()})
               for year, c in counts.items()}
    for year, c in counts.items():   # "other" is the sum of the rest
        grouped[year]["other"] = sum(n for label, n in c.items() if label not in common)
    top = max(sum(c.values()) for c in grouped.values()) or 1
    years = []
    for year in sorted(grouped, key=lambda y: (y == UNDATED, y)):
        x, segments = 0.0, []
        for label in shown:
            n = grouped[year][label]
            if n:
                width = round(n / top * CHART_WIDTH, 1)
                segments.append({"label": label, "n": n, "x": x, "width": width, "colour": colour[label]})
                x += width
        years.append({"year": year, "total": sum(s["n"] for s in segments), "segments": segments, "end": x})
    table = [{"year": y["year"], "counts": [grouped[y["year"]][label] for label in shown], "total": y["total"]}
             for y in years]
    return {"years": years, "legend": [{"label": label, "colour": colour[label]} for label in shown],
            "labels": shown, "table": table}


def sections(iri: str, rows: Callable[[str], list[dict]]) -> dict:
    e = str(ox.NamedNode(iri))
    officers = [{"href": href(r["officer"]["value"]), "name": _value(r, "name"), "rank": _value(r, "rank"),
                 "articles": int(_value(r, "articles") or 0)}
                for r in rows(_OFFICERS % {"e": e, "officers": ID + "officer/"})]
    cases = [{"href": href(r["case"]["value"]), "label": _value(r, "label"),
              "status": _value(r, "statusLabel") or "no status yet", "open": _value(r, "open") == "true"}
             for r in rows(_CASES % {"e": e, "cases": CASES_GRAPH})]
    statuses = Counter(c["status"] for c in cases)
    return {
        "identifiers": identifiers(rows(_IDENTIFIERS % {"e": e})),
        "officers": officers,
        "force_cases": cases,
        "cases_by_status": [{"status": s, "n": n} for s, n in sorted(statuses.items(), key=lambda i: (-i[1], i[0]))],
        "outcomes_by_year": by_year(rows(_BY_YEAR % {"e": e, "cls": "pmkg:Outcome", "prop": "pmkg:outcomeType",
                                                     "year": OUTCOME_YEAR})),
        "allegations_by_year": by_year(rows(_BY_YEAR % {"e": e, "cls": "pmkg:Allegation",
                                                        "prop": "pmkg:allegationCategory", "year": ALLEGATION_YEAR})),
        "latest_articles": [{"href": href(r["article"]["value"]), "headline": _value(r, "headline"),
                             "published": (_value(r, "published") or "")[:10] or None}
                            for r in rows(_ARTICLES % {"e": e, "limit": LATEST})],
    }
