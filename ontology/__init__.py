"""The ontology, vocabularies and SHACL shapes, shipped as package data (imported as ``kg.ontology``)."""
