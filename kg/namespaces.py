"""IRIs the project mints and the vocabularies it reuses, in one place.

Every other module takes its namespaces from here, so changing the base of
the project's IRIs is a one-line change.
"""

BASE = "https://w3id.org/pmkg/"

PMKG = BASE + "ontology#"            # classes and properties
ONTOLOGY_IRI = BASE + "ontology"
VOCAB = BASE + "vocab/"              # SKOS concept schemes: VOCAB + "allegation/racism"
ID = BASE + "id/"                    # entities minted from articles: ID + "officer/..."
GRAPH = BASE + "graph/"              # named graphs

ONTOLOGY_GRAPH = GRAPH + "ontology"  # ontology + vocabularies + shapes live here

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
