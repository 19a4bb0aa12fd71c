"""The fact extractor: cleaned articles in, ArticleFacts and RDF out.

`extract(article)` runs the spaCy pipeline (kg.extract.nlp) and the rules
(kg.extract.assemble); `extract_many(articles)` batches with nlp.pipe.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from kg.extract.assemble import build
from kg.extract.facts import ArticleFacts
from kg.reader import Article


def extract(article: Article, *, model: str | None = None) -> ArticleFacts:
    from kg.extract import nlp

    return build(nlp.load(model)(article.text))


def extract_many(articles: Iterable[Article], *, model: str | None = None,
                 batch_size: int = 16) -> Iterator[tuple[Article, ArticleFacts]]:
    from kg.extract import nlp

    pipeline = nlp.load(model)
    articles = list(articles)
    for article, doc in zip(articles, pipeline.pipe((a.text for a in articles), batch_size=batch_size)):
        yield article, build(doc)


def article_quads(path) -> list:
    """Read one article file and return its graph as quads (the ingest reader for articles)."""
    import pyoxigraph as ox

    from kg.extract.rdf import article_graph
    from kg.reader import read_path

    article = read_path(path)
    graph, triples = article_graph(article, extract(article))
    node = ox.NamedNode(graph)
    return [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]
