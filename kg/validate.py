"""SHACL validation of pmkg data with pyshacl.

The shapes (ontology/shapes.ttl) describe one article's graph. The data is
validated together with the ontology and vocabularies, so that
``sh:class pmkg:PoliceForce`` accepts a territorial force and
``sh:class pmkg:Rank`` accepts a rank concept. (pyshacl's own ``ont_graph``
only mixes in class and property definitions, not the concepts' types.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyshacl
import rdflib
from rdflib.namespace import SH

from kg import resources


@dataclass(frozen=True)
class Violation:
    """One SHACL result, flattened for printing and testing."""

    focus: str
    path: str | None
    message: str
    shape: str | None       # the node shape the result comes from
    severity: str


@dataclass
class Validation:
    conforms: bool
    text: str
    violations: list[Violation] = field(default_factory=list)


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(resources.shapes_file(), format="turtle")


@lru_cache(maxsize=1)
def ontology_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return graph


def _node_shape(shapes: rdflib.Graph, shape: rdflib.term.Node | None) -> rdflib.term.Node | None:
    """The node shape that owns `shape` (itself, or the node shape with it as sh:property)."""
    if shape is None or (shape, rdflib.RDF.type, SH.NodeShape) in shapes:
        return shape
    owner = shapes.value(predicate=SH.property, object=shape)
    return owner if owner is not None else shape


def validate_graph(data: rdflib.Graph, *, shapes: rdflib.Graph | None = None) -> Validation:
    """Validate one graph (usually one article's) against the pmkg shapes."""
    shapes = shapes if shapes is not None else shapes_graph()
    combined = rdflib.Graph()
    for triple in ontology_graph():
        combined.add(triple)
    for triple in data:
        combined.add(triple)
    conforms, report, text = pyshacl.validate(
        combined,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
    )
    violations = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        shape = _node_shape(shapes, report.value(result, SH.sourceShape))
        violations.append(Violation(
            focus=str(report.value(result, SH.focusNode)),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            message=str(report.value(result, SH.resultMessage) or ""),
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
            severity=str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1],
        ))
    return Validation(conforms=bool(conforms), text=text, violations=violations)


def validate_store(store, *, skip: set[str]) -> list[tuple[str, Validation]]:
    """Validate every named graph of a kg.store.Store on its own, except those in `skip`.

    The shapes describe one article's graph, so graphs are checked one at a
    time: an officer reported as 34 in one article and 35 in the next is not
    a contradiction.
    """
    import pyoxigraph as ox

    results = []
    for graph in store.named_graphs():
        if graph in skip:
            continue
        triples = (quad.triple for quad in store.quads(graph))
        data = rdflib.Graph().parse(data=ox.serialize(triples, None, ox.RdfFormat.N_TRIPLES), format="nt")
        results.append((graph, validate_graph(data)))
    return results
