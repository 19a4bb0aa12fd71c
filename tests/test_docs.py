"""`kg.docs.build` generates the ontology and vocabulary documentation."""

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import resources
from kg.docs import build


def test_docs_document_every_class_and_concept(tmp_path):
    index = build(tmp_path / "docs")
    page = index.read_text(encoding="utf-8")
    ontology_file, vocabularies_file = resources.ontology_files()
    ontology = rdflib.Graph().parse(ontology_file)
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if str(cls).startswith("https://w3id.org/pmkg/ontology#"):
            assert str(ontology.value(cls, RDFS.label)) in page, cls

    vocabularies = rdflib.Graph().parse(vocabularies_file)
    schemes = list(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) >= 10
    for scheme in schemes:
        slug = str(scheme).rsplit("/", 1)[-1]
        scheme_page = (tmp_path / "docs" / "vocab" / f"{slug}.html").read_text(encoding="utf-8")
        for concept in vocabularies.subjects(SKOS.inScheme, scheme):
            assert f'id="{vocabularies.value(concept, SKOS.notation)}"' in scheme_page, concept


def test_docs_escape_vocabulary_text(tmp_path):
    from kg.docs import render_scheme

    graph = rdflib.Graph()
    scheme = rdflib.URIRef("https://w3id.org/pmkg/vocab/test")
    concept = rdflib.URIRef("https://w3id.org/pmkg/vocab/test/x")
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((concept, SKOS.inScheme, scheme))
    graph.add((concept, SKOS.notation, rdflib.Literal("x")))
    graph.add((concept, SKOS.definition, rdflib.Literal("<script>alert(1)</script>")))
    page = render_scheme(graph, scheme)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
