"""Review: people decide what the graph says about each article.

The raw extraction of every article is kept in a private review store
(``DIR/private/``, :mod:`kg.review.store`); what the public store holds for
an article is that extraction with the reviewers' decisions applied
(:mod:`kg.review.apply`). Decisions (confirm, reject, correct, add) are PROV
activities keyed by the content of the fact (:mod:`kg.review.keys`), so they
still apply when the article is read again (:mod:`kg.review.decisions`).

    from kg.review import Fact, Decision, facts, decide, status, log, queue, publish
    facts(store_dir, article) -> list[Fact]
    decide(store_dir, *, action, article, key, by, reason=None, field=None, value=None,
           sentence=None, kind=None, subject=None) -> Decision
    decide_each(store_dir, *, action, article, keys, by, reason=None) -> list[Decision]
                                       confirm or reject several facts (keys=None: every unreviewed one)
    status(store_dir) -> list[ArticleStatus]
    log(store_dir, *, limit=100, article=None) -> list[Decision]      newest first
    queue(store_dir) -> list[ArticleStatus]                           unreviewed facts, oldest first
    publish(store_dir, article) -> None
    article_text(store_dir, article) -> str | None

    kg.review.cite.span(text, sentence, quoted) -> (start, end)       the cited sentence of an addition
    kg.review.cite.sentences(text) -> list[(start, end)]              the text's sentences, for a picker

An article with no facts counts as reviewed only once a reviewer confirms
that it has none: ``decide_each(action="confirm", keys=None)`` records a
confirmation keyed ``kg.review.decisions.ARTICLE_KEY`` (``ArticleStatus.reviewed``).

Nothing here loads spaCy.
"""

from kg.review.api import (ArticleStatus, Fact, article_text, decide, decide_each, facts, log, publish,
                           publish_extracted, queue, resolve, status)
from kg.review.apply import STATES, state_concept
from kg.review.decisions import Decision
from kg.review.store import DECISIONS_GRAPH, RAW_PREFIX, WITHDRAWALS_GRAPH, ReviewStore, raw_graph

__all__ = ["ArticleStatus", "DECISIONS_GRAPH", "Decision", "Fact", "RAW_PREFIX", "ReviewStore", "STATES",
           "WITHDRAWALS_GRAPH", "article_text", "decide", "decide_each", "facts", "log", "publish", "publish_extracted", "queue",
           "raw_graph", "resolve", "state_concept", "status"]
