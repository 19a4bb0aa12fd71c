"""Downloads and the VoID description (routes of the ``entities`` blueprint, moved here
from ``kg.web.entities``).

``/downloads/``, ``/downloads.json``
    The downloads with their size (quads) and date; ``/downloads/pmkg.ttl``, ``.trig``
    and ``.nq`` stream the whole store from the app's in-memory snapshot, never from the
    on-disk store; ``/downloads/void.ttl``.
``/.well-known/void``
    The VoID description (Turtle, or JSON-LD or N-Triples by ``Accept``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from kg import entities as model
from kg import void
from kg.store import Format
from kg.web import urls
from kg.web.entities import ALTERNATES, RDF_TYPES, _snapshot, bp
from kg.web.executor import store_signature
from kg.web.formats import FORMATS, HTML, of_store_format
from kg.web.service import deadline as _deadline
from kg.web.service import graphs as _graphs
from kg.web.service import page_query as _run
from kg.web.protocol import negotiate

DUMPS = {"ttl": Format.TURTLE, "trig": Format.TRIG, "nq": Format.NQUADS}
HTML_ARTICLE_LIMIT = 1000


# -- VoID and downloads -------------------------------------------------------------

def _void_counts() -> dict:
    """The VoID counts of the current snapshot, kept until the store folder changes."""
    signature = store_signature(Path(current_app.config["STORE"]))
    cached = current_app.extensions.get("pmkg.void")
    if cached and signature is not None and cached[0] == signature:
        return cached[1]
    deadline = _deadline()

    def run(query: str, union: bool) -> list[dict[str, str]]:
        return [{k: v["value"] for k, v in row.items()} for row in _run(query, deadline, union=union).bindings()]

    counts = void.collect(run)
    current_app.extensions["pmkg.void"] = (signature, counts)
    return counts


def _void_triples():
    dumps = [urls.external("entities.dump", ext=ext) for ext in DUMPS]
    return void.build(_void_counts(), sparql_endpoint=urls.external("sparql.endpoint"), dumps=dumps,
                      modified=void.last_modified(current_app.config["STORE"]))


@bp.route("/.well-known/void")
def well_known_void():
    fmt = negotiate(request, RDF_TYPES, "turtle")
    response = Response(void.serialize(_void_triples(), FORMATS[fmt].oxigraph), content_type=FORMATS[fmt].media_type)
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/dataset")
def dataset():
    return redirect(url_for("entities.well_known_void"), code=303)


@bp.route("/downloads/void.ttl")
def void_file():
    return Response(void.serialize(_void_triples()), content_type=FORMATS["turtle"].media_type,
                    headers={"Content-Disposition": 'inline; filename="void.ttl"'})


def _listing() -> dict:
    counts = _void_counts()
    quads = int(counts["triples"][0]["n"]) if counts["triples"] else 0
    modified = void.last_modified(current_app.config["STORE"])
    stamp = modified.isoformat() if modified else None
    files = []
    for ext, fmt in DUMPS.items():
        files.append({
            "name": f"pmkg.{ext}", "url": url_for("entities.dump", ext=ext), "format": fmt.label,
            "media_type": fmt.media_type, "quads": quads, "modified": stamp,
            "graphs": "every named graph" if fmt.keeps_graphs else "the union of all graphs",
        })
    files.append({"name": "void.ttl", "url": url_for("entities.void_file"), "format": "turtle",
                  "media_type": FORMATS["turtle"].bare_type, "quads": None, "modified": stamp, "graphs": "VoID description"})
    articles = sorted(g for g in _graphs() if g.startswith(model.ARTICLE))
    return {
        "files": files,
        "articles": [{"graph": g, "trig": model.local_path(g) + ".trig", "nquads": model.local_path(g) + ".nq"}
                     for g in articles],
        "entity_formats": [f".{ext}" for ext, _, _ in ALTERNATES],
    }


@bp.route("/downloads/")
def downloads():
    listing = _listing()
    if negotiate(request, {"text/html": HTML, "application/json": "json"}, HTML) == "json":
        return jsonify(listing)
    return render_template("downloads.html", listing=listing, limit=HTML_ARTICLE_LIMIT)


@bp.route("/downloads.json")
def downloads_json():
    return jsonify(_listing())


@bp.route("/downloads/pmkg.<ext>")
def dump(ext: str):
    fmt = DUMPS.get(ext)
    if fmt is None:
        abort(404, description=f"no download pmkg.{ext}; see /downloads/")
    store = current_app.config["STORE"]
    chunks = _snapshot().stream(format=fmt)
    headers = {"Content-Disposition": f'attachment; filename="pmkg.{ext}"'}
    modified = void.last_modified(store)
    if modified is not None:
        headers["Last-Modified"] = modified.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return Response(chunks, content_type=of_store_format(fmt).media_type, headers=headers)
