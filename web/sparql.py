"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (query operation only, read-only).

A request is read (``kg.web.protocol``), checked (``kg.web.query_guard``),
run as a ``kg.web.service`` job (admitted by the fair queue, run under its
time and row limits on the embedded store or the server) and answered in the
negotiated format (``kg.web.formats``). A GET without a
query answers RDF clients with the Service Description and browsers with a
page holding a query form.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from kg.web import service, service_description, spreadsheet, urls
from kg.web.errors import BadQuery
from kg.web.formats import FORMATS, GRAPH, HTML, TABULAR, accept_table, of_form
from kg.web.protocol import negotiate, read
from kg.web.service import Answer

bp = Blueprint("sparql", __name__)
PAGE_FORMATS = [HTML] + [f.name for f in of_form(TABULAR) + of_form(GRAPH) if f.name != HTML]


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
            raise BadQuery("give exactly one query parameter")
        return describe()
    dataset_given = bool(query.default_graphs or query.named_graphs)
    # the store's graph list only when the request names graphs: on a server it is a scan of the store
    graphs = service.graphs() if dataset_given else frozenset()
    unknown = [g for g in query.default_graphs + query.named_graphs if g not in graphs]
    for_spreadsheet = spreadsheet.wanted(request.values, query.tabular)   # CSV from JSON, formulas neutralised
    job = service.guarded(query.query, author=service.CLIENT, tabular="json" if for_spreadsheet else query.tabular,
                          graph=query.graph)
    if unknown:
        raise BadQuery(f"no graph <{unknown[0]}> in the store")
    if dataset_given:
        job.union, job.default_graph, job.named_graphs = False, query.default_graphs, query.named_graphs
    answer = service.run(job, timeout=query.timeout)
    return _respond(spreadsheet.as_csv(answer) if for_spreadsheet else answer, query.query)


def _respond(answer: Answer, text: str) -> Response:
    if answer.format == HTML:
        return _page(answer, text)
    response = Response(answer.body, content_type=answer.media_type)
    if answer.truncated:
        response.headers["X-PMKG-Truncated"] = f"results cut at the row limit of {current_app.config['ROW_LIMIT']}"
    return response


def _page(answer: Answer, text: str) -> str:
    config = current_app.config
    values = {"kind": answer.kind, "truncated": answer.truncated, "row_limit": config["ROW_LIMIT"],
              "query": text, "formats": PAGE_FORMATS, "timeout": config["QUERY_TIMEOUT"]}
    if answer.kind == "graph":
        values.update(text=answer.body.decode("utf-8"), count=answer.rows)
    else:
        data = answer.data()
        if answer.kind == "boolean":
            values["boolean"] = data["boolean"]
        else:
            values.update(names=data["head"]["vars"], rows=data["results"]["bindings"])
    return render_template("results.html", **values)


def describe():
    """The Service Description for RDF clients, the query page for browsers."""
    config = current_app.config
    fmt = negotiate(request, accept_table(GRAPH), "turtle")
    if fmt == HTML:
        return render_template("sparql.html", query=_example(), formats=PAGE_FORMATS,
                               timeout=config["QUERY_TIMEOUT"], row_limit=config["ROW_LIMIT"])
    triples = service_description.triples(
        urls.external("sparql.endpoint"), graphs=sorted(service.graphs()), federated=bool(config["SERVICE_ALLOWLIST"])
    )
    return Response(service_description.serialize(triples, FORMATS[fmt].oxigraph), content_type=FORMATS[fmt].media_type)


def _example() -> str:
    return (
        "SELECT ?graph (COUNT(*) AS ?triples)\n"
        "WHERE { GRAPH ?graph { ?s ?p ?o } }\n"
        "GROUP BY ?graph\nORDER BY ?graph\n"
    )
