"""A pmkg store on any SPARQL 1.1 server (Oxigraph server, Virtuoso, GraphDB, ...).

``RemoteStore`` has the public methods of ``kg.store.Store`` the commands
use, spoken over HTTP with the SPARQL 1.1 Protocol and Update:

* ``query`` sends the query to the query endpoint and returns pyoxigraph's
  result objects (solutions and booleans parsed from SPARQL JSON, triples
  from N-Triples), so callers do not care which store answered.
* ``replace_graphs`` is one SPARQL Update request, ``DROP SILENT GRAPH``
  then ``INSERT DATA``, which the servers apply as one transaction: an
  article's graph is replaced whole or not at all.
* ``quads`` (and so ``dump`` and ``stream``) reads the dataset with one
  SELECT answered as TSV and parsed a batch of lines at a time: memory does
  not grow with the store.

Endpoints come from the store's URL by each server's conventions (see
``endpoints``) unless ``PMKG_STORE_QUERY_URL``, ``PMKG_STORE_UPDATE_URL``
or ``PMKG_STORE_GSP_URL`` say otherwise. Credentials come only from
``PMKG_STORE_USER`` and ``PMKG_STORE_PASSWORD`` (a URL with a user name or
password in it is refused, so they never appear on a command line). Every
request has a time limit (``PMKG_STORE_TIMEOUT`` seconds) and every answer
read into memory a size limit (``PMKG_STORE_MAX_BYTES``); failures are one
line naming the server and its shortened message.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from kg.errors import PmkgError, QuerySyntaxError, StoreError
from kg.store import Format, Store, named_node, sparql_data

JSON_RESULTS = "application/sparql-results+json"
TSV_RESULTS = "text/tab-separated-values"
NTRIPLES = "application/n-triples"
DEFAULT_TIMEOUT = 300.0
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
MESSAGE_CHARS = 300
BATCH_ROWS = 20_000
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


BOUNDED_ACCEPT = f"{TSV_RESULTS}, {NTRIPLES};q=0.9, {JSON_RESULTS};q=0.8"


class ServerTimeout(StoreError):
    """The server did not answer within the time limit, or stopped the query at its own limit."""


def is_url(target) -> bool:
    """True if ``target`` names a SPARQL server (an http(s) URL) rather than a store folder."""
    return isinstance(target, str) and target.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Endpoints:
    kind: str          # "virtuoso" or "oxigraph" (the conventions that gave the URLs)
    query: str
    update: str
    gsp: str
    auth: str          # "digest" or "basic"


def _setting(name: str) -> str | None:
    return os.environ.get(name) or None


def endpoints(url: str, *, with_credentials: bool) -> Endpoints:
    """The query, update and Graph Store Protocol URLs for the store at ``url``.

    Virtuoso (a URL ending in ``/sparql``): queries at ``/sparql``, updates at
    ``/sparql-auth`` with credentials (digest authentication) or ``/sparql``
    without, the Graph Store at ``/sparql-graph-crud-auth``. Otherwise the
    Oxigraph server's: ``/query``, ``/update``, ``/store`` under the URL (a URL
    ending in ``/query`` is read as the Oxigraph server's query endpoint).
    ``PMKG_STORE_QUERY_URL``, ``PMKG_STORE_UPDATE_URL``, ``PMKG_STORE_GSP_URL``
    and ``PMKG_STORE_AUTH`` (basic or digest) override each.
    """
    parts = urlsplit(url)
    if not parts.hostname:
        raise StoreError(f"{url}: not a SPARQL server URL")
    if parts.username is not None or parts.password is not None:
        raise StoreError("put the store's user name and password in PMKG_STORE_USER and PMKG_STORE_PASSWORD, "
                         "not in its URL")
    path = parts.path.rstrip("/")
    root = lambda p: urlunsplit((parts.scheme, parts.netloc, p, "", ""))  # noqa: E731
    if path.endswith("/sparql"):
        base = path[: -len("/sparql")]
        found = Endpoints("virtuoso", root(path), root(base + ("/sparql-auth" if with_credentials else "/sparql")),
                          root(base + "/sparql-graph-crud-auth"), "digest")
    else:
        if path.endswith("/query"):
            path = path[: -len("/query")]
        found = Endpoints("oxigraph", root(path + "/query"), root(path + "/update"), root(path + "/store"), "basic")
    auth = (_setting("PMKG_STORE_AUTH") or found.auth).lower()
    if auth not in ("basic", "digest"):
        raise StoreError(f"PMKG_STORE_AUTH must be basic or digest, not {auth!r}")
    return Endpoints(found.kind, _setting("PMKG_STORE_QUERY_URL") or found.query,
                     _setting("PMKG_STORE_UPDATE_URL") or found.update,
                     _setting("PMKG_STORE_GSP_URL") or found.gsp, auth)


def _number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise StoreError(f"{name} must be a number, not {value!r}") from None
    if not number > 0:
        raise StoreError(f"{name} must be more than 0, not {value!r}")
    return number


def shorten(text: str, limit: int = MESSAGE_CHARS) -> str:
    """A server's error text on one line, without markup, at most ``limit`` characters."""
    text = re.sub(r"<[^>]{0,200}>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Triples(list):
    """The triples of a CONSTRUCT or DESCRIBE answer (what ``ox.QueryTriples`` is for the embedded store)."""


_WHERE = re.compile(r"(?<![\w?$:])WHERE(?![\w:])", re.IGNORECASE)
_CONSTRUCT = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:|BASE)\s*)*CONSTRUCT\b", re.IGNORECASE)


