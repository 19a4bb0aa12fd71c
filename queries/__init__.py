"""Saved SPARQL queries, shipped as package data (imported as ``kg.queries``)."""
