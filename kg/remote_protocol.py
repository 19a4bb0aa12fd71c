"""The SPARQL 1.1 Protocol as pmkg speaks it to a server: endpoints, credentials, messages, request texts.

Used by ``kg.remote_store``; nothing here sends a request (``lines_of`` reads an answer). Servers differ,
so what is sent is what every one of them reads: queries and updates as
HTML-form POSTs (``query=``, ``update=``; Virtuoso 7.2 leaves a direct
``application/sparql-query`` body unread), results asked for as SPARQL JSON
or N-Triples (TSV only from the Oxigraph server, whose TSV is the
standard's), blank nodes in updates only in ``INSERT {...} WHERE {}``
(Virtuoso refuses them in ``INSERT DATA``).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from kg.errors import QuerySyntaxError, StoreError
from kg.store import named_node

JSON_RESULTS = "application/sparql-results+json"
TSV_RESULTS = "text/tab-separated-values"
NTRIPLES = "application/n-triples"
MESSAGE_CHARS = 300
CHUNK = 400   # triples per operation of an update


class ServerTimeout(StoreError):
    """The server did not answer within the time limit, or stopped the query at its own limit."""


@dataclass(frozen=True)
class Endpoints:
    kind: str          # "virtuoso", "oxigraph" or "generic" (the conventions that gave the URLs)
    query: str
    update: str
    gsp: str
    auth: str          # "digest" or "basic"


def setting(name: str) -> str | None:
    return os.environ.get(name) or None


def endpoints(url: str, *, with_credentials: bool) -> Endpoints:
    """The query, update and Graph Store Protocol URLs for the store at ``url``, and the server's kind.

    * ``virtuoso``, a URL ending in ``/sparql``: queries at ``/sparql``,
      updates at ``/sparql-auth`` with credentials (digest authentication) or
      ``/sparql`` without, the Graph Store at ``/sparql-graph-crud-auth``;
    * ``oxigraph``, a URL with no path or ending in ``/query``: the Oxigraph
      server's ``/query``, ``/update`` and ``/store``;
    * ``generic``, any other URL: queries and updates at the URL itself.

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
    elif path == "" or path.endswith("/query"):
        path = path[: -len("/query")] if path.endswith("/query") else path
        found = Endpoints("oxigraph", root(path + "/query"), root(path + "/update"), root(path + "/store"), "basic")
    else:
        found = Endpoints("generic", root(path), root(path), root(path), "basic")
    auth = (setting("PMKG_STORE_AUTH") or found.auth).lower()
    if auth not in ("basic", "digest"):
        raise StoreError(f"PMKG_STORE_AUTH must be basic or digest, not {auth!r}")
    return Endpoints(found.kind, setting("PMKG_STORE_QUERY_URL") or found.query,
                     setting("PMKG_STORE_UPDATE_URL") or found.update,
                     setting("PMKG_STORE_GSP_URL") or found.gsp, auth)


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


_BNODE_ID = re.compile(r"[^A-Za-z0-9_]")


_FORM = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:|BASE)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def is_graph_query(sparql: str) -> bool:
    """True for CONSTRUCT and DESCRIBE (answered as N-Triples), False for SELECT, ASK and anything unclear."""
    from kg.web.query_guard import bare_text

    match = _FORM.match(bare_text(sparql))
    return bool(match) and match.group(1).upper() in ("CONSTRUCT", "DESCRIBE")


def normalise_json(body: bytes) -> bytes:
    """SPARQL JSON results as pyoxigraph reads them, from Virtuoso's too.

    Virtuoso 7.2 labels blank nodes ``nodeID://b1`` and answers an ASK sent
    as a form POST as a SELECT of one variable ``__ASK_RETVAL`` (1 or 0).
    """
    if b'"bnode"' not in body and b"__ASK_RETVAL" not in body:
        return body
    data = json.loads(body)
    if (data.get("head") or {}).get("vars") == ["__ASK_RETVAL"]:
        bindings = (data.get("results") or {}).get("bindings") or [{}]
        value = (bindings[0].get("__ASK_RETVAL") or {}).get("value", "0")
        return json.dumps({"head": {}, "boolean": value not in ("0", "false")}).encode("utf-8")
    for row in (data.get("results") or {}).get("bindings") or []:
        for term in row.values():
            if isinstance(term, dict) and term.get("type") == "bnode":
                term["value"] = "v" + _BNODE_ID.sub("_", str(term.get("value", "")))
    return json.dumps(data).encode("utf-8")


