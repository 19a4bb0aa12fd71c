"""Running one query against a store into bytes (inside a worker, or for the server's executor).

``execute`` is what a worker process calls for each request: it runs the query
with pyoxigraph, stops after the row limit, and serialises in the format the
job chose (``kg.web.formats``). SELECT rows are first written as SPARQL JSON here (pyoxigraph
cannot serialise a truncated iterator) and re-serialised by pyoxigraph for
XML, CSV and TSV, so those formats are exactly pyoxigraph's.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from kg.errors import PmkgError, QuerySyntaxError
from kg.namespaces import PREFIXES
from kg.store import Store
from kg.web import query_guard
from kg.web.formats import FORMATS, HTML

# Entity IRIs have slashes after id/, which a prefixed name would have to escape.
OUTPUT_PREFIXES = {p: iri for p, iri in PREFIXES.items() if p != "pmkgid"}


def term_json(term) -> dict:
    """One RDF term in the SPARQL 1.1 JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {
            "subject": term_json(term.subject), "predicate": term_json(term.predicate), "object": term_json(term.object),
        }}
    raise PmkgError(f"cannot write the term {term!r}")


def _size(term) -> int:
    """About how many bytes a term takes in a result (its value plus markup)."""
    if isinstance(term, ox.Triple):
        return _size(term.subject) + _size(term.predicate) + _size(term.object)
    if isinstance(term, ox.Literal):
        return len(term.value) + len(term.datatype.value) + 40
    return len(term.value) + 30


_quote = json.encoder.encode_basestring    # a JSON string, non-ASCII kept (C code)
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_CACHED_TERMS = 50_000                       # terms whose JSON is kept while one result is written


def term_fragment(term) -> str:
    """``term_json(term)`` written out as JSON text, without building the dict."""
    if isinstance(term, ox.NamedNode):
        return '{"type":"uri","value":' + _quote(term.value) + "}"
    if isinstance(term, ox.Literal):
        if term.language:
            return '{"type":"literal","value":' + _quote(term.value) + ',"xml:lang":' + _quote(term.language) + "}"
        datatype = term.datatype.value
        if datatype != _XSD_STRING:
            return '{"type":"literal","value":' + _quote(term.value) + ',"datatype":' + _quote(datatype) + "}"
        return '{"type":"literal","value":' + _quote(term.value) + "}"
    return json.dumps(term_json(term), ensure_ascii=False)


def _solutions(results: ox.QuerySolutions, row_limit: int, byte_limit: int) -> tuple[bytes, bool, int]:
    """The rows as SPARQL 1.1 JSON results (UTF-8), whether they were cut, and how many were written.

    Written as text rather than through dicts and ``json.dumps``: at 10,000
    rows that took a third of a listing's time. A term seen again (a force,
    a status, an article) is written once and its text reused. The rows stop
    at ``row_limit`` or once the text written passes ``byte_limit`` characters.
    """
    names = [v.value for v in results.variables]
    keys = [_quote(name) + ":" for name in names]
    known: dict = {}
    rows: list[str] = []
    truncated = False
    size = 0
    for solution in results:
        if len(rows) >= row_limit or size > byte_limit:
            truncated = True
            break
        parts = []
        for key, value in zip(keys, solution):
            if value is None:
                continue
            written = known.get(value)
            if written is None:
                written = term_fragment(value)
                if len(known) < _CACHED_TERMS:
                    known[value] = written
            parts.append(key + written)
        row = "{" + ",".join(parts) + "}"
        size += len(row) + 1
        rows.append(row)
    head = '{"head":{"vars":[' + ",".join(_quote(name) for name in names) + ']},"results":{"bindings":['
    return (head + ",".join(rows) + "]}}").encode("utf-8"), truncated, len(rows)


def _graph(results: ox.QueryTriples, row_limit: int, byte_limit: int, fmt: str) -> tuple[bytes, bool, int]:
    triples = []
    truncated = False
    size = 0
    for triple in results:
        if len(triples) >= row_limit or size > byte_limit:
            truncated = True
            break
        triples.append(triple)
        size += _size(triple)
    rdf_format = FORMATS["turtle" if fmt == HTML else fmt].oxigraph
    items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if fmt == "trig" else triples
    prefixes = OUTPUT_PREFIXES if fmt in ("turtle", "trig", HTML) else None
    return ox.serialize(items, None, rdf_format, prefixes=prefixes), truncated, len(triples)


