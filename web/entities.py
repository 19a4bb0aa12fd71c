"""Entity pages: every IRI the graph mints dereferences here (HTML, Turtle, JSON-LD, N-Triples), ontology documentation, downloads and the VoID description."""

from flask import Blueprint

bp = Blueprint("entities", __name__)
