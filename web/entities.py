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

Pages read the graph through the SPARQL endpoint's executor (``kg.web.sparql``):
the same snapshot and the same time limit.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request,
                   send_from_directory, url_for)
from werkzeug.exceptions import ServiceUnavailable

from kg import entities as model
from kg import void
from kg.errors import PmkgError, StoreError
from kg.namespaces import GRAPH as GRAPH_BASE
from kg.namespaces import ONTOLOGY_GRAPH, VOCAB
from kg.store import Format
from kg.web import admission, urls, withdrawals
from kg.web.archive import archived_copy
from kg.web.cases import case_sections
from kg.web.executor import Busy, QueryTimeout, WorkerFailed, store_signature
from kg.web.protocol import negotiate
from kg.web.results import GRAPH, HTML
from kg.web.sparql import QueryFailed, executor

bp = Blueprint("entities", __name__)

ENTITY_TYPES = {
    "text/html": HTML, "application/xhtml+xml": HTML,
    "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/n-triples": "ntriples", "text/plain": "ntriples",
}
RDF_TYPES = {k: v for k, v in ENTITY_TYPES.items() if v != HTML}
ALTERNATES = [("ttl", "Turtle", "text/turtle"), ("jsonld", "JSON-LD", "application/ld+json"),
              ("nt", "N-Triples", "application/n-triples")]
GRAPH_ALTERNATES = [("trig", "TriG (the article's graph)", "application/trig"),
                    ("nq", "N-Quads (the article's graph)", "application/n-quads")]
DUMPS = {"ttl": Format.TURTLE, "trig": Format.TRIG, "nq": Format.NQUADS}
WHOLE_GRAPH_ROWS = 1_000_000   # a named graph (an article, the ontology) is sent whole, not cut at ROW_LIMIT
HTML_ARTICLE_LIMIT = 1000
DOCS_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "base-uri 'none'; frame-ancestors 'none'")
_docs_lock = threading.Lock()


# -- running queries --------------------------------------------------------------

def _run(query: str, deadline: float, *, union: bool = True, graph: str = "turtle",
         row_limit: int | None = None) -> dict:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ServiceUnavailable("the page did not finish within the time limit")
    job = {"query": query, "union": union, "default_graph": None, "named_graphs": None,
           "row_limit": row_limit or int(current_app.config["ROW_LIMIT"]), "tabular": "json", "graph": graph}
    try:
        answer = admission.run(job, timeout=remaining)
    except (QueryTimeout, Busy, StoreError) as error:
        raise ServiceUnavailable(str(error)) from None
    except WorkerFailed as error:
        raise QueryFailed(str(error)) from None
    if not answer["ok"]:
        raise QueryFailed(answer["message"])
    return answer


def _rows(answer: dict) -> list[dict]:
    return json.loads(answer["body"])["results"]["bindings"]


def _deadline() -> float:
    return time.monotonic() + float(current_app.config["QUERY_TIMEOUT"])


def _graphs() -> frozenset[str]:
    try:
        return executor().graphs()
    except StoreError as error:
        raise ServiceUnavailable(str(error)) from None


# -- entities ---------------------------------------------------------------------

@bp.route("/id/<path:path>")
def entity(path: str):
    withdrawals.check(path, _snapshot())   # 410 Gone for a withdrawn article, whatever the format
    stem, suffix = model.split_suffix(path, {**model.DESCRIPTION_SUFFIXES, **model.GRAPH_SUFFIXES})
    try:
        iri = model.iri_for(stem)
    except model.NotAnEntity:
        abort(404, description=f"no entity /id/{path} in the graph")
    if suffix in model.GRAPH_SUFFIXES:
        return _named_graph(iri, model.GRAPH_SUFFIXES[suffix])
    fmt = model.DESCRIPTION_SUFFIXES.get(suffix) or negotiate(request, ENTITY_TYPES, HTML)
    if fmt == HTML:
        return _page(iri)
    return _description(iri, fmt, suffix is None)


def _alternates(iri: str, graphs: frozenset[str]) -> list[dict]:
    local = model.local_path(iri)
    found = [{"href": f"{local}.{ext}", "label": label, "type": media} for ext, label, media in ALTERNATES]
    if iri in graphs and iri.startswith(model.ARTICLE):
        found += [{"href": f"{local}.{ext}", "label": label, "type": media} for ext, label, media in GRAPH_ALTERNATES]
    return found


