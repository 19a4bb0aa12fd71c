"""Vocabulary concepts, the ontology and its generated documentation (routes of the
``entities`` blueprint, moved here from ``kg.web.entities``).

``/vocab/<scheme>/<code>``, ``/ontology``
    Browsers are redirected (303) to the generated documentation; RDF clients get the
    concept's description or the ontology graph. A path that is not a term of the store is a 404.
``/docs/ontology/...``
    The documentation ``pmkg docs`` writes, generated on first use into the folder of the
    ``DOCS_DIR`` setting (default: ``docs`` in the instance folder).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path

from flask import Response, abort, current_app, redirect, request, send_from_directory, url_for

from kg import entities as model
from kg.errors import PmkgError
from kg.namespaces import ONTOLOGY_GRAPH, VOCAB
from kg.web.entities import ENTITY_TYPES, _description, bp
from kg.web.errors import Unavailable
from kg.web.formats import HTML
from kg.web.protocol import negotiate
from kg.web.service import deadline as _deadline
from kg.web.service import page_query as _run

WHOLE_GRAPH_ROWS = 1_000_000   # a named graph (an article, the ontology) is sent whole, not cut at ROW_LIMIT
DOCS_CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "base-uri 'none'; frame-ancestors 'none'")
_docs_lock = threading.Lock()


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
    return bool(answer.data()["boolean"])


@bp.route("/ontology")
def ontology():
    """Browsers go to the documentation (keeping ``#Term``); RDF clients get the ontology graph."""
    fmt = negotiate(request, ENTITY_TYPES, HTML)
    if fmt == HTML:
        return redirect(url_for("entities.docs", name="index.html"), code=303)
    answer = _run(model.graph_query(ONTOLOGY_GRAPH), _deadline(), union=False, graph=fmt,
                  row_limit=WHOLE_GRAPH_ROWS)
    response = Response(answer.body, content_type=answer.media_type)
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
        raise Unavailable("the ontology documentation could not be generated; see the server log") from None
    response = send_from_directory(folder, name)
    response.headers["Content-Security-Policy"] = DOCS_CSP   # the generated pages carry inline styles
    return response
