"""RDF formats and terms shared by the stores: which formats pmkg reads and writes, checked IRIs,
one-line syntax errors and N-Triples lines for SPARQL ``INSERT DATA``.

``kg.store`` re-exports these names, so ``from kg.store import Format`` keeps working.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from kg.errors import PmkgError, RdfSyntaxError


class Format(enum.Enum):
    """RDF serialisation formats pmkg reads and writes."""

    TURTLE = ("turtle", ox.RdfFormat.TURTLE, ("ttl", "turtle"))
    TRIG = ("trig", ox.RdfFormat.TRIG, ("trig",))
    NQUADS = ("nquads", ox.RdfFormat.N_QUADS, ("nq", "nquads"))
    NTRIPLES = ("ntriples", ox.RdfFormat.N_TRIPLES, ("nt", "ntriples"))
    JSONLD = ("jsonld", ox.RdfFormat.JSON_LD, ("jsonld", "json-ld"))
    RDFXML = ("rdfxml", ox.RdfFormat.RDF_XML, ("rdf", "owl", "rdfxml"))

    def __init__(self, label: str, ox_format: ox.RdfFormat, extensions: tuple[str, ...]):
        self.label = label
        self.ox = ox_format
        self.extensions = extensions

    @property
    def extension(self) -> str:
        """The usual file extension, without the dot."""
        return self.extensions[0]

    @property
    def media_type(self) -> str:
        return self.ox.media_type

    @property
    def keeps_graphs(self) -> bool:
        """True if pmkg writes named graphs in this format (TriG, N-Quads).

        JSON-LD can carry graphs but pmkg exports it like Turtle: one graph
        or the union.
        """
        return self in (Format.TRIG, Format.NQUADS)

    @classmethod
    def from_label(cls, label: str) -> Format:
        for fmt in cls:
            if fmt.label == label.lower():
                return fmt
        raise PmkgError(f"unknown RDF format {label!r}; use one of {', '.join(f.label for f in cls)}")

    @classmethod
    def from_path(cls, path: str | Path) -> Format | None:
        """Guess the format from a file extension; None if it is not an RDF extension."""
        suffix = Path(path).suffix.lower().lstrip(".")
        for fmt in cls:
            if suffix in fmt.extensions:
                return fmt
        return None


def _format(fmt: Format | str) -> Format:
    return fmt if isinstance(fmt, Format) else Format.from_label(fmt)


def named_node(iri: str) -> ox.NamedNode:
    """``iri`` as a pyoxigraph IRI, checked: a PmkgError (one line) if it is not an absolute IRI.

    Every graph name and IRI that reaches SPARQL text goes through here, so a
    value such as ``urn:x> ; DROP ALL`` is refused rather than pasted.
    """
    if isinstance(iri, ox.NamedNode):
        return iri
    try:
        return ox.NamedNode(iri)
    except (ValueError, TypeError) as error:
        raise PmkgError(f"not a valid absolute IRI: {iri!r} ({error})") from None


def parse_error(source: str, fmt: Format, error: SyntaxError) -> RdfSyntaxError:
    """A one-line error naming the source; pyoxigraph's message carries line and column."""
    return RdfSyntaxError(f"{source}: malformed {fmt.label}: {error.msg}")


def sparql_data(triples: Iterable[ox.Triple | ox.Quad]) -> Iterator[str]:
    """Each triple as a line of SPARQL ``INSERT DATA`` (N-Triples term syntax)."""
    for t in triples:
        yield f"{t.subject} {t.predicate} {t.object} .\n"


def read_turtle(path: Path) -> list[ox.Triple]:
    """Parse a shipped Turtle file into triples, with a one-line error if it is missing or malformed."""
    if not Path(path).is_file():
        raise PmkgError(f"ontology file missing: {path}")
    try:
        quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        return [q.triple for q in quads]
    except SyntaxError as error:
        raise parse_error(str(path), Format.TURTLE, error) from None
