"""The private review store, ``DIR/private/``, beside the public store ``DIR``.

It holds what reviewers need and the public must never see:

- the raw extraction of each article, in the graph ``urn:pmkg:raw:`` + article IRI;
- the review decisions (PROV activities), graph ``urn:pmkg:review:decisions``;
- the tombstones of withdrawn articles (who, when, why), graph ``urn:pmkg:review:withdrawals``;
- when each article was first ingested, graph ``urn:pmkg:review:ingested``;
- the cleaned text each article was read from, ``texts/<content-hash>.txt``.

It is a second pyoxigraph store opened through :class:`kg.store.Store`, so it
has its own marker file and lock: a writer waits for another writer as the
public store's writers do. Nothing here is served, exported or copied into
the web app's snapshot. Whoever opens both stores opens the public one
first, so two writers never wait for each other in opposite orders.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from kg.errors import PmkgError
from kg.namespaces import PMKG, PREFIXES
from kg.store import MARKER, Store, named_node, sparql_data

PRIVATE = "private"
RAW_PREFIX = "urn:pmkg:raw:"
DECISIONS_GRAPH = "urn:pmkg:review:decisions"
WITHDRAWALS_GRAPH = "urn:pmkg:review:withdrawals"
INGESTED_GRAPH = "urn:pmkg:review:ingested"
PRIVATE_MARKER_TEXT = ("pmkg private review store, format 1\n"
                       "Raw extractions, review decisions and tombstones: never publish this folder.\n")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_GENERATED = ox.NamedNode(PREFIXES["prov"] + "generatedAtTime")
_CONTENT_HASH = ox.NamedNode(PMKG + "contentHash")
_DATETIME = ox.NamedNode(PREFIXES["xsd"] + "dateTime")


def private_dir(store_dir: Path) -> Path:
    return Path(store_dir) / PRIVATE


def raw_graph(article: str) -> str:
    """The name of an article's raw-extraction graph in the review store."""
    return RAW_PREFIX + article


class ReviewStore:
    """The private review store of the public store at ``store_dir``."""

    def __init__(self, store: Store, path: Path):
        self.store, self.path = store, path

    @classmethod
    def open(cls, store_dir: Path, *, read_only: bool = False, wait: float | None = None) -> ReviewStore:
        """Open ``store_dir/private`` (created on first use by a writer).

        A reader of a review store that was never written gets an empty
        in-memory one, so listing an unreviewed store works.
        """
        store_dir = Path(store_dir)
        path = private_dir(store_dir)
        if not (path / MARKER).is_file():
            if read_only:
                return cls(Store(), path)
            if not store_dir.is_dir():
                raise PmkgError(f"no store at {store_dir}; create one with `pmkg init --store {store_dir}`")
            path.mkdir(mode=0o700, exist_ok=True)
            (path / "texts").mkdir(mode=0o700, exist_ok=True)
            (path / MARKER).write_text(PRIVATE_MARKER_TEXT, encoding="utf-8")
        return cls(Store(path, read_only=read_only, wait=wait), path)

    # -- raw extractions ---------------------------------------------------

    def write_raw(self, article: str, triples: list[ox.Triple | ox.Quad], text: str | None) -> None:
        """Replace the article's raw graph (one transaction) and keep its text; note the first ingest."""
        if text is not None:
            self.write_text(text)
        raw = named_node(raw_graph(article))
        update = f"DROP SILENT GRAPH {raw} ;\nINSERT DATA {{ GRAPH {raw} {{\n{''.join(sparql_data(triples))}}}\n"
        if self.ingested(article) is None:
            now = ox.Literal(datetime.now(timezone.utc).isoformat(), datatype=_DATETIME)
            first = ox.Triple(ox.NamedNode(article), _GENERATED, now)
            update += f"GRAPH <{INGESTED_GRAPH}> {{ {''.join(sparql_data([first]))} }}\n"
        self.store.update(update + "}\n")

    def raw(self, article: str) -> list[ox.Triple]:
        """The raw extraction of an article (empty if it was never ingested)."""
        return [q.triple for q in self.store.quads(raw_graph(article))]

    def articles(self) -> list[str]:
        """The IRIs of the articles with a raw graph, sorted."""
        return sorted(g[len(RAW_PREFIX):] for g in self.store.named_graphs() if g.startswith(RAW_PREFIX))

    def ingested(self, article: str) -> str | None:
        """When the article was first ingested (ISO date-time), or None."""
        for q in self.store._open().quads_for_pattern(ox.NamedNode(article), _GENERATED, None,
                                                       ox.NamedNode(INGESTED_GRAPH)):
            return q.object.value
        return None

    def ingested_all(self) -> dict[str, str]:
        return {q.subject.value: q.object.value for q in self.store.quads(INGESTED_GRAPH)
                if q.predicate == _GENERATED}

    # -- texts ---------------------------------------------------------------

    def write_text(self, text: str) -> str:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        target = self.path / "texts" / f"{digest}.txt"
        if not target.exists():
            target.parent.mkdir(mode=0o700, exist_ok=True)
            partial = target.with_suffix(".part")
            partial.write_text(text, encoding="utf-8")
            partial.replace(target)
        return digest

    def text(self, article: str) -> str | None:
        """The cleaned text the article's raw extraction was made from, or None."""
        for q in self.store._open().quads_for_pattern(ox.NamedNode(article), _CONTENT_HASH, None,
                                                       ox.NamedNode(raw_graph(article))):
            digest = q.object.value
            if _HASH.match(digest):
                path = self.path / "texts" / f"{digest}.txt"
                if path.is_file():
                    return path.read_text(encoding="utf-8")
        return None

    # -- decisions and tombstones -------------------------------------------

    def decision_quads(self) -> list[ox.Triple]:
        return [q.triple for q in self.store.quads(DECISIONS_GRAPH)]

    def add_decision(self, triples: list[ox.Triple]) -> None:
        graph = ox.NamedNode(DECISIONS_GRAPH)
        self.store.add(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def withdrawn(self, article: str) -> str | None:
        """None if the article is not withdrawn, else a line saying when (from its tombstone)."""
        when = None
        found = False
        for q in self.store._open().quads_for_pattern(ox.NamedNode(article), None, None,
                                                       ox.NamedNode(WITHDRAWALS_GRAPH)):
            found = True
            if isinstance(q.object, ox.Literal) and q.object.datatype == _DATETIME:
                when = q.object.value
        if not found:
            return None
        return f"withdrawn on {when[:10]}" if when else "withdrawn"

    # -- lifecycle -------------------------------------------------------------

    def flush(self) -> None:
        self.store.flush()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
