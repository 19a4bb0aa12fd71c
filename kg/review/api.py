"""The review API the command line and the web app use (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import PmkgError
from kg.lock import default_wait
from kg.review import values
from kg.review.apply import Applied, addition_key, apply
from kg.review.decisions import (ACTIONS, ARTICLE_KEY, MAX_REASON, Decision, from_triples, new_decision,
                                 to_triples)
from kg.review.store import ReviewStore
from kg.store import Store


@dataclass(frozen=True)
class Fact:
    """One fact of an article as a reviewer sees it."""

    key: str
    kind: str              # officer, group, investigation, allegation, outcome, quote
    label: str             # one readable line
    field: str             # the field a correction changes by default
    value: str             # its value now (after corrections)
    sentence: str          # the first supporting sentence's text ("" if none)
    start: int | None      # its offsets in the article text
    end: int | None
    state: str             # unreviewed, confirmed, corrected, rejected, added


@dataclass(frozen=True)
class ArticleStatus:
    """How far the review of one article has come."""

    article: str
    headline: str | None
    ingested: str | None                  # first ingest, ISO date-time
    counts: dict[str, int] = field(default_factory=dict)   # state -> number of facts
    confirmed_empty: bool = False         # a reviewer confirmed that the article has no facts

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unreviewed(self) -> int:
        return self.counts.get("unreviewed", 0)

    @property
    def reviewed(self) -> bool:
        """Fully reviewed: it has facts and each has a decision, or it has none and a reviewer said so."""
        return self.unreviewed == 0 and (self.total > 0 or self.confirmed_empty)


def _read(store_dir: Path) -> ReviewStore:
    return ReviewStore.open(Path(store_dir), read_only=True, wait=default_wait())


def resolve(rs: ReviewStore, article: str) -> str:
    """The article IRI ``article`` names: the IRI, or a unique prefix or suffix of one."""
    article = (article or "").strip()
    known = rs.articles()
    if article in known:
        return article
    matches = [a for a in known if article and (a.startswith(article) or a.endswith(article))]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise PmkgError(f"{article!r}: no such article in the review store (ingest it first)")
    raise PmkgError(f"{article!r} names {len(matches)} articles; give more of the IRI")


def _decisions(rs: ReviewStore, article: str | None = None) -> list[Decision]:
    found = from_triples(rs.decision_quads())
    return [d for d in found if article is None or d.article == article]


def _applied(rs: ReviewStore, article: str) -> tuple[list[ox.Triple], list[Applied]]:
    return apply(article, rs.raw(article), _decisions(rs, article), rs.text(article))


def _as_fact(item: Applied, text: str | None) -> Fact:
    f = item.fact
    value = item.corrections.get(f.field, f.value)
    if f.spans:
        start, end, sentence = f.spans[0]
    elif item.sentence is not None:
        start, end = item.sentence
        sentence = text[start:end] if text is not None else ""
    else:
        start = end = None
        sentence = ""
    label = f.label
    if item.corrections:
        label += " → " + ", ".join(f"{k} = {v}" for k, v in item.corrections.items())
    return Fact(f.key, f.kind, label, f.field, value, sentence, start, end, item.state)


def facts(store_dir: Path, article: str) -> list[Fact]:
    """The article's facts (raw and added) with their review state, in the order of the text."""
    with _read(store_dir) as rs:
        article = resolve(rs, article)
        text = rs.text(article)
        return [_as_fact(item, text) for item in _applied(rs, article)[1]]


def article_text(store_dir: Path, article: str) -> str | None:
    """The cleaned text the article was read from (offsets of facts point into it), or None."""
    with _read(store_dir) as rs:
        return rs.text(resolve(rs, article))


def _publish(store: Store, rs: ReviewStore, article: str) -> bool:
    """Write the article's public graph from raw + decisions; False if it is withdrawn (nothing written)."""
    if rs.withdrawn(article) is not None:
        return False
    store.replace_graph(article, _applied(rs, article)[0])
    return True


def publish(store_dir: Path, article: str) -> None:
    """The article's public graph := its raw extraction with the decisions applied (not if withdrawn)."""
    from kg.cases import refresh

    with Store(Path(store_dir)) as store, ReviewStore.open(Path(store_dir)) as rs:
        article = resolve(rs, article)
        if _publish(store, rs, article):
            refresh(store, [article])
        store.flush()


