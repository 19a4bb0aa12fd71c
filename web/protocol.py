"""Reading a SPARQL 1.1 Protocol query request: the query, the dataset, the format and the time limit.

The three ways of sending a query (https://www.w3.org/TR/sparql11-protocol/#query-operation):
GET with ``?query=``, POST ``application/x-www-form-urlencoded`` with ``query=``
in the body, and POST ``application/sparql-query`` with the query as the
body. ``default-graph-uri`` and ``named-graph-uri`` may be repeated; they
come from the body of a form POST and from the URL otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from kg.web import formats
from kg.web.errors import BadQuery
from kg.web.formats import GRAPH, TABULAR

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

TABULAR_TYPES = formats.accept_table(TABULAR)   # Accept media types -> format names, best first
GRAPH_TYPES = formats.accept_table(GRAPH)


@dataclass
class QueryRequest:
    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    tabular: str          # the format for SELECT and ASK results
    graph: str            # the format for CONSTRUCT and DESCRIBE results
    timeout: float
    format_given: bool    # an explicit format= parameter was given


def _params(request: Request) -> tuple[MultiDict, str | None]:
    """The parameters that count and the query text, or refuse the request."""
    if request.method in ("GET", "HEAD"):   # HEAD is answered like GET, without the body
        return request.args, _one_query(request.args.getlist("query"))
    mimetype = request.mimetype
    if mimetype == FORM:
        form = request.form
        if "update" in form:
            raise BadQuery("this endpoint is read-only: SPARQL Update is refused")
        merged = MultiDict(list(request.args.items(multi=True)) + list(form.items(multi=True)))
        return merged, _one_query(merged.getlist("query"))
    if mimetype == DIRECT:
        if "query" in request.args:
            raise BadQuery("send the query either in the body or as the query parameter, not both")
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"send the query in UTF-8, as the SPARQL Protocol requires, not {charset}")
        try:
            text = request.get_data(cache=False).decode("utf-8")
        except UnicodeDecodeError:
            raise BadQuery("the query is not valid UTF-8") from None
        return request.args, text
    if mimetype == UPDATE:
        raise UnsupportedMediaType("this endpoint is read-only: SPARQL Update is refused")
    raise UnsupportedMediaType(
        f"POST a query as {FORM} (query=...) or as {DIRECT}; {mimetype or 'no content type'} is not accepted"
    )


def _one_query(values: list[str]) -> str | None:
    if len(values) > 1:
        raise BadQuery("give exactly one query parameter")
    return values[0] if values else None


def _formats(request: Request, params: MultiDict) -> tuple[str, str, bool]:
    values = [v.strip().lower() for v in params.getlist("format") if v.strip()]
    if values:
        for value in values:
            tabular, graph = formats.by_param(value)
            if (tabular, graph) != (None, None):
                return (tabular or negotiate(request, TABULAR_TYPES, "json"),
                        graph or negotiate(request, GRAPH_TYPES, "turtle"), True)
        raise BadQuery(f"unknown format {values[0]!r}; use one of {', '.join(formats.NAMES)}")
    return negotiate(request, TABULAR_TYPES, "json"), negotiate(request, GRAPH_TYPES, "turtle"), False


def negotiate(request: Request, types: dict[str, str], default: str) -> str:
    """The format the Accept header prefers among ``types`` (its first entry on a tie or no header)."""
    if not request.accept_mimetypes:
        return default
    best = request.accept_mimetypes.best_match(list(types))
    return types.get(best, default) if best else default


def _timeout(params: MultiDict, limit: float) -> float:
    value = params.get("timeout")
    if value is None or value == "":
        return limit
    try:
        seconds = float(value)
    except ValueError:
        raise BadQuery(f"timeout must be a number of seconds, not {value!r}") from None
    if not seconds > 0:
        raise BadQuery("timeout must be more than 0 seconds")
    return min(seconds, limit)


def read(request: Request, *, timeout_limit: float, max_bytes: int | None = None) -> QueryRequest:
    """The query request in ``request``; raises BadQuery, RequestEntityTooLarge or UnsupportedMediaType.

    ``max_bytes`` bounds the query text however it came (a body is bounded
    before it is read by the app's MAX_CONTENT_LENGTH; a URL only here).
    """
    if max_bytes is not None and request.content_length is not None and request.content_length > max_bytes:
        raise RequestEntityTooLarge(f"the request is larger than this endpoint's limit of {max_bytes} bytes")
    params, query = _params(request)
    if query is not None and not query.strip():
        raise BadQuery("the query is empty")
    if max_bytes is not None and query is not None and len(query) > max_bytes:
        raise RequestEntityTooLarge(f"the query is longer than this endpoint's limit of {max_bytes} bytes")
    tabular, graph, given = _formats(request, params)
    return QueryRequest(
        query=query,
        default_graphs=params.getlist("default-graph-uri"),
        named_graphs=params.getlist("named-graph-uri"),
        tabular=tabular,
        graph=graph,
        timeout=_timeout(params, timeout_limit),
        format_given=given,
    )
