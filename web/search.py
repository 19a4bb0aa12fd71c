"""Search: ``/search?q=...`` (an HTML page) and ``/search.json`` (its JSON twin).

The hits come from the store's full-text index (``kg.search``, the file
``search.sqlite`` in the store folder), opened read-only for each request. They
are grouped by kind (officers, forces and bodies, cases, articles) in rank
order, with the matched words marked. The page escapes every text of the data
and adds only ``<mark>`` around the matches; it has no script.

``q`` is at most ``kg.search.MAX_QUERY`` characters and ``MAX_TERMS`` words;
``limit`` (default 20) at most ``MAX_RESULTS``. Text with no word in it, or too
long, is answered 400 with one line; a store without an index, 503.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from markupsafe import Markup, escape

from kg import search
from kg.entities import href

bp = Blueprint("search", __name__)

GROUPS = (("officer", "Officers"), ("organisation", "Forces and bodies"), ("case", "Cases"), ("article", "Articles"))
DEFAULT_LIMIT = 20


def marked_html(marked: str) -> Markup:
    """The text escaped, with <mark> around the matches (and nothing else unescaped)."""
    text, spans = search.plain(marked)
    out, at = [], 0
    for start, end in spans:
        out.append(str(escape(text[at:start])) + "<mark>" + str(escape(text[start:end])) + "</mark>")
        at = end
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def _hits(text: str) -> list[search.Hit]:
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError:
        abort(400, description="limit must be a whole number")
    if not 1 <= limit <= search.MAX_RESULTS:
        abort(400, description=f"limit must be between 1 and {search.MAX_RESULTS}")
    try:
        return search.search(search.index_path(Path(current_app.config["STORE"])), text, limit)
    except search.IndexMissing:
        abort(503, description="the store has no search index yet; run `pmkg search --rebuild` or ingest an article")
    except search.SearchError as error:
        abort(400, description=str(error))


@bp.get("/search.json")
def search_json():
    text = request.args.get("q", "")
    results = []
    for hit in _hits(text):
        title, title_spans = search.plain(hit.title)
        snippet, snippet_spans = search.plain(hit.snippet)
        results.append({"kind": hit.kind, "iri": hit.iri, "title": title, "title_matches": title_spans,
                        "detail": hit.detail, "snippet": snippet, "snippet_matches": snippet_spans,
                        "score": round(-hit.score, 4)})
    return jsonify({"q": text, "results": results})


@bp.get("/search")
def search_page():
    text = request.args.get("q", "")
    hits = _hits(text) if text.strip() else []
    groups = []
    for kind, heading in GROUPS:
        rows = [{"iri": h.iri, "href": href(h.iri), "title": marked_html(h.title), "detail": h.detail,
                 "snippet": marked_html(h.snippet)} for h in hits if h.kind == kind]
        if rows:
            groups.append((heading, rows))
    return render_template("search.html", q=text, groups=groups, searched=bool(text.strip()))
