"""A pmkg store on any SPARQL 1.1 server (Oxigraph server, Virtuoso, GraphDB, ...).

``RemoteStore`` has the public methods of ``kg.store.Store`` the commands
use, spoken over HTTP with the SPARQL 1.1 Protocol and Update
(``kg.remote_protocol`` makes the request texts):

* ``query`` sends the query to the query endpoint and returns pyoxigraph's
  result objects (solutions and booleans parsed from SPARQL JSON, triples
  from N-Triples), so callers do not care which store answered.
* ``replace_graphs`` is one SPARQL Update request, ``DROP SILENT GRAPH``
  then the new content, which the servers apply as one transaction: an
  article's graph is replaced whole or not at all.
* ``quads`` (and so ``dump`` and ``stream``) reads the dataset graph by
  graph, each a CONSTRUCT answered as N-Triples and parsed a batch of lines
  at a time: memory does not grow with the store.

Endpoints come from the store's URL by each server's conventions
(``kg.remote_protocol.endpoints``). Requests go through a
``kg.remote_http.Connection``: credentials only from ``PMKG_STORE_USER``
and ``PMKG_STORE_PASSWORD``, a time limit on every request
(``PMKG_STORE_TIMEOUT`` seconds) and a size limit on every answer read into
memory (``PMKG_STORE_MAX_BYTES``); failures are one line naming the server
and its shortened message.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterable, Iterator, Mapping

import httpx
import pyoxigraph as ox

from kg.config import is_url
from kg.errors import PmkgError, StoreError
from kg.remote_http import Connection, parse_answer
from kg.remote_protocol import (JSON_RESULTS, NTRIPLES, TSV_RESULTS, ServerTimeout, bind_values, endpoints,
                                is_graph_query, lines_of, media_type, replace_text, setting, shorten)
from kg.store import Format, Store, named_node

__all__ = ["RemoteStore", "ServerTimeout", "is_url"]

BATCH_LINES = 20_000
# The graphs a new Virtuoso database holds (its RDF views, the LDP vocabulary, its URIQA data)
VIRTUOSO_GRAPHS = frozenset({"http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                             "http://localuriqaserver/sparql"})
VIRTUOSO_REQUEST = 1000   # triples in one update request to Virtuoso (see replace_graphs)


class RemoteStore(Store):
    """A pmkg store held by the SPARQL 1.1 server at ``url``."""

    def __init__(self, url: str, *, read_only: bool = False, wait: float | None = None, on_wait=None,
                 timeout: float | None = None):
        self.url = url
        self.path = None
        self.read_only = read_only
        self._lock = None
        self._store = None
        self.endpoints = endpoints(url, with_credentials=setting("PMKG_STORE_USER") is not None)
        self._http = Connection(self.endpoints, timeout=timeout)
        self.timeout = self._http.timeout
        self.max_bytes = self._http.max_bytes

    @classmethod
    def create(cls, url: str, *, ontology=None, shapes=None, wait: float | None = None) -> RemoteStore:
        """Connect to the server and install (or upgrade) the ontology, shapes and reference graphs."""
        store = cls(url)
        try:
            store.load_ontology(ontology=ontology, shapes=shapes)
        except PmkgError:
            store.close()
            raise
        return store

    init = create

    # -- asking the server ----------------------------------------------------

    def _ask_server(self, sparql: str, *, accept: str, union: bool, default_graph=None, named_graphs=None,
                    substitutions=None, stream: bool = False, deadline: float | None = None,
                    server_timeout: float | None = None) -> httpx.Response:
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        if isinstance(default_graph, str):
            default_graph = [default_graph]
        form = [("query", sparql)]
        if union and self.endpoints.kind == "oxigraph" and default_graph is None and named_graphs is None:
            form.append(("union-default-graph", ""))   # Virtuoso's default graph is the union already
        form += [("default-graph-uri", named_node(g).value) for g in default_graph or []]
        form += [("named-graph-uri", named_node(g).value) for g in named_graphs or []]
        if server_timeout is not None and self.endpoints.kind == "virtuoso":
            form.append(("timeout", str(max(1, int(server_timeout * 1000)))))   # milliseconds
        return self._http.send(self.endpoints.query, form, accept=accept, stream=stream, deadline=deadline)

    def _parse(self, media: str, body: bytes, sparql: str):
        """pyoxigraph's results for an answer of media type ``media`` (``kg.remote_http.parse_answer``)."""
        return parse_answer(media, body, sparql, self.endpoints)

    # -- reading -------------------------------------------------------------

    def query(self, sparql: str, *, union_default_graph: bool = False, substitutions=None,
              default_graph: str | list[str] | None = None, named_graphs: list[str] | None = None):
        """Run a query on the server; pyoxigraph's result objects (``Triples`` for graphs).

        ``substitutions`` are bound with a ``VALUES`` block
        (``kg.remote_protocol.bind_values``).
        """
        accept = NTRIPLES if is_graph_query(sparql) else JSON_RESULTS
        response = self._ask_server(sparql, accept=accept, union=union_default_graph,
                                    default_graph=default_graph, named_graphs=named_graphs,
                                    substitutions=substitutions)
        return self._parse(media_type(response), response.content, sparql)

    def query_bounded(self, sparql: str, *, rows: int, max_bytes: int, deadline: float,
                      server_timeout: float | None = None, union_default_graph: bool = False,
                      default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
                      substitutions=None):
        """``(results, cut)``: the answer read only up to ``rows`` + 1 rows or triples and ``max_bytes`` bytes.

        For the web app. Answers of one row a line (the Oxigraph server's TSV,
        N-Triples) are cut at a line and the connection closed, so the server
        stops sending; a JSON answer (Virtuoso's SELECT) over ``max_bytes`` is
        an error. ``deadline`` seconds bound the whole answer, not each read.
        ``cut`` says the answer was cut at ``max_bytes``.
        """
        end = time.monotonic() + deadline
        if is_graph_query(sparql):
            accept = NTRIPLES
        else:   # only the Oxigraph server's TSV is the standard's (Virtuoso's quotes IRIs as strings)
            accept = f"{TSV_RESULTS}, {JSON_RESULTS};q=0.9" if self.endpoints.kind == "oxigraph" else JSON_RESULTS
        response = self._ask_server(sparql, accept=accept, union=union_default_graph, default_graph=default_graph,
                                    named_graphs=named_graphs, substitutions=substitutions, stream=True,
                                    deadline=deadline, server_timeout=server_timeout)
        media = media_type(response)
        if media not in (TSV_RESULTS, NTRIPLES):
            return self._parse(media, self._http.read(response, limit=max_bytes), sparql), False
        lines: list[bytes] = []
        size = 0
        try:
            for chunk_lines, chunk_size in lines_of(response, end, self.endpoints.query):
                lines.extend(chunk_lines)
                size += chunk_size
                if len(lines) > rows + 1 or size > max_bytes:
                    break
        finally:
            response.close()
        header = 1 if media == TSV_RESULTS and lines and lines[0].startswith(b"?") else 0
        return self._parse(media, b"\n".join(lines[: header + rows + 1]) + b"\n", sparql), size > max_bytes

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of the named graphs, or those of ``graph``, streamed graph by graph in batches."""
        graphs = self.named_graphs() if graph is None else [graph]
        for number, name in enumerate(graphs):
            yield from self._graph_quads(named_node(name), f"g{number}x")

    def _graph_quads(self, graph: ox.NamedNode, prefix: str) -> Iterator[ox.Quad]:
        """One graph's quads from a CONSTRUCT answered as N-Triples; blank nodes renamed apart per graph."""
        sparql = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        response = self._ask_server(sparql, accept=NTRIPLES, union=False, stream=True)
        rename = lambda t: ox.BlankNode(prefix + t.value) if isinstance(t, ox.BlankNode) else t  # noqa: E731
        try:
            if media_type(response) not in (NTRIPLES, "text/plain"):
                raise StoreError(f"the SPARQL server at {self.endpoints.query} did not answer in N-Triples")
            pending: list[bytes] = []
            for lines, _ in itertools.chain(lines_of(response, None, self.endpoints.query), [([], 0)]):
                pending.extend(lines)
                if len(pending) < BATCH_LINES and lines:
                    continue
                try:
                    parsed = list(ox.parse(b"\n".join(pending) + b"\n", ox.RdfFormat.N_TRIPLES))
                except SyntaxError as error:
                    raise StoreError(f"the SPARQL server at {self.endpoints.query} sent malformed N-Triples: "
                                     f"{shorten(error.msg, 200)}") from None
                pending = []
                for q in parsed:
                    yield ox.Quad(rename(q.subject), q.predicate, rename(q.object), graph)
        finally:
            response.close()

    def named_graphs(self) -> list[str]:
        """The named graphs of the store, sorted (on Virtuoso, without the graphs of its own)."""
        rows = self.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")   # Virtuoso: DISTINCT is slow
        own = VIRTUOSO_GRAPHS if self.endpoints.kind == "virtuoso" else ()
        return sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode) and row["g"].value not in own)

    def contains_graph(self, graph: str) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {named_node(graph)} {{ ?s ?p ?o }} }}"))

    def __len__(self) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        return int(rows[0]["n"].value) if rows else 0

    def dump(self, output=None, *, format: Format | str, graph: str | None = None) -> bytes | None:
        """Write the store (or ``graph``), streamed, as ``Store.dump`` does."""
        from kg.namespaces import PREFIXES

        fmt = format if isinstance(format, Format) else Format.from_label(format)
        prefixes = PREFIXES if fmt in (Format.TURTLE, Format.TRIG) else None
        if graph is not None and not self.contains_graph(graph):
            raise PmkgError(f"no graph <{graph}> in the store")
        quads = self.quads(graph)
        items = quads if fmt.keeps_graphs else (q.triple for q in quads)
        target = str(output) if isinstance(output, (str, os.PathLike)) else output
        try:
            return ox.serialize(items, target, fmt.ox, prefixes=prefixes)
        except OSError as error:
            raise PmkgError(f"cannot write {output}: {error}") from None

    def snapshot(self) -> Store:
        raise StoreError("a store on a SPARQL server is queried where it is, not copied")

    # -- writing -------------------------------------------------------------

    def update(self, sparql: str) -> None:
        """Send one SPARQL Update request (one transaction on the server)."""
        if self.read_only:
            raise StoreError(f"store {self.url} is open read-only")
        self._http.send(self.endpoints.update, [("update", sparql)])

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads (of named graphs) in one request."""
        groups: dict[str, list] = {}
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise PmkgError("a store on a SPARQL server keeps every triple in a named graph")
            groups.setdefault(quad.graph_name.value, []).append(quad)
        if groups:
            self.update(replace_text(groups, drop=False))

    def load(self, source, *, format: Format | str, graph: str | None = None) -> None:
        """Parse ``source`` here and add it to the server in one request."""
        from kg.store import parse_error

        fmt = format if isinstance(format, Format) else Format.from_label(format)
        if graph is None and not fmt.keeps_graphs:
            raise PmkgError("name the graph to load triples into (a store on a SPARQL server has no default graph)")
        name = str(source) if isinstance(source, (str, os.PathLike)) else "input"
        try:
            parsed = ox.parse(path=name, format=fmt.ox) if name != "input" else ox.parse(source, fmt.ox)
            target = None if graph is None else named_node(graph)
            quads = [ox.Quad(q.subject, q.predicate, q.object, target or q.graph_name) for q in parsed]
        except SyntaxError as error:
            raise parse_error(name, fmt, error) from None
        except OSError as error:
            raise PmkgError(f"{name}: cannot read: {error}") from None
        self.add(quads)

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple | ox.Quad]]) -> None:
        """Replace the graphs in one SPARQL Update request (``kg.remote_protocol.replace_text``).

        Virtuoso compiles a whole request into one code vector of limited
        size, so there a request of more than ``VIRTUOSO_REQUEST`` triples
        (the ontology, a large RDF file) is written graph by graph with the
        Graph Store Protocol (``PUT``), which Virtuoso does not apply as one
        transaction; article graphs are far smaller.
        """
        graphs = {g: [t.triple if isinstance(t, ox.Quad) else t for t in triples] for g, triples in graphs.items()}
        if self.endpoints.kind == "virtuoso" and sum(map(len, graphs.values())) > VIRTUOSO_REQUEST:
            for graph, triples in graphs.items():
                self._put(graph, triples)
            return
        text = replace_text(graphs)
        if text:
            self.update(text)

    def _put(self, graph: str, triples: list[ox.Triple]) -> None:
        """Replace one graph with a Graph Store Protocol PUT (N-Triples)."""
        if self.read_only:
            raise StoreError(f"store {self.url} is open read-only")
        body = ox.serialize(triples, None, ox.RdfFormat.N_TRIPLES)
        self._http.put(self.endpoints.gsp, named_node(graph).value, body)

    def remove_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {named_node(graph)}")

    def flush(self) -> None:
        """Nothing to do: the server has committed each request."""

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"<pmkg RemoteStore {self.url}{' read-only' if self.read_only else ''}>"