def _check(store: Store, request: dict) -> dict | None:
    """The guard's verdict, reached here in the worker under the query's deadline.

    None to run the query here; otherwise the answer to send back: a refusal,
    or ``federate`` for a query that calls an allowlisted SERVICE (run again by
    a federating worker; see ``kg.web.executor``).
    """
    check = request.get("check")
    if not check or request.get("federated"):
        return None
    try:
        info = query_guard.check(request["query"], allowlist=request["allowlist"],
                                 graphs=lambda: set(store.named_graphs()))
    except query_guard.Refused as refusal:
        return {"ok": False, "error": "refused", "message": str(refusal)}
    if request["union"] is None:
        request["union"] = not info.has_dataset_clause
    if info.needs_network:
        return {"ok": False, "error": "federate", "union": request["union"]}
    return None


SERVICE_FAILED = ("the query failed: a SERVICE call did not succeed (the remote endpoint could not be "
                  "reached, refused the request, answered with an error or a too large result, or took too long)")


def execute(store: Store, request: dict) -> dict:
    """Run one request (a ``kg.web.service.Job``'s ``wire()``) and return a picklable answer.

    ``request["substitutions"]``, if present, maps variable names (without
    ``?``) to pyoxigraph terms (which pickle) bound before evaluation: how
    saved queries (``kg.web.queries``) pass their parameters. ``check``
    asks for the query guard first (see ``_check``); ``union`` None means
    "the union of all graphs unless the query has FROM". Results are cut at
    ``row_limit`` rows or about ``result_bytes`` bytes (0: no byte limit).

    The answer (``kg.web.service.run`` reads it into an ``Answer``) is ``{"ok": True, "kind": "tabular"|"boolean"|"graph", "format", "body",
    "truncated", "rows"}`` or ``{"ok": False, "error": "syntax"|"failed"|"refused"|"memory"|"federate",
    "message"}``.
    """
    try:
        verdict = _check(store, request)
        if verdict is not None:
            return verdict
        union = request["union"]
        if union is None:
            union = query_guard.keyword_count(request["query"], query_guard.FROM) == 0
        results = store.query(
            request["query"],
            union_default_graph=union,
            default_graph=request["default_graph"],
            named_graphs=request["named_graphs"],
            substitutions=request.get("substitutions") or None,
        )
        row_limit = request["row_limit"]
        byte_limit = request.get("result_bytes") or float("inf")
        if isinstance(results, ox.QueryBoolean):
            fmt = request["tabular"]
            if fmt in (HTML, "json"):
                body = json.dumps({"head": {}, "boolean": bool(results)}).encode()
            else:
                body = results.serialize(format=FORMATS[fmt].oxigraph)
            return {"ok": True, "kind": "boolean", "format": fmt, "body": body, "truncated": False, "rows": 1}
        if isinstance(results, ox.QuerySolutions):
            fmt = request["tabular"]
            body, truncated, rows = _solutions(results, row_limit, byte_limit)
            if fmt not in (HTML, "json"):
                parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                body = parsed.serialize(format=FORMATS[fmt].oxigraph)
            return {"ok": True, "kind": "tabular", "format": fmt, "body": body, "truncated": truncated, "rows": rows}
        fmt = request["graph"]
        body, truncated, rows = _graph(results, row_limit, byte_limit, fmt)
        return {"ok": True, "kind": "graph", "format": fmt, "body": body, "truncated": truncated, "rows": rows}
    except QuerySyntaxError as error:
        return {"ok": False, "error": "syntax", "message": str(error)}
    except MemoryError:
        return {"ok": False, "error": "memory", "message": "the query needed more memory than its limit"}
    except (OSError, ValueError, RuntimeError, TypeError, PmkgError) as error:
        if request.get("federated"):
            return {"ok": False, "error": "failed", "message": SERVICE_FAILED}
        # Evaluation errors: one line, no trace. A plain worker reaches no address,
        # so a SERVICE error here says nothing about any host.
        message = " ".join(str(error).split())[:500] or type(error).__name__
        return {"ok": False, "error": "failed", "message": f"the query failed: {message}"}
