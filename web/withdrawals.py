"""Withdrawn articles answer 410 Gone, with the reason and the date, at every address of theirs.

``pmkg withdraw`` removes an article's graph from the public store and writes
the article's IRI, ``pmkg:withdrawnAt`` and ``pmkg:withdrawalReason`` into
the public withdrawals graph (``kg.review.withdraw.WITHDRAWALS_GRAPH``). This
module reads that graph from the app's in-memory snapshot (never from the
private review store, which the app does not open) and answers the article's
entity page, its ``.json`` twin, its RDF alternates (``.ttl``, ``.jsonld``,
``.nt``), its graph (``.trig``, ``.nq``) and the IRIs minted inside it
(``/id/article/<slug>/allegation/1``...) with 410 Gone.
"""

from __future__ import annotations

from werkzeug.exceptions import Gone

from kg import entities as model
from kg.review.withdraw import withdrawal


def article_of(path: str) -> str | None:
    """The article IRI ``/id/<path>`` belongs to (``article/x/outcome/1.ttl`` -> ``.../article/x``), or None."""
    stem = path.rpartition(".")[0] if "." in path.rpartition("/")[2] else path   # minted IRIs hold no dot
    local = model.ID + stem
    if not local.startswith(model.ARTICLE):
        return None
    slug = local[len(model.ARTICLE):].split("/", 1)[0]
    return model.ARTICLE + slug if slug else None


def check(path: str, snapshot) -> None:
    """Raise 410 Gone if ``/id/<path>`` is (inside) a withdrawn article of ``snapshot``."""
    article = article_of(path)
    if article is None:
        return
    found = withdrawal(snapshot, article)
    if found is not None:
        raise Gone(description=f"this article was withdrawn on {found.at[:10] or 'an unknown date'}: "
                               f"{found.reason or 'no reason given'}")
