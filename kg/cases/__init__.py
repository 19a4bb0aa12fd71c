"""Cases: one matter reported by several articles, and where it stands.

- ``gather``: what each article's graph says, read with SPARQL into mentions
  (the officers and groups an article reports together, with their facts).
- ``resolve``: mentions of the same matter joined into cases with stable IRIs;
  weak evidence becomes a proposed link, never a merge.
- ``status``: each case's dated status assertions, its current status and the
  conflicts between its sources.
- ``write``: the cases graph and the case-links graph (proposals, decisions).
- ``cli``: the ``pmkg cases`` command group.

- ``scope``: which articles a change to some article graphs can move between cases.

``refresh(store, changed)`` recomputes the cases graph from the article
graphs (only what the ``changed`` graphs reach, when given); it runs after
every ingest and withdrawal. Nothing here loads spaCy.
"""

from kg.cases.write import refresh, withdraw

__all__ = ["refresh", "withdraw"]
