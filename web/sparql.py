"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (query operation only, read-only).

A request is read (``kg.web.protocol``), checked (``kg.web.query_guard``),
admitted by the fair queue (``kg.web.admission``), run in a worker under
its time and row limits (``kg.web.executor``) and
answered in the negotiated format (``kg.web.results``). A GET without a
query answers RDF clients with the Service Description and browsers with a
page holding a query form.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, ServiceUnavailable

from kg.errors import StoreError
from kg.web import admission, query_guard, service_description, spreadsheet, urls
from kg.web.admission import executor  # noqa: F401 - kg.web.entities and queries use it from here
from kg.web.executor import Busy, QueryTimeout, WorkerFailed
from kg.web.protocol import GRAPH_TYPES, read, negotiate
from kg.web.results import GRAPH, HTML, TABULAR

bp = Blueprint("sparql", __name__)
PAGE_FORMATS = [HTML, *TABULAR, *GRAPH]


class QueryFailed(HTTPException):
    code = 500
    description = "the query failed"


def _graphs() -> frozenset[str]:
    try:
        return executor().graphs()
    except StoreError as error:
        raise ServiceUnavailable(str(error)) from None


@bp.after_request
def cors(response: Response) -> Response:
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    config = current_app.config
    query = read(request, timeout_limit=float(config["QUERY_TIMEOUT"]), max_bytes=int(config["MAX_REQUEST_BYTES"]))
    if query.query is None:
        if request.method == "POST":
            raise BadRequest("give exactly one query parameter")
        return describe()
    graphs = _graphs()
    try:
        scan = query_guard.precheck(query.query)
    except query_guard.Refused as refusal:
        raise BadRequest(str(refusal)) from None
    unknown = [g for g in query.default_graphs + query.named_graphs if g not in graphs]
    if unknown:
        raise BadRequest(f"no graph <{unknown[0]}> in the store")
    dataset_given = bool(query.default_graphs or query.named_graphs)
    for_spreadsheet = spreadsheet.wanted(request.values, query.tabular)   # CSV from JSON, formulas neutralised
    job = {
        "query": query.query,
        "check": scan.needs_check,
        "union": False if dataset_given else (None if scan.dataset else True),
        "default_graph": query.default_graphs if dataset_given else None,
        "named_graphs": query.named_graphs if dataset_given else None,
        "row_limit": int(config["ROW_LIMIT"]),
        "tabular": "json" if for_spreadsheet else query.tabular,
        "graph": query.graph,
    }
    try:
        answer = admission.run(job, timeout=query.timeout, network=scan.services > 0)
    except (QueryTimeout, Busy) as error:
        raise ServiceUnavailable(str(error)) from None
    except StoreError as error:
        raise ServiceUnavailable(str(error)) from None
    except WorkerFailed as error:
        raise QueryFailed(str(error)) from None
    if not answer["ok"]:
        if answer["error"] == "refused":
            raise BadRequest(answer["message"])
        if answer["error"] == "syntax":
            refused = query_guard.is_update(query.query)
            raise BadRequest(query_guard.UPDATE_REFUSED if refused else answer["message"])
        raise QueryFailed(answer["message"])
    return _respond(spreadsheet.as_csv(answer) if for_spreadsheet else answer, query.query)


def _respond(answer: dict, text: str) -> Response:
    fmt = answer["format"]
    if fmt == HTML:
        return _page(answer, text)
    media_type = TABULAR[fmt][1] if answer["kind"] != "graph" else GRAPH[fmt][1]
    response = Response(answer["body"], content_type=media_type)
    if answer["truncated"]:
        response.headers["X-PMKG-Truncated"] = f"results cut at the row limit of {current_app.config['ROW_LIMIT']}"
    return response


def _page(answer: dict, text: str) -> str:
    config = current_app.config
    values = {"kind": answer["kind"], "truncated": answer["truncated"], "row_limit": config["ROW_LIMIT"],
              "query": text, "formats": PAGE_FORMATS, "timeout": config["QUERY_TIMEOUT"]}
    if answer["kind"] == "graph":
        values.update(text=answer["body"].decode("utf-8"), count=answer["rows"])
    else:
        data = json.loads(answer["body"])
        if answer["kind"] == "boolean":
            values["boolean"] = data["boolean"]
        else:
            values.update(names=data["head"]["vars"], rows=data["results"]["bindings"])
    return render_template("results.html", **values)


def describe():
    """The Service Description for RDF clients, the query page for browsers."""
    config = current_app.config
    fmt = negotiate(request, GRAPH_TYPES, "turtle")
    if fmt == HTML:
        return render_template("sparql.html", query=_example(), formats=PAGE_FORMATS,
                               timeout=config["QUERY_TIMEOUT"], row_limit=config["ROW_LIMIT"])
    triples = service_description.triples(
        urls.external("sparql.endpoint"), graphs=sorted(_graphs()), federated=bool(config["SERVICE_ALLOWLIST"])
    )
    rdf_format, media_type = GRAPH[fmt]
    return Response(service_description.serialize(triples, rdf_format), content_type=media_type)


def _example() -> str:
    return (
        "SELECT ?graph (COUNT(*) AS ?triples)\n"
        "WHERE { GRAPH ?graph { ?s ?p ?o } }\n"
        "GROUP BY ?graph\nORDER BY ?graph\n"
    )