def _link_header(alternates: list[dict]) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates)


def _page(iri: str):
    deadline = _deadline()
    rows, truncated = [], False
    for part in model.FACT_PARTS:
        answer = _run(model.facts_query(iri, part), deadline, union=False)
        rows += _rows(answer)
        truncated = truncated or answer["truncated"]
    if not rows:
        abort(404, description=f"no entity <{iri}> in the graph")
    names = model.linked_iris(rows) | {iri}
    labels = model.label_table(_rows(_run(model.labels_query(names), deadline)))
    page = model.build_page(iri, rows, labels, truncated=truncated)
    if page is None:
        abort(404, description=f"no entity <{iri}> in the graph")
    alternates = _alternates(iri, _graphs())
    cases = case_sections(iri, lambda query: _rows(_run(query, deadline)))
    body = render_template("entity.html", page=page, alternates=alternates,
                           row_limit=current_app.config["ROW_LIMIT"], archived=archived_copy(iri), **cases)
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Link"] = _link_header(alternates)
    response.vary.add("Accept")
    return response


def _description(iri: str, fmt: str, negotiated: bool):
    answer = _run(model.description_query(iri), _deadline(), graph=fmt)
    if not answer["rows"]:
        abort(404, description=f"no entity <{iri}> in the graph")
    response = Response(answer["body"], content_type=GRAPH[fmt][1])
    if answer["truncated"]:
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
        raise ServiceUnavailable(f"the store cannot be read now ({error})") from None


def _named_graph(graph: str, fmt: Format, filename: str | None = None):
    snapshot = _snapshot()
    try:
        known = snapshot.contains_graph(graph)
    except (ValueError, PmkgError):  # not an IRI (a space, %00, ...): names nothing
        known = False
    if not known:
        abort(404, description="no such graph in the store")
    media = "application/trig; charset=utf-8" if fmt is Format.TRIG else "application/n-quads"
    name = filename or f"{graph.rstrip('/').rsplit('/', 1)[-1]}.{fmt.extension}"
    return Response(snapshot.stream(format=fmt, graph=graph), content_type=media,
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.route("/graph/<name>")
def named_graph(name: str):
    """The store's own graphs (ontology, shapes, reference, links) as TriG, or N-Quads by suffix or Accept."""
    stem, suffix = model.split_suffix(name, model.GRAPH_SUFFIXES)
    fmt = model.GRAPH_SUFFIXES.get(suffix) or negotiate(
        request, {"application/trig": Format.TRIG, "application/n-quads": Format.NQUADS}, Format.TRIG)
    return _named_graph(GRAPH_BASE + stem, fmt)


# -- vocabularies, the ontology and its documentation ---------------------------------

@bp.route("/vocab/", defaults={"path": ""})
@bp.route("/vocab/<path:path>")
def vocabulary(path: str):
    stem, suffix = model.split_suffix(path, model.DESCRIPTION_SUFFIXES)
    if stem.strip("/") and not _is_term(VOCAB + stem.strip("/")):
        abort(404, description=f"no vocabulary term /vocab/{path}")
    fmt = model.DESCRIPTION_SUFFIXES.get(suffix) or negotiate(request, ENTITY_TYPES, HTML)
    if fmt != HTML and stem:
        return _description(VOCAB + stem, fmt, suffix is None)
    scheme, _, code = stem.strip("/").partition("/")
    page = f"vocab/{scheme}.html" if scheme else "vocab/index.html"
    target = url_for("entities.docs", name=page) + (f"#{code}" if code else "")
    return redirect(target, code=303)


def _is_term(iri: str) -> bool:
    """True if ``iri`` is an IRI the store says something about (a vocabulary scheme or concept)."""
    try:
        node = model.node(iri)
    except model.NotAnEntity:
        return False
    answer = _run(f"ASK {{ {node} ?p ?o }}", _deadline())
    return bool(json.loads(answer["body"])["boolean"])


@bp.route("/ontology")
def ontology():
    """Browsers go to the documentation (keeping ``#Term``); RDF clients get the ontology graph."""
    fmt = negotiate(request, ENTITY_TYPES, HTML)
    if fmt == HTML:
        return redirect(url_for("entities.docs", name="index.html"), code=303)
    answer = _run(model.graph_query(ONTOLOGY_GRAPH), _deadline(), union=False, graph=fmt,
                  row_limit=WHOLE_GRAPH_ROWS)
    response = Response(answer["body"], content_type=GRAPH[fmt][1])
    response.vary.add("Accept")
    return response


def docs_dir() -> Path:
    configured = current_app.config.get("DOCS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "docs"


def ensure_docs(folder: Path) -> None:
    """Generate the documentation into ``folder`` unless it is there (built aside, then moved in)."""
    if (folder / "index.html").is_file():
        return
    with _docs_lock:
        if (folder / "index.html").is_file():
            return
        from kg.docs import build

        if folder.is_dir() and any(folder.iterdir()):   # a folder of the user's: write into it
            _add_term_anchors(build(folder))
            return
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".docs-", dir=folder.parent))
        try:
            _add_term_anchors(build(work))
            try:
                work.rename(folder)
            except OSError:
                if not (folder / "index.html").is_file():   # not another process that finished first
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _add_term_anchors(index: Path) -> None:
    """pyLODE gives pmkg terms lower-case ids; add ``id="Term"`` so ``/ontology#Term`` lands on them."""
    text = index.read_text(encoding="utf-8")
    terms = set(re.findall(r"https://w3id\.org/pmkg/ontology#([A-Za-z][A-Za-z0-9_]*)", text))
    for term in sorted(terms):
        if term.lower() == term or f'id="{term}"' in text:
            continue
        text = re.sub(rf'(<div class="[^"]*" id="{term.lower()}">)', rf'\1<span id="{term}"></span>', text, count=1)
    index.write_text(text, encoding="utf-8")


