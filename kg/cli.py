"""The ``pmkg`` command line: init, ingest, query, export, validate, docs.

Expected failures are raised as ``PmkgError`` anywhere in kg/ and reported
here, in one place, as a one-line error with a non-zero exit.

Starting is kept fast: this module imports only click, pyoxigraph and the
store; each command imports what it needs when it runs, and the command
groups of other packages (``kg.cli_group.LAZY_COMMANDS``: serve, link,
cases, follow, review, withdraw, restore, users) are imported only when they are run or asked for their help. Nothing that does
not extract loads spaCy, and nothing that does not need them loads rdflib,
owlready2 or Flask (tests/test_imports.py checks).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pyoxigraph as ox

from kg.errors import PmkgError
from kg.namespaces import ONTOLOGY_GRAPH, PREFIXES
from kg.backends import create_store, local_folder, open_store, store_exists
from kg.store import SHAPES_GRAPH, Format, Store
from kg.cli_group import LAZY_COMMANDS, MainGroup, PmkgGroup  # noqa: F401 - kg.cli's names since before
from kg.cli_options import IRI, store_option, wait_option

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
# Entity IRIs have slashes after the id/ namespace, which Turtle would have to escape
# in a prefixed name: they are clearer written out in full.
TURTLE_PREFIXES = {p: iri for p, iri in PREFIXES.items() if p != "pmkgid"}
EXPORT_FORMATS = [Format.TURTLE, Format.TRIG, Format.NQUADS, Format.JSONLD]


@click.group(cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pmkg")
def main():
    """pmkg: a knowledge graph of police misconduct built from news reporting."""


@main.command()
@store_option
@wait_option
def init(store_dir: Path, wait: float):
    """Create a store (or upgrade its ontology) and load the ontology and shapes."""
    from kg.reference import REFERENCE_GRAPH

    existed = store_exists(store_dir)
    with create_store(store_dir, wait=wait) as store:
        onto = len(list(store.quads(ONTOLOGY_GRAPH)))
        shapes = len(list(store.quads(SHAPES_GRAPH)))
        reference = len(list(store.quads(REFERENCE_GRAPH)))
    verb = "updated" if existed else "created"
    click.echo(f"{verb} store {store_dir}")
    click.echo(f"loaded {onto} ontology triples into <{ONTOLOGY_GRAPH}>")
    click.echo(f"loaded {shapes} shape triples into <{SHAPES_GRAPH}>")
    click.echo(f"loaded {reference} reference triples (forces and bodies) into <{REFERENCE_GRAPH}>")


@main.command()
@store_option
@wait_option
@click.option("--graph", type=IRI,
              help="Put the triples of all the RDF files into this named graph (an absolute IRI; replacing it).")
@click.option("--workers", "-j", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes that extract articles in parallel.")
@click.option("--dask", "scheduler", metavar="SCHEDULER",
              help="Extract on the Dask cluster of this scheduler (tcp://HOST:8786); needs pmkg[cluster].")
@click.option("--dask-timeout", type=click.FloatRange(1, 86400), default=600, show_default=True,
              help="Seconds an article may take on the cluster before it is reported failed and cancelled.")
@click.option("--dask-in-flight", type=click.IntRange(1, 1024), default=None,
              help="Articles sent to the cluster and not yet back, at most (default: its worker threads).")
@click.option("--progress/--quiet", "-p/-q", default=None,
              help="Show the progress bar even when standard error is not a terminal / never show it "
                   "(default: shown on a terminal).")
@click.option("--urls", "url_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A file of web addresses to fetch and read, one a line (# starts a comment; - is standard input).")
@click.argument("paths", nargs=-1)
def ingest(store_dir: Path, wait: float, graph: str | None, workers: int, scheduler: str | None,
           dask_timeout: float, dask_in_flight: int | None, progress: bool | None,
           url_file: Path | None, paths: tuple[str, ...]):
    """Load files and folders (searched recursively) into the store, creating it if missing.

    News articles (.txt, .html, .htm, or no extension; - reads one from
    standard input) are read, their facts extracted and written as one graph
    per article, whose IRI is the article's: reading an article again
    replaces its graph. RDF is read by extension: .ttl, .trig, .nq, .nt,
    .jsonld, .rdf/.owl. Named graphs in TriG and N-Quads are kept; other
    triples go into --graph or into https://w3id.org/pmkg/graph/file/NAME
    (the file's name alone: no folder of this machine is published), and
    relative IRIs resolve against that graph.
    Each article, and each RDF file under 1 MiB, is one transaction; a
    bigger RDF file is parsed whole first, then bulk-loaded (a crash part-way
    is rolled back by the next command that writes). A bad file is reported
    on one line and skipped, the others still load, and the exit status is
    then 1.

    With --dask, article files are read here and their bytes sent to the
    cluster's workers (which need pmkg installed, not these files); their
    graphs are written here as they come back.

    Web addresses (http:// or https://, or listed in --urls FILE) are fetched
    politely (see README: PMKG_CONTACT, PMKG_FETCH_DELAY), archived as WARC
    under the store folder and read like saved HTML; an unchanged page is
    not written again.
    """
    from kg.cluster import DaskSettings
    from kg.fetch.cli import is_web_address, read_url_file, run_urls
    from kg.ingest import find_files, ingest as run_ingest, is_article

    urls = [p for p in paths if is_web_address(p)] + (read_url_file(url_file) if url_file else [])
    paths = tuple(Path(p) for p in paths if not is_web_address(p))
    if not paths and not urls:
        raise click.UsageError("give files, folders, - or web addresses to ingest (or --urls FILE)")
    if scheduler is not None and workers > 1:
        raise click.UsageError("give --workers or --dask, not both")
    dask = DaskSettings(scheduler, dask_timeout, dask_in_flight) if scheduler is not None else None

    archive_dir = local_folder(store_dir, "reading web pages (their WARC archive)") if urls else None
    if not store_exists(store_dir):
        create_store(store_dir, wait=wait).close()
        click.echo(f"created store {store_dir}", err=True)
    stdin = Path("-") in paths
    paths = tuple(p for p in paths if p != Path("-"))
    bar = None
    if progress is not False:
        total = sum(1 for p in find_files(paths) if p.exists() and is_article(p))
        bar = progress_bar(total, force=bool(progress)) if total else None

    def report_failure(path: Path, reason: str) -> None:
        (bar.write if bar is not None else lambda m: click.echo(m, err=True))(f"skipped: {reason}")

    with open_store(store_dir, wait=wait) as store:
        report = run_ingest(store, paths, graph=graph, workers=workers, dask=dask, on_failure=report_failure,
                            progress=(lambda done: bar.update(1)) if bar is not None else None)
        problems = report.failed + (report.articles.skipped + report.articles.failed if report.articles else 0)
        if stdin:
            problems += _ingest_stdin(store)
        if urls:
            problems += run_urls(store, archive_dir, urls)
        store.flush()
    if bar is not None:
        bar.close()
    if paths:
        click.echo(report.summary())
    if problems:
        sys.exit(1)


def progress_bar(total: int, *, force: bool):
    """A progress bar of ``total`` articles on standard error: on a terminal, or always if ``force``.

    Its size is the terminal's, or 80 columns and 24 rows where the terminal
    does not say (a pseudo-terminal of size 0x0, on which tqdm would draw
    nothing, or ``--progress`` into a file); it stays on screen when done.
    """
    import shutil

    from tqdm import tqdm

    if not force and not sys.stderr.isatty():
        return None
    size = shutil.get_terminal_size((80, 24))
    return tqdm(total=total, unit="article", file=sys.stderr, disable=False, leave=True,
                ncols=size.columns or 80, nrows=size.lines or 24, mininterval=0.2)


def _ingest_stdin(store: Store) -> int:
    """Extract the article on standard input into the store; return 1 if it was skipped."""
    from kg.batch import extract_bytes
    from kg.reader import STDIN_LOCATION

    result = extract_bytes(sys.stdin.buffer.read(), location=STDIN_LOCATION)
    if result.status != "ok":
        click.echo(f"skipped: standard input: {result.reason}", err=True)
        return 1
    from kg.cases import refresh as refresh_cases
    from kg.review import publish_extracted

    refused = publish_extracted(store, result.graph, result.quads(), result.text)
    if refused is not None:
        click.echo(f"skipped: standard input: {refused}", err=True)
        return 0
    refresh_cases(store)
    click.echo(f"standard input: wrote {result.triples} triples into <{result.graph}>")
    return 0


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["turtle", "json"]), default="turtle", show_default=True,
              help="turtle: the article's graph as pmkg would store it; json: a flat summary of the facts.")
@click.argument("source", type=click.Path(path_type=Path))
def extract(fmt: str, source: Path):
    """Print the facts of one article (SOURCE, or - for standard input) without touching any store."""
    from kg.batch import extract_bytes, extract_chunk
    from kg.reader import STDIN_LOCATION

    if source == Path("-"):
        result = extract_bytes(sys.stdin.buffer.read(), location=STDIN_LOCATION)
    else:
        result = extract_chunk([str(source)])[0]
    if result.status != "ok":
        raise PmkgError(result.reason or f"{source}: cannot read")
    triples = [q.triple for q in result.quads()]
    if fmt == "turtle":
        ox.serialize(triples, sys.stdout.buffer, ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
    else:
        from kg.summary import summarise

        click.echo(summarise(result.graph, triples))
    sys.stdout.flush()


@main.command()
@store_option
@wait_option
@click.option(
    "--format", "-f", "fmt", type=click.Choice([*RESULT_FORMATS, "table"]), default="table", show_default=True,
    help="Results format for SELECT and ASK (json is SPARQL 1.1 JSON results).",
)
@click.argument("query_file", type=click.File("r", encoding="utf-8"))
def query(store_dir: Path, wait: float, fmt: str, query_file):
    """Run the SPARQL query in QUERY_FILE (or - for stdin).

    The default graph is the union of all named graphs, so plain patterns
    match everything and GRAPH ?g { ... } finds where a fact comes from.
    CONSTRUCT and DESCRIBE print Turtle.
    """
    text = query_file.read()
    with open_store(store_dir, read_only=True, wait=wait) as store:
        results = store.query(text, union_default_graph=True)
        out = sys.stdout.buffer
        if not isinstance(results, (ox.QuerySolutions, ox.QueryBoolean)):  # triples
            ox.serialize(results, out, ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES)
        elif fmt == "table":
            out.write(render_table(results).encode("utf-8"))
        else:
            results.serialize(out, RESULT_FORMATS[fmt])
            if fmt in ("json", "xml"):
                out.write(b"\n")
        out.flush()


def short(term) -> str:
    """A term as a reader would write it: prefixed name, plain literal, _:bnode."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, iri in PREFIXES.items():
            if term.value.startswith(iri) and len(term.value) > len(iri):
                return f"{prefix}:{term.value[len(iri):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def render_table(results) -> str:
    """SELECT results as an aligned text table; ASK as true/false."""
    if isinstance(results, ox.QueryBoolean):
        return f"{'true' if bool(results) else 'false'}\n"
    from kg.saved_queries import shown_columns

    names = shown_columns([v.value for v in results.variables])   # parameter variables are not columns
    rows = [[short(solution[name]) for name in names] for solution in results]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = lambda cells: " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(names), "-+-".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


@main.command()
@store_option
@wait_option
@click.option(
    "--format", "-f", "fmt", type=click.Choice([f.label for f in EXPORT_FORMATS]), default="turtle",
    show_default=True, help="trig and nquads keep every named graph; turtle and jsonld write one graph or the union.",
)
@click.option("--graph", type=IRI, help="Export only this named graph (an absolute IRI).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Output file (default stdout).")
@click.option("--void/--no-void", default=True, show_default=True,
              help="With -o, also write a VoID description of the dataset beside it (FILE stem + .void.ttl).")
@click.option("--dump-url", type=IRI,
              help="Where FILE will be published: the VoID description's void:dataDump (none without it).")
def export(store_dir: Path, wait: float, fmt: str, graph: str | None, output: Path | None, void: bool,
           dump_url: str | None):
    """Write the store as RDF, streamed (memory does not grow with the store).

    Turtle and JSON-LD write the union of all graphs (a triple held by
    several graphs may be repeated) or the one --graph. JSON-LD is written
    flat (expanded, no context or framing). With -o, a VoID description
    (triples, entities per class, links to Wikidata and data.police.uk,
    licence, last modified) is written beside the file; it names the dump
    only by the --dump-url given, never by the local path.
    """
    with open_store(store_dir, read_only=True, wait=wait) as store:
        if output is None:
            store.dump(sys.stdout.buffer, format=fmt, graph=graph)
            sys.stdout.buffer.flush()
            return
        store.dump(output, format=fmt, graph=graph)
        if void:
            from kg import void as void_description

            description = output.with_name(output.name.split(".")[0] + ".void.ttl")
            description.write_bytes(void_description.serialize(
                void_description.describe(store, dumps=[dump_url] if dump_url else [])))
            click.echo(f"wrote {output} and its VoID description {description}", err=True)


@main.command()
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("docs/ontology"), show_default=True, help="Folder to write the HTML into.")
def docs(output_dir: Path):
    """Build the ontology and vocabulary documentation (HTML) from the shipped ontology files."""
    from kg.docs import build

    click.echo(f"wrote {build(output_dir)}")


@main.command("search")
@store_option
@wait_option
@click.option("--rebuild", is_flag=True, help="Rebuild the search index from the store first.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@click.argument("text", required=False, default="")
def search_command(store_dir: Path, wait: float, rebuild: bool, limit: int, text: str):
    """Search the store's full-text index for TEXT (officers, forces and bodies, cases, articles)."""
    from kg import search

    folder = local_folder(store_dir, "the search index")
    if rebuild:
        with open_store(store_dir, read_only=True, wait=wait) as store:
            click.echo(f"indexed {search.rebuild(store)} document(s)")
    if text or not rebuild:
        for hit in search.search(search.index_path(folder), text, limit):
            title = search.plain(hit.title)[0]
            click.echo(f"{hit.kind}\t{title}\t{hit.detail}\t<{hit.iri}>")
