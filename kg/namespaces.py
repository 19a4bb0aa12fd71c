"""IRIs the project mints and the vocabularies it reuses, in one place.

The project's own IRIs (ontology, vocabularies, entities, graphs) are built from
``BASE`` here, and the modules of ``kg`` that write RDF or SPARQL take the
namespaces they reuse from ``PREFIXES``, so in the Python code changing the
base of the project's IRIs is a one-line change (the Turtle files and the saved
queries spell it out). How an entity's IRI is minted from its name lives
beside this module, in :mod:`kg.identity`.

Exceptions, each a W3C namespace spelled where it is used: rdflib's namespace
objects in kg.reference, kg.validate and kg.docs; ``sd:`` and ``formats:`` (not
in ``PREFIXES``) in kg.void and the web app's service description; single
``rdf:`` and ``xsd:`` terms in web/page.py and web/results.py; and the PREFIX
lines of the linking queries sent to Wikidata, whose text is the link cache's
key and so must not change with this file.
"""

BASE = "https://w3id.org/pmkg/"

PMKG = BASE + "ontology#"            # classes and properties
ONTOLOGY_IRI = BASE + "ontology"
VOCAB = BASE + "vocab/"              # SKOS concept schemes: VOCAB + "allegation/racism"
ID = BASE + "id/"                    # entities minted from articles: ID + "officer/..."
GRAPH = BASE + "graph/"              # named graphs

ONTOLOGY_GRAPH = GRAPH + "ontology"  # pmkg.ttl and vocabularies.ttl; the shapes have their own graph
                                     # (kg.store.SHAPES_GRAPH, GRAPH + "shapes")

# Vocabularies reused by the ontology.
PREFIXES = {
    "pmkg": PMKG,
    "pmkgv": VOCAB,
    "pmkgid": ID,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
    "dcterms": "http://purl.org/dc/terms/",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prefixes() -> str:
    """The PREFIX lines for every namespace above, for queries written in code."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