def publish_extracted(store: Store, article: str, quads: list[ox.Quad | ox.Triple], text: str | None,
                      extra: list[ox.Quad | ox.Triple] = ()) -> str | None:
    """Ingest: keep the raw extraction and text privately, then publish; a line saying why not, or None.

    ``store`` is the open public store (on disk: its review store is opened
    beside it; in memory: the article is published unreviewed). ``extra``
    quads (a web capture's) go into the public graph only.
    """
    raw = [q.triple if isinstance(q, ox.Quad) else q for q in quads]
    extra_triples = [q.triple if isinstance(q, ox.Quad) else q for q in extra]
    if store.path is None:
        store.replace_graph(article, apply(article, raw, [], text)[0] + extra_triples)
        return None
    with ReviewStore.open(store.path) as rs:
        withdrawn = rs.withdrawn(article)
        if withdrawn is not None:
            return f"<{article}>: {withdrawn}; pmkg restore {article} to bring it back"
        rs.write_raw(article, raw, text)
        store.replace_graph(article, _applied(rs, article)[0] + extra_triples)
    return None


def decide(store_dir: Path, *, action: str, article: str, key: str | None, by: str,
           reason: str | None = None, field: str | None = None, value: str | None = None,
           sentence: tuple[int, int] | None = None, kind: str | None = None,
           subject: str | None = None) -> Decision:
    """Record a decision on one fact, then re-publish the article; PmkgError (one line) on bad input.

    ``action`` is confirm, reject, correct or add. A correction sets ``field``
    (default: the fact's main field) to ``value``. An addition needs ``kind``
    (officer, allegation, outcome, investigation, quote), ``value`` (for its
    main field, or ``field``), the cited ``sentence`` (offsets in the
    article text) and optionally ``subject``, the key of the officer or group
    it is about; ``key`` is ignored (the addition's key is made from its content).
    """
    if action not in ACTIONS:
        raise PmkgError(f"{action!r}: the action is one of {', '.join(ACTIONS)}")
    by, reason = _who(by, reason)
    with _writing(store_dir) as (store, rs):
        article = _reviewable(rs, article)
        text = rs.text(article)
        applied = {item.fact.key: item for item in _applied(rs, article)[1]}
        if action == "add":
            decision = _addition(article, applied, text, by=by, reason=reason, field=field, value=value,
                                 sentence=sentence, kind=kind, subject=subject)
        else:
            decision = _on_fact(action, article, applied, key, by=by, reason=reason, field=field, value=value)
        _record(store, rs, article, [decision])
    return decision


def decide_each(store_dir: Path, *, action: str, article: str, keys: list[str] | None, by: str,
                reason: str | None = None) -> list[Decision]:
    """Confirm or reject several facts of one article at once (``keys=None``: every unreviewed fact).

    All are checked before any is recorded; the article is published once.
    Confirming every fact (``keys=None``) of an article that has none records
    that the article has none (a confirmation keyed ``ARTICLE_KEY``), so it
    counts as reviewed.
    """
    if action not in ("confirm", "reject"):
        raise PmkgError(f"{action!r}: only confirm and reject apply to several facts at once")
    by, reason = _who(by, reason)
    with _writing(store_dir) as (store, rs):
        article = _reviewable(rs, article)
        applied = {item.fact.key: item for item in _applied(rs, article)[1]}
        if keys is None and action == "confirm" and not applied:
            found = [new_decision(action="confirm", article=article, key=ARTICLE_KEY, by=by, reason=reason,
                                  kind="article", label="the article: no facts")]
            _record(store, rs, article, found)
            return found
        if keys is None:
            keys = [k for k, item in applied.items() if item.state == "unreviewed"]
        found = [_on_fact(action, article, applied, key, by=by, reason=reason) for key in dict.fromkeys(keys)]
        _record(store, rs, article, found)
    return found


def _who(by: str | None, reason: str | None) -> tuple[str, str | None]:
    by = " ".join((by or "").split())
    if not by or len(by) > values.MAX_TEXT or not any(c.isalpha() for c in by):
        raise PmkgError("say who decides: --by NAME (1 to 200 characters, with letters)")
    if reason is not None:
        reason = " ".join(reason.split()) or None
        if reason is not None and len(reason) > MAX_REASON:
            raise PmkgError(f"the reason is longer than {MAX_REASON} characters")
    return by, reason


class _writing:
    """The public store, then the review store, open for writing (always in this order)."""

    def __init__(self, store_dir: Path):
        self.store_dir = Path(store_dir)

    def __enter__(self) -> tuple[Store, ReviewStore]:
        if not (self.store_dir / "private").is_dir():
            raise PmkgError(f"{self.store_dir}: no article has been ingested for review in this store")
        self.store = Store(self.store_dir)
        try:
            self.rs = ReviewStore.open(self.store_dir)
        except PmkgError:
            self.store.close()
            raise
        return self.store, self.rs

    def __exit__(self, *exc) -> None:
        self.rs.close()
        self.store.close()


