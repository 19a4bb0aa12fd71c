"""Reconciling the people and cases of the graph against Wikidata or any SPARQL endpoint.

- ``client``: a polite SPARQL client (User-Agent, rate limit, backoff on
  429/503, on-disk cache, offline mode) over SPARQLWrapper.
- ``score``: how well an external candidate fits a local person.
- ``reconcile``: the people to link, the candidate query, one linking run.
- ``cases``: the cases (investigations) to link through their subjects'
  accepted links, their candidate query, scoring and run.
- ``links``: the links graph (proposed, accepted and rejected links).
- ``cli``: the ``pmkg link`` command.

Nothing here touches the network or the disk at import.
"""