def bind_values(sparql: str, substitutions: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """``sparql`` with ``VALUES`` binding ``substitutions`` at the start of its WHERE group.

    The servers have no way to bind variables before evaluation as
    pyoxigraph does; a ``VALUES`` block first in the query's group gives the
    same answers for patterns and FILTERs of that group (not for FILTERs
    inside nested groups or subqueries, which are evaluated before the join).
    """
    from kg.web.query_guard import _SKIP

    if not substitutions:
        return sparql
    blank = _SKIP.sub(lambda m: " " * len(m.group()), sparql)  # same length, strings and IRIs blanked
    start = 0
    if _CONSTRUCT.match(blank):
        where = _WHERE.search(blank)
        start = where.end() if where else 0
    brace = blank.find("{", start)
    if brace < 0:
        raise QuerySyntaxError("malformed query: no group graph pattern to bind parameters in")
    names = " ".join(f"?{name}" for name in substitutions)
    values = " ".join(str(term) for term in substitutions.values())
    return f"{sparql[: brace + 1]} VALUES ({names}) {{ ({values}) }} {sparql[brace + 1:]}"


class RemoteStore(Store):
    """A pmkg store held by the SPARQL 1.1 server at ``url``."""

    def __init__(self, url: str, *, read_only: bool = False, wait: float | None = None, on_wait=None,
                 timeout: float | None = None):
        self.url = url
        self.path = None
        self.read_only = read_only
        self._lock = None
        self._store = None
        user, password = _setting("PMKG_STORE_USER"), os.environ.get("PMKG_STORE_PASSWORD", "")
        self.endpoints = endpoints(url, with_credentials=user is not None)
        self.timeout = timeout or _number("PMKG_STORE_TIMEOUT", DEFAULT_TIMEOUT)
        self.max_bytes = int(_number("PMKG_STORE_MAX_BYTES", DEFAULT_MAX_BYTES))
        auth = None
        if user is not None:
            auth = httpx.DigestAuth(user, password) if self.endpoints.auth == "digest" else httpx.BasicAuth(user, password)
        self._client = httpx.Client(auth=auth, timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
                                    headers={"User-Agent": "pmkg/0.1.0 (https://w3id.org/pmkg)"},
                                    follow_redirects=False, trust_env=False)

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

    # -- HTTP ----------------------------------------------------------------

    def _send(self, method: str, url: str, *, accept: str | None = None, stream: bool = False,
              deadline: float | None = None, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if accept:
            headers["Accept"] = accept
        timeout = None if deadline is None else httpx.Timeout(deadline, connect=min(deadline, 10.0))
        if timeout is not None:
            kwargs["timeout"] = timeout
        if self._client is None:
            raise PmkgError("the store is closed")
        try:
            request = self._client.build_request(method, url, headers=headers, **kwargs)
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise ServerTimeout(f"the SPARQL server at {url} did not answer within "
                                f"{deadline or self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL server at {url}: {shorten(str(error), 200)}") from None
        if response.status_code >= 300:
            text = self._read(response, limit=64 * 1024, cut=True).decode("utf-8", "replace")
            raise self._failure(url, response.status_code, text)
        if response.headers.get("X-SQL-State", "").upper().startswith("S1TAT"):
            # Virtuoso's "anytime" answer: partial results after its time limit; never pass them off as whole
            response.close()
            raise ServerTimeout(f"the SPARQL server at {url} stopped the query at its time limit")
        if not stream:
            response._content = self._read(response)
        return response

    def _failure(self, url: str, status: int, text: str) -> PmkgError:
        if status == 401:
            given = "the credentials in PMKG_STORE_USER and PMKG_STORE_PASSWORD were refused" \
                if _setting("PMKG_STORE_USER") else "set PMKG_STORE_USER and PMKG_STORE_PASSWORD"
            return StoreError(f"the SPARQL server at {url} asks for authentication (401): {given}")
        if status == 403:
            return StoreError(f"the SPARQL server at {url} refused the request (403): {shorten(text)}")
        if status == 400 and re.search(r"pars|syntax|lexical|unexpected|expected", text, re.IGNORECASE):
            return QuerySyntaxError(f"the SPARQL server at {url} refused the request as malformed: {shorten(text)}")
        return StoreError(f"the SPARQL server at {url} answered {status}: {shorten(text) or 'no message'}")

    def _read(self, response: httpx.Response, *, limit: int | None = None, cut: bool = False) -> bytes:
        """The body, at most ``limit`` bytes (``max_bytes``): cut, or a StoreError when over."""
        limit = limit or self.max_bytes
        chunks, size = [], 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    if cut:
                        chunks.append(chunk[: len(chunk) - (size - limit)])
                        break
                    raise StoreError(f"the answer of the SPARQL server at {response.request.url} is larger than "
                                     f"{limit} bytes (PMKG_STORE_MAX_BYTES)")
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise ServerTimeout(f"the SPARQL server at {response.request.url} did not finish its answer "
                                "within the time limit") from None
        except httpx.HTTPError as error:
            raise StoreError(f"the SPARQL server at {response.request.url} broke off its answer: "
                             f"{shorten(str(error), 200)}") from None
        finally:
            response.close()
        return b"".join(chunks)

    def _query_request(self, sparql: str, *, accept: str, union: bool, default_graph=None, named_graphs=None,
                       stream: bool = False, deadline: float | None = None, server_timeout: float | None = None):
        params: list[tuple[str, str]] = []
        if union and self.endpoints.kind == "oxigraph" and default_graph is None and named_graphs is None:
            params.append(("union-default-graph", ""))   # Virtuoso's default graph is the union already
        for graph in default_graph or []:
            params.append(("default-graph-uri", named_node(graph).value))
        for graph in named_graphs or []:
            params.append(("named-graph-uri", named_node(graph).value))
        if server_timeout is not None and self.endpoints.kind == "virtuoso":
            params.append(("timeout", str(max(1, int(server_timeout * 1000)))))   # milliseconds
        return self._send("POST", self.endpoints.query, accept=accept, params=params, stream=stream,
                          deadline=deadline, content=sparql.encode("utf-8"),
                          headers={"Content-Type": "application/sparql-query; charset=utf-8"})

    # -- reading -------------------------------------------------------------

    def query(self, sparql: str, *, union_default_graph: bool = False, substitutions=None,
              default_graph: str | list[str] | None = None, named_graphs: list[str] | None = None,
              deadline: float | None = None, server_timeout: float | None = None):
        """Run a query on the server; pyoxigraph's result objects (``Triples`` for graphs).

        ``deadline`` bounds this request in seconds (default ``PMKG_STORE_TIMEOUT``);
        ``server_timeout`` asks the server to stop the query itself where it can (Virtuoso).
        """
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        if isinstance(default_graph, str):
            default_graph = [default_graph]
        accept = f"{JSON_RESULTS}, {NTRIPLES};q=0.9"
        response = self._query_request(sparql, accept=accept, union=union_default_graph,
                                       default_graph=default_graph, named_graphs=named_graphs,
                                       deadline=deadline, server_timeout=server_timeout)
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        return self._parse(media, response.content, sparql)

    def query_bounded(self, sparql: str, *, rows: int, max_bytes: int, deadline: float,
                      server_timeout: float | None = None, union_default_graph: bool = False,
                      default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
                      substitutions=None):
        """``(results, cut)``: the answer read only up to ``rows`` + 1 rows or triples and ``max_bytes`` bytes.

        For the web app: results come as TSV or N-Triples, one row a line, so
        the answer can be cut at a line and the connection closed (the server
        stops sending). ``deadline`` seconds bound the whole answer, not
        each read. ``cut`` says the answer was cut at ``max_bytes``.
        """
        import time

        end = time.monotonic() + deadline
        if substitutions:
            sparql = bind_values(sparql, substitutions)
        response = self._query_request(sparql, accept=BOUNDED_ACCEPT, union=union_default_graph,
                                       default_graph=default_graph, named_graphs=named_graphs, stream=True,
                                       deadline=deadline, server_timeout=server_timeout)
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in (TSV_RESULTS, NTRIPLES):
            body = self._read(response, limit=max_bytes)
            return self._parse(media, body, sparql), False
        lines: list[bytes] = []
        cut = False
        size = 0
        pending = b""
        try:
            for chunk in response.iter_bytes():
                if time.monotonic() > end:
                    raise ServerTimeout(f"the SPARQL server at {self.endpoints.query} did not finish its answer "
                                        "within the time limit")
                parts = (pending + chunk).split(b"\n")
                pending = parts.pop()
                lines.extend(parts)
                size += len(chunk)
                if len(lines) > rows + 1 or size > max_bytes:
                    cut = size > max_bytes
                    pending = b""
                    break
        except httpx.TimeoutException:
            raise ServerTimeout(f"the SPARQL server at {self.endpoints.query} did not finish its answer "
                                "within the time limit") from None
        except httpx.HTTPError as error:
            raise StoreError(f"the SPARQL server at {self.endpoints.query} broke off its answer: "
                             f"{shorten(str(error), 200)}") from None
        finally:
            response.close()
        if pending.strip():
            lines.append(pending)
        header = 1 if media == TSV_RESULTS and lines and lines[0].startswith(b"?") else 0
        lines = lines[: header + rows + 1]
        return self._parse(media, b"\n".join(lines) + b"\n", sparql), cut

    def _parse(self, media: str, body: bytes, sparql: str):
        """pyoxigraph's results for an answer of media type ``media``."""
        from kg.web.query_guard import is_update

        try:
            if media in (NTRIPLES, "text/plain", "text/turtle", "application/turtle"):
                fmt = ox.RdfFormat.N_TRIPLES if media != "text/turtle" else ox.RdfFormat.TURTLE
                return Triples(q.triple for q in ox.parse(body, fmt))
            if media in (JSON_RESULTS, "application/json"):
                return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if media == TSV_RESULTS:
                return ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
        except SyntaxError as error:
            raise StoreError(f"the SPARQL server at {self.endpoints.query} sent a malformed answer: "
                             f"{shorten(str(error.msg), 200)}") from None
        if is_update(sparql):
            raise QuerySyntaxError("malformed query: this is an update, not a query")
        raise StoreError(f"the SPARQL server at {self.endpoints.query} answered with {media or 'no media type'}, "
                         "not SPARQL results")

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad of the named graphs, or those of ``graph``, streamed in batches."""
        if graph is None:
            return self._stream_quads(ALL_QUADS, None)
        return self._stream_quads(f"SELECT ?s ?p ?o WHERE {{ GRAPH {named_node(graph)} {{ ?s ?p ?o }} }}",
                                  named_node(graph))

    def _stream_quads(self, sparql: str, graph: ox.NamedNode | None) -> Iterator[ox.Quad]:
        response = self._query_request(sparql, accept=TSV_RESULTS, union=False, stream=True)
        try:
            lines = response.iter_lines()
            header = next(lines, "")
            if not header.startswith("?"):
                raise StoreError(f"the SPARQL server at {self.endpoints.query} did not answer in TSV")
            while True:
                batch = list(itertools.islice(lines, BATCH_ROWS))
                if not batch:
                    return
                text = "\n".join([header, *batch]) + "\n"
                try:
                    rows = ox.parse_query_results(text.encode("utf-8"), format=ox.QueryResultsFormat.TSV)
                except SyntaxError as error:
                    raise StoreError(f"the SPARQL server at {self.endpoints.query} sent a malformed answer: "
                                     f"{shorten(str(error.msg), 200)}") from None
                for row in rows:
                    yield ox.Quad(row["s"], row["p"], row["o"], graph if graph is not None else row["g"])
        except httpx.HTTPError as error:
            raise StoreError(f"the SPARQL server at {self.endpoints.query} broke off its answer: "
                             f"{shorten(str(error), 200)}") from None
        finally:
            response.close()

    def named_graphs(self) -> list[str]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode))

    def contains_graph(self, graph: str) -> bool:
        return bool(self.query(f"ASK {{ GRAPH {named_node(graph)} {{ ?s ?p ?o }} }}"))

    def __len__(self) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"))
        return int(rows[0]["n"].value) if rows else 0

    def dump(self, output=None, *, format: Format | str, graph: str | None = None) -> bytes | None:
        """Write the store (or ``graph``) streamed, as ``Store.dump`` does."""
        fmt = format if isinstance(format, Format) else Format.from_label(format)
        from kg.namespaces import PREFIXES

        prefixes = PREFIXES if fmt in (Format.TURTLE, Format.TRIG) else None
        if graph is not None and not self.contains_graph(graph):
            raise PmkgError(f"no graph <{graph}> in the store")
        quads = self.quads(graph)
        items = quads if fmt.keeps_graphs else (q.triple for q in quads)
        try:
            return ox.serialize(items, None if output is None else str(output) if not hasattr(output, "write")
                                else output, fmt.ox, prefixes=prefixes)
        except OSError as error:
            raise PmkgError(f"cannot write {output}: {error}") from None

    def snapshot(self) -> Store:
        raise StoreError("a store on a SPARQL server is queried where it is, not copied")

    # -- writing -------------------------------------------------------------

    def update(self, sparql: str) -> None:
        """Send one SPARQL Update request (one transaction on the server)."""
        if self.read_only:
            raise StoreError(f"store {self.url} is open read-only")
        self._send("POST", self.endpoints.update, content=sparql.encode("utf-8"),
                   headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def add(self, quads: Iterable[ox.Quad]) -> None:
        groups: dict[str, list[str]] = {}
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise PmkgError("a store on a SPARQL server keeps every triple in a named graph")
            groups.setdefault(str(quad.graph_name), []).append(f"{quad.subject} {quad.predicate} {quad.object} .\n")
        if groups:
            body = "".join(f"GRAPH {g} {{\n{''.join(lines)}}}\n" for g, lines in groups.items())
            self.update("INSERT DATA {\n" + body + "}\n")

    def load(self, source, *, format: Format | str, graph: str | None = None) -> None:
        """Parse ``source`` here and add it to the server in one request."""
        fmt = format if isinstance(format, Format) else Format.from_label(format)
        if graph is None and not fmt.keeps_graphs:
            raise PmkgError("name the graph to load triples into (a store on a SPARQL server has no default graph)")
        target = None if graph is None else named_node(graph)
        try:
            parsed = ox.parse(path=str(source), format=fmt.ox) if isinstance(source, (str, os.PathLike)) \
                else ox.parse(source, fmt.ox)
            quads = [ox.Quad(q.subject, q.predicate, q.object, target or q.graph_name) for q in parsed]
        except SyntaxError as error:
            from kg.store import parse_error
            raise parse_error(str(source) if isinstance(source, (str, os.PathLike)) else "input", fmt, error) from None
        self.add(quads)

    def replace_graphs(self, graphs: Mapping[str, Iterable[ox.Triple | ox.Quad]]) -> None:
        """Replace the graphs in one SPARQL Update request (``DROP SILENT GRAPH`` then ``INSERT DATA``)."""
        names = {graph: named_node(graph) for graph in graphs}
        parts = [f"DROP SILENT GRAPH {node} ;\n" for node in names.values()]
        body = [f"GRAPH {names[g]} {{\n{lines}}}\n" for g, t in graphs.items() if (lines := "".join(sparql_data(t)))]
        if body:
            parts.append("INSERT DATA {\n" + "".join(body) + "}\n")
        if parts:
            self.update("".join(parts))

    def remove_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {named_node(graph)}")

    def flush(self) -> None:
        """Nothing to do: the server has committed each request."""

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __repr__(self) -> str:
        return f"<pmkg RemoteStore {self.url}{' read-only' if self.read_only else ''}>"
