"""Entity pages: every IRI the graph mints dereferences here (HTML, Turtle, JSON-LD, N-Triples), ontology documentation, downloads and the VoID description.

Routes:

``/id/<path>``
    The entity ``https://w3id.org/pmkg/id/<path>``: an HTML page for browsers,
    Turtle, JSON-LD or N-Triples by ``Accept`` or by a ``.ttl``, ``.jsonld`` or
    ``.nt`` suffix. An article's path with ``.trig`` or ``.nq`` gives the
    article's whole named graph. A ``#`` in a minted IRI is written ``%23``.
    A withdrawn article (``pmkg withdraw``), in every format and with every
    IRI minted inside it, answers 410 Gone with the date and the reason
    (``kg.web.withdrawals``).
``/vocab/<scheme>/<code>``, ``/ontology``
    Vocabulary concepts and ontology terms: browsers are redirected (303) to
    the generated documentation; RDF clients get the concept's description or
    the ontology graph. A path that is not a term of the store is a 404.
``/docs/ontology/...``
    The documentation ``pmkg docs`` writes, generated on first use into the
    folder of the ``DOCS_DIR`` setting (default: ``docs`` in the instance folder).
``/downloads/``, ``/downloads.json``
    The downloads with their size (quads) and date; ``/downloads/pmkg.ttl``,
    ``.trig`` and ``.nq`` stream the whole store from the app's in-memory
    snapshot, as are an article's ``.trig`` and ``.nq`` and ``/graph/...``:
    no download holds the on-disk store, its lock, a thread or a pipe, so a
    writer never waits for one and a client that goes away leaves nothing
    behind; ``/downloads/void.ttl``.
``/.well-known/void``
    The VoID description (Turtle, or JSON-LD or N-Triples by ``Accept``).

Pages read the graph through the read path of the SPARQL endpoint (``kg.web.service``):
the same snapshot and the same time limit.

``/id/<path>.json`` is the page itself as JSON (what the HTML page shows, for
scripts). Officers, forces and bodies, and articles have pages of their own
(``kg.web.pages``); every other entity the generic page of its facts. The
routes of vocabularies, the ontology and its documentation are in
``kg.web.docs``, those of downloads and VoID in ``kg.web.downloads`` (on this
blueprint); a page's queries run through ``kg.web.service.page_query``.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from kg import entities as model
from kg.errors import PmkgError, StoreError
from kg.namespaces import GRAPH as GRAPH_BASE
from kg.store import Format
from kg.web import pages, withdrawals
from kg.web.archive import archived_copy
from kg.web.cases import case_sections
from kg.web.admission import executor
from kg.web.errors import Unavailable
from kg.web.formats import FORMATS, GRAPH, HTML, accept_table, of_store_format, store_format
from kg.web.protocol import negotiate
from kg.web.service import deadline as _deadline
from kg.web.service import graphs as _graphs
from kg.web.service import page_query as _run

bp = Blueprint("entities", __name__)

DESCRIPTION_FORMATS = ["turtle", "jsonld", "ntriples"]   # an entity's description, in this order
ENTITY_TYPES = accept_table(GRAPH, [HTML, *DESCRIPTION_FORMATS])
RDF_TYPES = accept_table(GRAPH, DESCRIPTION_FORMATS)
ALTERNATES = [(FORMATS[name].extension, FORMATS[name].label, FORMATS[name].bare_type) for name in DESCRIPTION_FORMATS]
GRAPH_ALTERNATES = [(FORMATS[name].extension, f"{FORMATS[name].label} (the article's graph)", FORMATS[name].bare_type)
                    for name in ("trig", "nquads")]
STORED_GRAPH_TYPES = {FORMATS[name].bare_type: store_format(name) for name in ("trig", "nquads")}   # /graph/...
PAGE_JSON = "json"   # /id/<path>.json: the page as JSON


# -- entities ---------------------------------------------------------------------

@bp.route("/id/<path:path>")
def entity(path: str):
    withdrawals.check(path, _snapshot())   # 410 Gone for a withdrawn article, whatever the format
    stem, suffix = model.split_suffix(path, {**model.DESCRIPTION_SUFFIXES, **model.GRAPH_SUFFIXES})
    if suffix is None:
        stem, suffix = model.split_suffix(path, {PAGE_JSON: None})
    try:
        iri = model.iri_for(stem)
    except model.NotAnEntity:
        abort(404, description=f"no entity /id/{path} in the graph")
    if suffix in model.GRAPH_SUFFIXES:
        return _named_graph(iri, model.GRAPH_SUFFIXES[suffix])
    if suffix == PAGE_JSON:
        return _page(iri, as_json=True)
    fmt = model.DESCRIPTION_SUFFIXES.get(suffix) or negotiate(request, ENTITY_TYPES, HTML)
    if fmt == HTML:
        return _page(iri)
    return _description(iri, fmt, suffix is None)


def _alternates(iri: str, graphs: frozenset[str]) -> list[dict]:
    local = model.local_path(iri)
    found = [{"href": f"{local}.{ext}", "label": label, "type": media} for ext, label, media in ALTERNATES]
    found.append({"href": f"{local}.{PAGE_JSON}", "label": "JSON (this page)", "type": "application/json"})
    if iri in graphs and iri.startswith(model.ARTICLE):
        found += [{"href": f"{local}.{ext}", "label": label, "type": media} for ext, label, media in GRAPH_ALTERNATES]
    return found


def _link_header(alternates: list[dict]) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates)


def _page(iri: str, as_json: bool = False):
    deadline = _deadline()
    rows, truncated = [], False
    for part in model.FACT_PARTS:
        answer = _run(model.facts_query(iri, part), deadline, union=False)
        rows += answer.bindings()
        truncated = truncated or answer.truncated
    if not rows:
        abort(404, description=f"no entity <{iri}> in the graph")
    names = model.linked_iris(rows) | {iri}
    labels = model.label_table(_run(model.labels_query(names), deadline).bindings())
    page = model.build_page(iri, rows, labels, truncated=truncated)
    if page is None:
        abort(404, description=f"no entity <{iri}> in the graph")
    alternates = _alternates(iri, _graphs())
    cases = case_sections(iri, lambda query: _run(query, deadline).bindings())
    kind, sections = pages.sections(iri, page, cases, lambda query: _run(query, deadline).bindings())
    archived = archived_copy(iri)
    if as_json:
        return jsonify(pages.as_json(page, kind, sections, cases, alternates, archived))
    body = render_template(pages.TEMPLATES.get(kind, "entity.html"), page=page, alternates=alternates,
                           row_limit=current_app.config["ROW_LIMIT"], archived=archived, kind=kind,
                           **sections, **cases)
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Link"] = _link_header(alternates)
    response.vary.add("Accept")
    return response


def _description(iri: str, fmt: str, negotiated: bool):
    answer = _run(model.description_query(iri), _deadline(), graph=fmt)
    if not answer.rows:
        abort(404, description=f"no entity <{iri}> in the graph")
    response = Response(answer.body, content_type=answer.media_type)
    if answer.truncated:
        response.headers["X-PMKG-Truncated"] = f"cut at the row limit of {current_app.config['ROW_LIMIT']}"
    local = model.local_path(iri)
    if negotiated and local:
        ext = next(e for e, f in model.DESCRIPTION_SUFFIXES.items() if f == fmt)
        response.headers["Content-Location"] = f"{local}.{ext}"
    response.vary.add("Accept")
    return response


def _snapshot():
    """The snapshot the app serves now; downloads stream from it, never from the on-disk store."""
    try:
        return executor().current_snapshot()
    except StoreError as error:
        raise Unavailable(f"the store cannot be read now ({error})") from None


def _named_graph(graph: str, fmt: Format, filename: str | None = None):
    snapshot = _snapshot()
    try:
        known = snapshot.contains_graph(graph)
    except (ValueError, PmkgError):  # not an IRI (a space, %00, ...): names nothing
        known = False
    if not known:
        abort(404, description="no such graph in the store")
    name = filename or f"{graph.rstrip('/').rsplit('/', 1)[-1]}.{fmt.extension}"
    return Response(snapshot.stream(format=fmt, graph=graph), content_type=of_store_format(fmt).media_type,
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.route("/graph/<name>")
def named_graph(name: str):
    """The store's own graphs (ontology, shapes, reference, links) as TriG, or N-Quads by suffix or Accept."""
    stem, suffix = model.split_suffix(name, model.GRAPH_SUFFIXES)
    fmt = model.GRAPH_SUFFIXES.get(suffix) or negotiate(request, STORED_GRAPH_TYPES, Format.TRIG)
    return _named_graph(GRAPH_BASE + stem, fmt)


