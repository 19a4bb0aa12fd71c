"""Saved queries (queries/*.rq): the list, one page per query, its .json/.csv/.ttl twins and /openapi.json.

* ``/queries/`` lists the saved queries; ``/queries.json`` is the same list as
  a JSON array (name, summary, description, tags, form, parameters, query,
  chart, url), which the home page reads.
* ``/queries/NAME`` is a form with the query's parameters, the results table
  and its chart; ``/queries/NAME.json`` is the same page as JSON (the query's
  description, the values used, ``results`` as a SPARQL 1.1 JSON results
  document or ``turtle`` for CONSTRUCT, and ``chart`` data);
  ``/queries/NAME.csv`` the rows as CSV for a spreadsheet (formula-like cells
  neutralised, ``kg.web.spreadsheet``); ``/queries/NAME.ttl`` a CONSTRUCT's
  graph as Turtle.
* ``/openapi.json`` is an OpenAPI 3 document with one operation per saved query.

Parameters come from the URL (``?officer=https://...``) and are bound as RDF
terms by ``kg.saved_queries``; queries run like ``/sparql`` ones, through
the query guard and the executor, under the same time and row limits. The
``WIKIDATA_ENDPOINT`` setting (default Wikidata's) sends the federated saved
queries' SERVICE calls elsewhere; it must also be in ``SERVICE_ALLOWLIST``.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import NotFound

from kg import saved_queries
from kg.entities import href as entity_href
from kg.saved_queries import ParameterError, SavedQuery, UnknownQuery, shown_columns
from kg.web import service, spreadsheet, urls
from kg.web.errors import BadQuery
from kg.web.formats import FORMATS, by_extension
from kg.web.service import Answer

bp = Blueprint("queries", __name__)
PAGE_SIZE = 50   # result rows a page shows at a time (table.js pages them; without it, all rows)
NUMERIC = {"integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger",
           "positiveInteger", "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong"}
# The app's policy (kg.web.CONTENT_SECURITY_POLICY) and the page's own script: no inline script, nothing else.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
TWINS = {"json": "json", "csv": "csv", "ttl": "turtle"}   # a twin's extension -> its format
SCHEMAS = {"iri": {"type": "string", "format": "uri"}, "integer": {"type": "integer"},
           "date": {"type": "string", "format": "date"}, "en": {"type": "string"}, "string": {"type": "string"}}


@bp.after_request
def cors(response: Response) -> Response:
    if request.method in ("GET", "HEAD") and response.mimetype != "text/html":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _endpoint() -> str | None:
    return current_app.config.get("WIKIDATA_ENDPOINT") or None


def _entry(query: SavedQuery) -> dict:
    entry = query.as_dict(endpoint=_endpoint())
    entry["url"] = urls.external("queries.one", name=query.name)
    return entry


@bp.route("/queries/")
def index():
    entries = [_entry(q) for q in saved_queries.load_all().values()]
    return render_template("queries.html", queries=entries)


@bp.route("/queries.json")
def index_json():
    return jsonify([_entry(q) for q in saved_queries.load_all().values()])


@bp.route("/openapi.json")
def openapi():
    paths = {}
    for query in saved_queries.load_all().values():
        produces = {_twin(query).bare_type: {}}
        paths[f"/queries/{query.name}.json"] = {"get": {
            "operationId": query.name.replace("-", "_"),
            "summary": query.summary,
            "description": query.description + f"\n\nAlso as /queries/{query.name}.{_twin(query).extension}.",
            "tags": list(query.tags),
            "parameters": [_openapi_parameter(p) for p in query.parameters],
            "responses": {
                "200": {"description": "the query's description, the values used and the results",
                        "content": {"application/json": {}, **produces}},
                "400": {"description": "a parameter is missing or ill-typed (the message names it)"},
                "503": {"description": "the query did not finish within the time limit"},
            },
        }}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "pmkg saved queries", "version": "1",
                 "description": "Saved SPARQL queries over the pmkg knowledge graph of police misconduct."},
        "servers": [{"url": urls.base_url()}],
        "paths": paths,
    }
    return jsonify(document)


def _twin(query: SavedQuery):
    """The format of a saved query's file twin besides .json: CSV rows, or a graph's Turtle."""
    return FORMATS["turtle" if query.form in ("CONSTRUCT", "DESCRIBE") else "csv"]


def _openapi_parameter(parameter) -> dict:
    schema = dict(SCHEMAS[parameter.type])
    if parameter.enum:
        schema["enum"] = list(parameter.enum)
    out = {"name": parameter.name, "in": "query", "required": parameter.required,
           "description": saved_queries.describe_type(parameter.type), "schema": schema}
    if parameter.default is not None:
        out["example"] = parameter.default
    return out


@bp.route("/queries/<name>")
def one(name: str):
    base, dot, twin = name.rpartition(".")
    if dot and twin not in TWINS:
        raise NotFound(f"no such format .{twin}; use .json, .csv or .ttl")
    try:
        query = saved_queries.get(base if dot else name)
    except UnknownQuery as error:
        raise NotFound(str(error)) from None
    values = {p.name: request.args.get(p.name, "").strip() for p in query.parameters}
    if not dot:
        return _page(query, values)
    if twin == "json":
        return _json(query, values)
    if by_extension(twin) != _twin(query):
        raise NotFound(f"{query.name} is a {query.form} query: use .json or .{_twin(query).extension}")
    if twin == "csv":   # written here from JSON, with formula-like cells neutralised
        answer = spreadsheet.as_csv(run(query, values, "json"))
        response = Response(answer.body, content_type=answer.media_type,
                            headers={"Content-Disposition": f'attachment; filename="{query.name}.csv"'})
        return _with_truncation(response, answer)
    answer = run(query, values, TWINS[twin])
    return _with_truncation(Response(answer.body, content_type=answer.media_type), answer)


def _with_truncation(response: Response, answer: Answer) -> Response:
    if answer.truncated:
        response.headers["X-PMKG-Truncated"] = f"results cut at the row limit of {current_app.config['ROW_LIMIT']}"
    return response


def _json(query: SavedQuery, values: dict):
    answer = run(query, values, "json")
    out = _entry(query)
    out["values"] = {k: v for k, v in values.items() if v}
    out["truncated"] = answer.truncated
    if answer.kind == "graph":
        out["turtle"] = answer.body.decode("utf-8")
        out["results"] = None
    else:
        out["results"] = answer.data()
    out["chart"] = chart_data(query, out["results"])
    return _with_truncation(jsonify(out), answer)


def _page(query: SavedQuery, values: dict):
    missing = [p.name for p in query.parameters if p.required and not values[p.name]]
    given = urlencode({k: v for k, v in values.items() if v})
    twins = {twin: url_for("queries.one", name=f"{query.name}.{twin}") + (f"?{given}" if given else "")
             for twin in ("json", _twin(query).extension)}
    context = {"query": _entry(query), "values": values, "truncated": False, "ran": False, "twins": twins,
               "row_limit": current_app.config["ROW_LIMIT"], "names": [], "rows": [], "text": None,
               "boolean": None, "chart": None, "numeric": set(), "page_size": PAGE_SIZE}
    if missing and not any(values.values()):
        context["values"] = {p.name: p.default or "" for p in query.parameters}
        return _with_script(render_template("query_page.html", **context))
    answer = run(query, values, "json")
    context.update(ran=True, truncated=answer.truncated)
    if answer.kind == "graph":
        context["text"] = answer.body.decode("utf-8")
    else:
        results = answer.data()
        if answer.kind == "boolean":
            context["boolean"] = results["boolean"]
        else:
            names, rows = shown_columns(results["head"]["vars"]), results["results"]["bindings"]
            context.update(names=names, rows=rows, numeric=numeric_columns(names, rows))
        context["chart"] = chart_data(query, results)
        context["local"] = entity_href
    return _with_script(render_template("query_page.html", **context))


def _with_script(body: str) -> Response:
    """A query page loads one script of the app's own (``static/table.js``: sorting and paging)."""
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def numeric_columns(names: list[str], rows: list[dict]) -> set[str]:
    """The columns whose every value is a number (an xsd numeric literal): right-aligned, sorted as numbers."""
    found = set()
    for name in names:
        values = [row[name] for row in rows if name in row]
        if values and all(v.get("datatype", "").rpartition("#")[2] in NUMERIC for v in values):
            found.add(name)
    return found