def replace_text(graphs: Mapping[str, Iterable[ox.Triple | ox.Quad]], *, chunk: int = CHUNK, drop: bool = True) -> str:
    """One SPARQL Update request that replaces each graph: ``DROP SILENT GRAPH`` each, then the new content.

    The content goes into operations of at most about ``chunk`` triples
    (Virtuoso compiles each operation to SQL and refuses very long ones):
    ``INSERT DATA`` for triples without blank nodes, ``INSERT {...} WHERE {}``
    for those with (Virtuoso refuses blank nodes in ``INSERT DATA``). A blank
    node's label holds only within one operation, so the triples that share
    blank nodes (across the graphs too) are kept in one. Graph names are
    checked IRIs and the data N-Triples terms: nothing is pasted as text.
    ``drop=False`` only adds.
    """
    names = {graph: named_node(graph) for graph in graphs}
    ops = [f"DROP SILENT GRAPH {node}" for node in names.values()] if drop else []
    plain: list[tuple[ox.NamedNode, ox.Triple]] = []
    groups: dict[str, list[tuple[ox.NamedNode, ox.Triple]]] = {}
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    with_blanks = []
    for graph, triples in graphs.items():
        for t in triples:
            t = t.triple if isinstance(t, ox.Quad) else t
            blanks = [x.value for x in (t.subject, t.object) if isinstance(x, ox.BlankNode)]
            if not blanks:
                plain.append((names[graph], t))
                continue
            for other in blanks[1:]:
                parent[root(other)] = root(blanks[0])
            with_blanks.append((names[graph], t, blanks[0]))
    for node, t, label in with_blanks:
        groups.setdefault(root(label), []).append((node, t))
    for start in range(0, len(plain), chunk):
        ops.append("INSERT DATA {\n" + _graph_blocks(plain[start:start + chunk]) + "}")
    batch: list[tuple[ox.NamedNode, ox.Triple]] = []
    for group in [*groups.values(), []]:
        if (not group and batch) or (batch and len(batch) + len(group) > chunk):
            ops.append("INSERT {\n" + _graph_blocks(batch) + "} WHERE {}")
            batch = []
        batch.extend(group)
    return " ;\n".join(ops) + "\n" if ops else ""


def _graph_blocks(items: list[tuple[ox.NamedNode, ox.Triple]]) -> str:
    """``GRAPH <g> { ... }`` blocks for (graph, triple) pairs, in order of first appearance."""
    blocks: dict[str, list[str]] = {}
    for node, t in items:
        blocks.setdefault(str(node), []).append(f"{t.subject} {t.predicate} {t.object} .\n")
    return "".join(f"GRAPH {g} {{\n{''.join(lines)}}}\n" for g, lines in blocks.items())


def media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def lines_of(response: httpx.Response, end: float | None, url: str) -> Iterator[tuple[list[bytes], int]]:
    """The body as (complete lines, bytes read) per chunk; ServerTimeout past ``end`` (time.monotonic)."""
    pending = b""
    try:
        for chunk in response.iter_bytes():
            if end is not None and time.monotonic() > end:
                raise ServerTimeout(f"the SPARQL server at {url} did not finish its answer within the time limit")
            parts = (pending + chunk).split(b"\n")
            pending = parts.pop()
            yield parts, len(chunk)
    except httpx.TimeoutException:
        raise ServerTimeout(f"the SPARQL server at {url} did not finish its answer within the time limit") from None
    except httpx.HTTPError as error:
        raise StoreError(f"the SPARQL server at {url} broke off its answer: {shorten(str(error), 200)}") from None
    if pending.strip():
        yield [pending], 0
