"""An article's page: headline, publisher, date, a link to the original (and to the
archived copy), and the sentences that support the facts read from it, in the order
of the text, each with its facts beside it.

The graph keeps only the sentences that support facts (``pmkg:Sentence`` with their
offsets), never the whole text, so the page shows those sentences, marks the text
left out between them, and sends the reader to the original for the rest.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from kg import entities as model
from kg.entities import href
from kg.namespaces import PREFIXES, sparql_prefixes

RDF_STATEMENT = PREFIXES["rdf"] + "Statement"

_META = sparql_prefixes() + """
SELECT ?headline ?published ?modified ?publisher ?location ?author WHERE { GRAPH %(e)s {
  OPTIONAL { %(e)s schema:headline ?headline }
  OPTIONAL { %(e)s schema:datePublished ?published }
  OPTIONAL { %(e)s schema:dateModified ?modified }
  OPTIONAL { %(e)s schema:publisher/pmkg:name ?publisher }
  OPTIONAL { %(e)s pmkg:retrievedFrom ?location }
  OPTIONAL { %(e)s schema:author/pmkg:name ?author }
} }
"""

_SENTENCES = sparql_prefixes() + """
SELECT ?sent ?start ?end ?text ?node ?type ?subject ?pred ?obj ?kind ?who ?ep ?review WHERE { GRAPH %(e)s {
  ?sent a pmkg:Sentence ; pmkg:startOffset ?start ; pmkg:text ?text .
  OPTIONAL { ?sent pmkg:endOffset ?end }
  OPTIONAL {
    ?node pmkg:supportedBy ?sent .
    OPTIONAL { ?node rdf:subject ?subject ; rdf:predicate ?pred ; rdf:object ?obj }
    OPTIONAL { ?node a ?type FILTER (?type != rdf:Statement) }
    OPTIONAL { ?node pmkg:outcomeType|pmkg:allegationCategory|pmkg:investigationKind ?kind }
    OPTIONAL { ?node pmkg:hasSubject|pmkg:speaker ?who }
    OPTIONAL { ?node pmkg:epistemicStatus ?ep }
    OPTIONAL { ?node pmkg:reviewState ?review }
  }
} } ORDER BY ?start ?node
"""


def _value(row: dict, name: str) -> str | None:
    return row[name]["value"] if name in row else None


def metadata(rows: list[dict]) -> dict:
    first = rows[0] if rows else {}
    location = _value(first, "location")
    authors = sorted({_value(r, "author") for r in rows if "author" in r})
    return {"headline": _value(first, "headline"), "published": (_value(first, "published") or "")[:10] or None,
            "modified": (_value(first, "modified") or "")[:10] or None, "publisher": _value(first, "publisher"),
            "authors": authors, "original": location,
            "original_href": location if location and location.startswith(("http://", "https://")) else None}


def _state(row: dict) -> str:
    """A fact's review state, the last segment of its concept (unreviewed where the graph gives none)."""
    return row["review"]["value"].rsplit("/", 1)[-1] if "review" in row else "unreviewed"


def _iris(rows: list[dict]) -> set[str]:
    return {row[name]["value"] for row in rows for name in ("subject", "pred", "obj", "type", "kind", "who", "ep")
            if name in row and row[name]["type"] == "uri"}


def sentences(rows: list[dict], labels: dict[str, dict]) -> list[dict]:
    """The sentences in text order, each with its facts: statements grouped by subject
    ("Rowan Ashby: rank constable; force Kent Police") and fact nodes (an outcome, an
    allegation, a quotation) with their kind, subjects, epistemic status and review
    state (each statement's value has its own); ``gap``
    says that text the page does not show comes before the sentence."""

    def label(binding: dict | None) -> str:
        if binding is None:
            return ""
        if binding["type"] != "uri":
            return binding["value"]
        found = labels.get(binding["value"], {}).get("label", {}).get("value")
        if not found and "/officer/" in binding["value"] and binding["value"].startswith(model.ARTICLE):
            return "an unnamed officer"   # one the article describes without naming (officer/u2)
        return found or model.fallback_label(binding["value"])

    found: dict[str, dict] = {}
    for row in rows:
        iri = row["sent"]["value"]
        sentence = found.setdefault(iri, {"iri": iri, "href": href(iri), "text": row["text"]["value"],
                                          "start": int(row["start"]["value"]),
                                          "end": int(_value(row, "end") or 0), "statements": {}, "facts": {}})
        if "node" not in row:
            continue
        node = row["node"]["value"]
        if "pred" in row:
            subject = sentence["statements"].setdefault(row["subject"]["value"], {
                "subject": label(row["subject"]), "href": href(row["subject"]["value"]), "values": []})
            value = {"text": f"{label(row['pred'])} {label(row['obj'])}", "review": _state(row)}
            if value not in subject["values"]:
                subject["values"].append(value)
        elif "type" in row and row["type"]["value"] != RDF_STATEMENT:
            fact = sentence["facts"].setdefault(node, {"href": href(node), "type": label(row["type"]),
                                                       "kinds": [], "who": [], "status": label(row.get("ep")),
                                                       "review": _state(row)})
            for name, key in (("kind", "kinds"), ("who", "who")):
                if name in row and label(row[name]) not in fact[key]:
                    fact[key].append(label(row[name]))
    ordered = sorted(found.values(), key=lambda s: s["start"])
    previous_end = 0
    for sentence in ordered:
        sentence["gap"] = sentence["start"] > previous_end + 2
        previous_end = max(previous_end, sentence["end"])
        sentence["statements"] = list(sentence["statements"].values())
        sentence["facts"] = sorted(sentence["facts"].values(), key=lambda f: (f["type"], f["kinds"]))
    return ordered


def sections(iri: str, rows: Callable[[str], list[dict]]) -> dict:
    e = str(ox.NamedNode(iri))
    found = rows(_SENTENCES % {"e": e})
    iris = _iris(found)
    labels = model.label_table(rows(model.labels_query(iris))) if iris else {}
    return {"article": metadata(rows(_META % {"e": e})), "sentences": sentences(found, labels)}
