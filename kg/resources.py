"""Where the files shipped with the package live (ontology, shapes, queries).

Paths come from ``importlib.resources`` so they work both from a source
checkout (editable install) and from an installed wheel.
"""

from importlib.resources import files
from pathlib import Path

ONTOLOGY_FILES = ("pmkg.ttl", "vocabularies.ttl")
SHAPES_FILE = "shapes.ttl"


def _package_dir(package: str) -> Path:
    return Path(str(files(package)))


def ontology_dir() -> Path:
    """The folder holding pmkg.ttl, vocabularies.ttl and shapes.ttl."""
    return _package_dir("kg.ontology")


def ontology_files() -> list[Path]:
    """The ontology and its vocabularies: the files ``init`` loads into the ontology graph."""
    return [ontology_dir() / name for name in ONTOLOGY_FILES]


def shapes_file() -> Path:
    """The SHACL shapes, loaded into their own graph."""
    return ontology_dir() / SHAPES_FILE


def queries_dir() -> Path:
    """The folder of saved SPARQL queries (``*.rq``)."""
    return _package_dir("kg.queries")
