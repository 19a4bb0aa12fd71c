"""The web page: YASGUI on the home page, pointed at /sparql, with the saved queries beside it.

Routes:

``/``
    The home page: the YASGUI editor (``web/static/home.js`` wires it up), the
    saved queries beside it, downloads of the results and a chart for saved
    queries that declare one.
``/vendor/<name>/<path>``
    The built files of the browser libraries installed by ``npm ci`` (run by
    ``scripts/setup.sh``): ``yasgui`` is ``@zazuko/yasgui/build`` and
    ``chart.js`` is ``chart.js/dist``. Only files under those folders are
    served; they are never copied into the repository.
``/prefixes.json``
    The project's prefixes (``kg.namespaces.PREFIXES``), preloaded in the editor.
``/ontology/terms.json``
    The classes and properties of ``ontology/pmkg.ttl`` with their labels, for
    the editor's completion (instead of YASGUI's calls to a third-party service).

The ``node_modules`` folder is the setting ``NODE_MODULES`` (read like the other settings: instance file or environment);
None (the default) means ``node_modules`` at the root of the repository.

The page's responses carry their own Content-Security-Policy (``PAGE_CSP``):
the app's policy plus scripts, fetches and fonts from the app itself.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from kg import resources
from kg.namespaces import PREFIXES
from kg.web.errors import error_response

bp = Blueprint("page", __name__)

REPOSITORY = Path(__file__).resolve().parent.parent
# Library name in /vendor/<name>/ -> its folder under node_modules.
VENDOR = {
    "yasgui": "@zazuko/yasgui/build",
    "chart.js": "chart.js/dist",
}
# YASGUI 4.6.2's table (its column resizer) adds two constant <style> elements: the
# grips' rules and, while a column is dragged, "*{cursor:col-resize!important}".
# They are allowed by their hashes rather than by 'unsafe-inline'.
YASGUI_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk=' 'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='"
)
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; "
    f"style-src 'self' {YASGUI_STYLE_HASHES}; img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# Routes the saved-queries blueprint may give its JSON list; the page uses the one the app has.
SAVED_QUERIES_ROUTES = ("/queries/.json", "/queries.json")
MISSING = ("The editor's files are not installed: {folder} is missing. "
           "Run scripts/setup.sh (it runs npm ci) from the repository, or set the NODE_MODULES setting.")

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = PREFIXES["rdfs"]
OWL = PREFIXES["owl"]
SKOS = PREFIXES["skos"]
CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty", RDF + "Property"}


def node_modules() -> Path:
    """The node_modules folder: the setting NODE_MODULES, or the repository's."""
    configured = current_app.config.get("NODE_MODULES")
    return Path(configured) if configured else REPOSITORY / "node_modules"


def _with_csp(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def _saved_queries_url() -> str | None:
    rules = {rule.rule for rule in current_app.url_map.iter_rules()}
    return next((route for route in SAVED_QUERIES_ROUTES if route in rules), None)


@bp.route("/")
def home():
    folder = node_modules()
    missing = [name for name, sub in VENDOR.items() if not (folder / sub).is_dir()]
    body = render_template(
        "home.html",
        missing=MISSING.format(folder=folder) if missing else None,
        saved_queries_url=_saved_queries_url() or "",
        entity_base="/id/",
    )
    return _with_csp(Response(body, content_type="text/html; charset=utf-8"))


@bp.route("/vendor/<name>/<path:filename>")
def vendor(name: str, filename: str):
    """A file of an installed library; send_from_directory refuses paths that leave the folder."""
    if name not in VENDOR:
        return _error(404, f"no library {name!r}; the page uses {', '.join(sorted(VENDOR))}")
    folder = node_modules() / VENDOR[name]
    if not folder.is_dir():
        return _error(503, MISSING.format(folder=folder))
    response = send_from_directory(folder, filename, max_age=3600)
    return _with_csp(response)


def _error(status: int, message: str) -> Response:
    return error_response(status, "Not Found" if status == 404 else "Not Installed", message)


@bp.route("/prefixes.json")
def prefixes():
    return _json(PREFIXES)


@bp.route("/ontology/terms.json")
def terms():
    return _json(ontology_terms(str(resources.ontology_dir() / "pmkg.ttl")))


def _json(data) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return _with_csp(Response(body, content_type="application/json; charset=utf-8"))


@functools.lru_cache(maxsize=4)
def ontology_terms(path: str) -> dict:
    """The classes and properties declared in an ontology file, each with its IRI, label and definition."""
    import rdflib

    graph = rdflib.Graph().parse(path, format="turtle")
    found: dict[str, dict[str, dict]] = {"classes": {}, "properties": {}}
    for subject, kind in graph.subject_objects(rdflib.RDF.type):
        if not isinstance(subject, rdflib.URIRef):
            continue
        group = "classes" if str(kind) in CLASS_TYPES else "properties" if str(kind) in PROPERTY_TYPES else None
        if group:
            found[group][str(subject)] = {
                "iri": str(subject),
                "label": _text(graph, subject, (rdflib.RDFS.label, rdflib.SKOS.prefLabel)),
                "definition": _text(graph, subject, (rdflib.SKOS.definition, rdflib.RDFS.comment)),
            }
    return {group: sorted(items.values(), key=lambda term: term["iri"]) for group, items in found.items()}


def _text(graph, subject, predicates) -> str:
    """The English (or untagged) value of the first predicate that has one, else ''."""
    for predicate in predicates:
        values = list(graph.objects(subject, predicate))
        for value in values:
            if getattr(value, "language", None) in ("en", None):
                return str(value)
    return ""
