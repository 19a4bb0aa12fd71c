"""The fact extractor: cleaned articles in, ArticleFacts and RDF out.

`extract(article)` runs the spaCy pipeline (kg.extract.nlp) and the rules
(kg.extract.assemble); kg.batch runs many articles with nlp.pipe and workers,
and kg.extract.rdf writes the facts as an article's graph.
"""

from __future__ import annotations

from kg.extract.assemble import build
from kg.extract.facts import ArticleFacts
from kg.article import Article


def extract(article: Article, *, model: str | None = None) -> ArticleFacts:
    from kg.extract import nlp

    return build(nlp.load(model)(article.text))
