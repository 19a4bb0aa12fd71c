"""``pmkg validate``: check data against the SHACL shapes (imported only when it runs; see ``kg.cli_group``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox

from kg.backends import open_store
from kg.cli_options import store_option, wait_option
from kg.errors import PmkgError
from kg.namespaces import ONTOLOGY_GRAPH
from kg.store import SHAPES_GRAPH, Format


@click.command()
@store_option
@wait_option
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(store_dir: Path, wait: float, files: tuple[Path, ...]):
    """Check data against the SHACL shapes: FILES if given, else every graph of the store.

    The shapes describe one article's graph, so a store is checked graph by
    graph (the ontology and shapes graphs are skipped; kg.validate adds the
    ontology itself). Exit status 1 when anything does not conform.
    """
    import rdflib

    from kg.validate import validate_graph, validate_store

    if files:
        data = rdflib.Graph()
        for path in files:
            fmt = Format.from_path(path)
            if fmt is None:
                raise PmkgError(f"{path}: not an RDF file extension")
            data += _rdflib_parse(path.read_bytes(), str(path), fmt, base_iri=path.resolve().as_uri())
        result = validate_graph(data)
        click.echo(result.text.rstrip("\n"))
        if not result.conforms:
            sys.exit(1)
        return
    with open_store(store_dir, read_only=True, wait=wait) as store:
        results = validate_store(store, skip={SHAPES_GRAPH, ONTOLOGY_GRAPH})
    failing = [(graph, result) for graph, result in results if not result.conforms]
    for graph, result in failing:
        click.echo(f"<{graph}>:")
        for violation in result.violations:
            click.echo(f"  {violation.focus} {violation.path or ''}: {violation.message}")
    click.echo(f"checked {len(results)} graph(s): {len(results) - len(failing)} conform, {len(failing)} do not")
    if failing:
        sys.exit(1)


def _rdflib_parse(content: bytes, source: str, fmt: Format, base_iri: str | None = None):
    """Parse with pyoxigraph first (precise line/column errors), then hand N-Triples to rdflib."""
    import rdflib

    from kg.store import parse_error

    try:
        quads = ox.parse(content, fmt.ox, base_iri=base_iri)
        ntriples = ox.serialize((q.triple for q in quads), None, ox.RdfFormat.N_TRIPLES)
    except SyntaxError as error:
        raise parse_error(source, fmt, error) from None
    return rdflib.Graph().parse(data=ntriples, format="nt")