def chart_data(query: SavedQuery, results: dict | None) -> dict | None:
    """The chart's points from SPARQL JSON results: {x, y, series} with bar widths, or, for a
    timeline, {x (a date), label, offset (0 to 1 along the time axis)} in date order."""
    if query.chart is None or not results or "results" not in results:
        return None
    chart = query.chart
    rows = results["results"]["bindings"]
    if chart.kind == "timeline":
        return {**chart.as_dict(), "points": timeline_points(rows, chart.x, chart.y)}
    points = []
    for row in rows:
        try:
            y = float(row[chart.y]["value"])
        except (KeyError, ValueError):
            continue
        x = row.get(chart.x, {}).get("value", "")
        series = row.get(chart.series, {}).get("value") if chart.series else None
        points.append({"x": x, "y": y, "series": series})
    top = max((p["y"] for p in points), default=0) or 1
    for point in points:
        point["width"] = round(max(point["y"], 0) / top * 400, 1)
    return {**chart.as_dict(), "points": points}


def timeline_points(rows: list[dict], x: str, y: str) -> list[dict]:
    """Dated events placed along a time axis, each (date, label) once however many articles
    report it; rows without a readable date are left out."""
    events = set()
    for row in rows:
        try:
            day = date.fromisoformat(row[x]["value"][:10])
        except (KeyError, ValueError):
            continue
        events.add((day, row.get(y, {}).get("value", "")))
    events = sorted(events)
    if not events:
        return []
    first, span = events[0][0], (events[-1][0] - events[0][0]).days or 1
    return [{"x": day.isoformat(), "label": label, "offset": round((day - first).days / span, 4)}
            for day, label in events]


def run(query: SavedQuery, values: dict, fmt: str) -> Answer:
    """Bind ``values``, check and run ``query`` (``fmt``: json, csv or turtle)."""
    try:
        substitutions = query.bind(values)
        text = query.text(endpoint=_endpoint())
    except ParameterError as error:
        raise BadQuery(str(error)) from None
    job = service.guarded(text, author=service.SAVED, tabular=fmt if fmt in ("json", "csv") else "json",
                          substitutions=substitutions)
    return service.run(job, timeout=float(current_app.config["QUERY_TIMEOUT"]))