@bp.route("/docs/ontology/")
def docs_index():
    return docs("index.html")


@bp.route("/docs/ontology/<path:name>")
def docs(name: str):
    folder = docs_dir()
    try:
        ensure_docs(folder)
    except (OSError, ImportError, PmkgError) as error:
        current_app.logger.error("cannot generate the ontology documentation in %s: %s", folder, error)
        raise ServiceUnavailable("the ontology documentation could not be generated; see the server log") from None
    response = send_from_directory(folder, name)
    response.headers["Content-Security-Policy"] = DOCS_CSP   # the generated pages carry inline styles
    return response


# -- VoID and downloads -------------------------------------------------------------

def _void_counts() -> dict:
    """The VoID counts of the current snapshot, kept until the store folder changes."""
    signature = store_signature(Path(current_app.config["STORE"]))
    cached = current_app.extensions.get("pmkg.void")
    if cached and signature is not None and cached[0] == signature:
        return cached[1]
    deadline = _deadline()

    def run(query: str, union: bool) -> list[dict[str, str]]:
        return [{k: v["value"] for k, v in row.items()} for row in _rows(_run(query, deadline, union=union))]

    counts = void.collect(run)
    current_app.extensions["pmkg.void"] = (signature, counts)
    return counts


def _void_triples():
    dumps = [urls.external("entities.dump", ext=ext) for ext in DUMPS]
    return void.build(_void_counts(), sparql_endpoint=urls.external("sparql.endpoint"), dumps=dumps,
                      modified=void.last_modified(current_app.config["STORE"]))


@bp.route("/.well-known/void")
def well_known_void():
    fmt = negotiate(request, {"text/turtle": "turtle", **RDF_TYPES}, "turtle")
    response = Response(void.serialize(_void_triples(), GRAPH[fmt][0]), content_type=GRAPH[fmt][1])
    response.vary.add("Accept")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/dataset")
def dataset():
    return redirect(url_for("entities.well_known_void"), code=303)


@bp.route("/downloads/void.ttl")
def void_file():
    return Response(void.serialize(_void_triples()), content_type=GRAPH["turtle"][1],
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
                  "media_type": "text/turtle", "quads": None, "modified": stamp, "graphs": "VoID description"})
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
    media = fmt.media_type + ("; charset=utf-8" if fmt is not Format.NQUADS else "")
    return Response(chunks, content_type=media, headers=headers)
