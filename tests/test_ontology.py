"""The ontology and vocabularies: documented, OWL 2 DL, consistent, and complete
for the codes the extractor and the competency queries rely on."""

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import resources
from kg.reasoning import check, dl_profile_violations

PMKG = "https://w3id.org/pmkg/ontology#"
VOCAB = "https://w3id.org/pmkg/vocab/"
REASONING = Path(__file__).parent / "fixtures" / "reasoning"

# The codes of ../shared/eval/README.md: the contract with the scorer.
ALLEGATION_CODES = """racism misogyny homophobia other-discrimination sexual-misconduct
abuse-of-position-for-sexual-purpose violence-or-excessive-force dishonesty corruption
unauthorised-data-access failure-to-report covert-recording offensive-communications
criminal-offence-other""".split()
OUTCOME_CODES = """restricted-duties suspension misconduct-meeting gross-misconduct-hearing
written-warning final-written-warning dismissal barred-list resigned retired criminal-charge
conviction prison-sentence acquittal case-to-answer no-case-to-answer no-further-action
investigation-ongoing""".split()
STANDARDS = [
    "Honesty and Integrity", "Authority, Respect and Courtesy", "Equality and Diversity",
    "Use of Force", "Orders and Instructions", "Duties and Responsibilities", "Confidentiality",
    "Fitness for Work", "Discreditable Conduct", "Challenging and Reporting Improper Conduct",
]


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return graph


def own_terms(graph, kind):
    return sorted(s for s in graph.subjects(RDF.type, kind) if str(s).startswith(PMKG))


def test_ontology_header(ontology):
    onto = rdflib.URIRef("https://w3id.org/pmkg/ontology")
    assert (onto, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(onto, OWL.versionIRI) is not None
    assert ontology.value(onto, rdflib.URIRef("http://purl.org/dc/terms/license")) is not None


@pytest.mark.parametrize("kind", [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty])
def test_every_term_has_label_and_definition(ontology, kind):
    terms = own_terms(ontology, kind)
    assert terms
    for term in terms:
        assert ontology.value(term, RDFS.label), f"{term} has no rdfs:label"
        assert ontology.value(term, SKOS.definition), f"{term} has no skos:definition"


def test_core_classes_reuse_standard_vocabularies(ontology):
    expect = {
        "PoliceOfficer": "http://xmlns.com/foaf/0.1/Person",
        "PoliceForce": "http://www.w3.org/ns/org#FormalOrganization",
        "Investigation": "http://www.w3.org/ns/prov#Activity",
        "NewsArticle": "https://schema.org/NewsArticle",
        "Quotation": "https://schema.org/Quotation",
    }
    for local, parent in expect.items():
        ancestors = set(ontology.transitive_objects(rdflib.URIRef(PMKG + local), RDFS.subClassOf))
        assert rdflib.URIRef(parent) in ancestors, local


def concepts_in(graph, scheme):
    scheme = rdflib.URIRef(VOCAB + scheme)
    return {str(graph.value(c, SKOS.notation)): c for c in graph.subjects(SKOS.inScheme, scheme)}


@pytest.mark.parametrize("scheme,codes", [("allegation", ALLEGATION_CODES), ("outcome", OUTCOME_CODES)])
def test_schemes_hold_every_scored_code(ontology, scheme, codes):
    concepts = concepts_in(ontology, scheme)
    for code in codes:
        assert code in concepts, f"{scheme} scheme lacks {code}"
        concept = concepts[code]
        assert str(concept).endswith("/" + code)
        assert ontology.value(concept, SKOS.definition), concept
        assert ontology.value(concept, SKOS.prefLabel), concept


def test_every_concept_has_notation_label_and_definition(ontology):
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 80
    for concept in concepts:
        assert ontology.value(concept, SKOS.notation), concept
        assert ontology.value(concept, SKOS.prefLabel), concept
        assert ontology.value(concept, SKOS.definition), concept
        assert ontology.value(concept, SKOS.inScheme), concept


def test_allegation_categories_map_to_the_ten_standards(ontology):
    standards = concepts_in(ontology, "standard")
    labels = sorted(str(ontology.value(c, SKOS.prefLabel)) for c in standards.values())
    assert labels == sorted(STANDARDS)
    for code, concept in concepts_in(ontology, "allegation").items():
        matches = set(ontology.objects(concept, SKOS.broadMatch))
        assert matches, f"{code} is not mapped to a standard"
        assert matches <= set(standards.values()), code


def test_ontology_is_owl2_dl():
    assert dl_profile_violations(resources.ontology_files()) == []


def test_hermit_finds_the_ontology_consistent_and_every_class_satisfiable():
    result = check(resources.ontology_files())
    assert result.consistent, result.message
    assert result.unsatisfiable == []


def test_hermit_accepts_consistent_data():
    result = check([*resources.ontology_files(), REASONING / "consistent-data.ttl"])
    assert result.ok, result


@pytest.mark.parametrize("fixture", ["contradiction.ttl", "group-two-sizes.ttl"])
def test_hermit_catches_contradictory_data(fixture):
    result = check([*resources.ontology_files(), REASONING / fixture])
    assert not result.consistent


def test_hermit_reports_unsatisfiable_class():
    result = check([*resources.ontology_files(), REASONING / "unsatisfiable-class.ttl"])
    assert result.consistent
    assert result.unsatisfiable == ["https://w3id.org/pmkg/id/ForceCourt"]
