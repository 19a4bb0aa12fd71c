"""Each SHACL shape accepts its valid example and rejects its invalid one.

The examples live in tests/fixtures/shapes as <Shape>.valid.ttl and
<Shape>.invalid.ttl and are validated together with base.ttl.
"""

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SH

from kg.validate import shapes_graph, validate_graph

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
SHAPES = "https://w3id.org/pmkg/shapes#"
# Shapes reached only through sh:node report under the shape that points to them.
REPORTED_AS = {"InstantShape": "IntervalShape"}


def node_shape_names() -> list[str]:
    graph = shapes_graph()
    return sorted(str(s).removeprefix(SHAPES) for s in graph.subjects(rdflib.RDF.type, SH.NodeShape))


def load(*names: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for name in names:
        graph.parse(FIXTURES / name, format="turtle")
    return graph


def test_every_node_shape_has_both_examples():
    names = node_shape_names()
    assert len(names) >= 14
    for name in names:
        assert (FIXTURES / f"{name}.valid.ttl").is_file(), name
        assert (FIXTURES / f"{name}.invalid.ttl").is_file(), name


def test_base_fixture_conforms():
    result = validate_graph(load("base.ttl"))
    assert result.conforms, result.text


@pytest.mark.parametrize("name", node_shape_names())
def test_valid_example_conforms(name):
    result = validate_graph(load("base.ttl", f"{name}.valid.ttl"))
    assert result.conforms, result.text


@pytest.mark.parametrize("name", node_shape_names())
def test_invalid_example_is_caught_by_its_shape(name):
    result = validate_graph(load("base.ttl", f"{name}.invalid.ttl"))
    assert not result.conforms
    expected = SHAPES + REPORTED_AS.get(name, name)
    shapes = {v.shape for v in result.violations}
    assert expected in shapes, result.text
    assert all(v.message for v in result.violations)


def test_allegation_is_never_a_finding():
    result = validate_graph(load("base.ttl", "AllegationShape.invalid.ttl"))
    messages = " ".join(v.message for v in result.violations)
    assert "whether it was proven is an outcome's business" in messages
    assert any(v.path is None and v.shape == SHAPES + "AllegationShape" for v in result.violations)