def _reviewable(rs: ReviewStore, article: str) -> str:
    article = resolve(rs, article)
    if rs.withdrawn(article) is not None:
        raise PmkgError(f"<{article}> is withdrawn; pmkg restore it before reviewing it")
    return article


def _on_fact(action: str, article: str, applied: dict[str, Applied], key: str | None, *, by: str,
             reason: str | None, field: str | None = None, value: str | None = None) -> Decision:
    item = applied.get((key or "").strip())
    if item is None:
        raise PmkgError(f"{key!r}: no fact with this key in <{article}> (see pmkg review ARTICLE)")
    fact = item.fact
    if action == "correct":
        name = field or fact.field
        new = values.check(fact.kind, name, value)
        old = item.corrections.get(name, fact.value if name == fact.field else None)
        return new_decision(action=action, article=article, key=fact.key, by=by, reason=reason,
                            field=name, old_value=old, new_value=new, kind=fact.kind, label=fact.label)
    if field is not None or value is not None:
        raise PmkgError(f"{action} takes no field or value (use correct)")
    return new_decision(action=action, article=article, key=fact.key, by=by, reason=reason,
                        old_value=fact.value, kind=fact.kind, label=fact.label)


def _record(store: Store, rs: ReviewStore, article: str, decisions: list[Decision]) -> None:
    """Add the decisions (one transaction), publish the article again, recompute the cases."""
    from kg.cases import refresh

    if not decisions:
        return
    rs.add_decision([t for d in decisions for t in to_triples(d)])
    _publish(store, rs, article)
    refresh(store, [article])
    rs.flush()
    store.flush()


def _addition(article: str, applied: dict[str, Applied], text: str | None, *, by: str, reason: str | None,
              field: str | None, value: str | None, sentence: tuple[int, int] | None, kind: str | None,
              subject: str | None) -> Decision:
    if kind not in values.ADDABLE:
        raise PmkgError(f"{kind!r}: an added fact is one of {', '.join(values.ADDABLE)} (--kind)")
    name = field or values.ADDABLE[kind]
    new = values.check(kind, name, value)
    if sentence is None:
        raise PmkgError("cite the sentence that supports the fact (--sentence START-END or its text)")
    start, end = sentence
    if text is None:
        raise PmkgError(f"<{article}>: its text is not kept, so no sentence can be cited")
    if not 0 <= start < end <= len(text):
        raise PmkgError(f"the sentence {start}-{end} is not within the article's {len(text)} characters")
    if subject is not None:
        target = applied.get(subject.strip())
        if target is None or target.fact.kind not in ("officer", "group"):
            raise PmkgError(f"{subject!r}: no officer or group fact with this key in <{article}>")
        subject = target.fact.key
    key = addition_key(article, kind, name, new, subject)
    if key in applied and applied[key].state != "rejected":
        raise PmkgError(f"this fact was already added ({key})")
    label = f"{kind} {new} (added)"
    return new_decision(action="add", article=article, key=key, by=by, reason=reason, field=name, new_value=new,
                        kind=kind, sentence=(start, end), subject=subject, label=label)


def status(store_dir: Path) -> list[ArticleStatus]:
    """Every article of the review store with its number of facts per state, oldest first."""
    with _read(store_dir) as rs:
        decisions = _decisions(rs)
        ingested = rs.ingested_all()
        out = []
        for article in rs.articles():
            raw = rs.raw(article)
            mine = [d for d in decisions if d.article == article]
            counts = {state: 0 for state in ("unreviewed", "confirmed", "corrected", "rejected", "added")}
            for item in apply(article, raw, mine)[1]:
                counts[item.state] += 1
            headline = next((t.object.value for t in raw if t.subject.value == article
                             and t.predicate.value == "https://schema.org/headline"), None)
            empty = any(d.action == "confirm" and d.key == ARTICLE_KEY for d in mine)
            out.append(ArticleStatus(article, headline, ingested.get(article), counts, empty))
    return sorted(out, key=lambda s: (s.ingested or "", s.article))


def queue(store_dir: Path) -> list[ArticleStatus]:
    """The articles not yet fully reviewed (unreviewed facts, or no facts and nobody has said so),
    oldest first (a withdrawn one waits for pmkg restore)."""
    with _read(store_dir) as rs:
        withdrawn = {a for a in rs.articles() if rs.withdrawn(a) is not None}
    return [s for s in status(store_dir) if not s.reviewed and s.article not in withdrawn]


def log(store_dir: Path, *, limit: int = 100, article: str | None = None) -> list[Decision]:
    """The decisions, newest first (of one article if given)."""
    with _read(store_dir) as rs:
        if article is not None:
            article = resolve(rs, article)
        found = _decisions(rs, article)
    return list(reversed(found))[:max(0, limit)]
