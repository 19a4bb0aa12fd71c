"""A flat JSON summary of one article's graph, for `pmkg extract --format json`.

The summary is what the six competency queries (queries/*.rq) return for
that article alone, so it shows exactly what the store would answer.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from kg import resources
from kg.store import Store

SECTIONS = ("sources", "officers", "investigations", "allegations", "outcomes", "quotes")


def summarise(graph: str, triples: list[ox.Triple]) -> str:
    store = Store()
    store.load_ontology()
    node = ox.NamedNode(graph)
    store.add(ox.Quad(t.subject, t.predicate, t.object, node) for t in triples)
    summary: dict[str, object] = {"article": graph}
    for name in SECTIONS:
        query = (resources.queries_dir() / f"{name}.rq").read_text(encoding="utf-8")
        results = store.query(query, union_default_graph=True)
        variables = [v.value for v in results.variables if v.value != "article"]
        summary[name] = [{v: row[v].value for v in variables if row[v] is not None} for row in results]
    return json.dumps(summary, indent=2, ensure_ascii=False)
