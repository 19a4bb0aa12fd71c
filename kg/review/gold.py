"""``pmkg review export-gold DIR``: reviewed articles as an evaluation corpus.

Every fully reviewed article (each fact has a decision; an article with no
facts once a reviewer has confirmed that it has none, ``pmkg review confirm
ARTICLE --all``) is written in the format of
``../shared/corpus/dev``: ``articles/NAME.txt`` (the text the extractor
read, with the headline first and the date, byline and outlet the page gave
written back as header and footer lines) and ``gold/NAME.json``. The gold is
read from the article's *published* graph with the project's own competency
queries (``queries/*.rq``), so it says what the reviewed graph says, in the
terms the scorer compares. NAME is the base name of the file the article was
read from (a web page's is made from its headline), so the scorer, which
matches an article by the base name of its ``location``, finds it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from kg.errors import PmkgError
from kg.identity import slug
from kg.resources import queries_dir
from kg.store import Store

QUERIES = ("sources", "officers", "investigations", "allegations", "outcomes", "quotes", "cases")


def _rows(store: Store, name: str) -> list[dict[str, str]]:
    path = queries_dir() / f"{name}.rq"
    if not path.is_file():
        return []
    solutions = store.query(path.read_text(encoding="utf-8"), union_default_graph=True)
    names = [v.value for v in solutions.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]


def _by_article(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list] = defaultdict(list)
    for row in rows:
        out[row.get("article", "")].append(row)
    return out


def _code(value: str | None) -> str | None:
    return None if value is None else value.rstrip("/").rsplit("/", 1)[-1]


def _count(row: dict[str, str]) -> int:
    try:
        return int(float(row.get("count") or 1))
    except ValueError:
        return 1


def _in_order(items: list) -> list:
    """Entries in one order whatever order the store returned the rows in
    (rows that tie on a query's ORDER BY come back in any order)."""
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def gold_of(article: str, rows: dict[str, list[dict[str, str]]], stems: dict[str, str]) -> dict:
    """The gold JSON of one article from the rows of the competency queries."""
    source = (rows["sources"] or [{}])[0]
    published = source.get("published")
    officers, forces = [], []
    seen = set()
    for r in rows["officers"]:
        entry = {"name": r.get("name"), "rank": r.get("rank"), "force": r.get("force"),
                 "status": _code(r.get("status")), "count": _count(r) if not r.get("name") else 1}
        marker = json.dumps(entry, sort_keys=True) + r.get("officer", "")
        if marker not in seen:
            seen.add(marker)
            officers.append(entry)
        if r.get("force"):
            forces.append(r["force"])
    investigations: dict[str, dict] = {}
    for r in rows["investigations"]:
        inv = investigations.setdefault(r.get("investigation", ""), {
            "body": r.get("body"), "kind": _code(r.get("kind")),
            "subject_count": int(r["subjectCount"]) if r.get("subjectCount") else None, "forces": []})
        if r.get("force") and r["force"] not in inv["forces"]:
            inv["forces"].append(r["force"])
            forces.append(r["force"])
    outcomes = [{"type": r.get("code") or _code(r.get("type")), "officer": r.get("officerName"),
                 "count": _count(r) if r.get("officer") else 1} for r in rows["outcomes"]]
    quoted: dict[str, dict] = {}
    for r in rows["quotes"]:
        if r.get("speaker"):
            quoted.setdefault(r["speaker"], {"name": r["speaker"], "role": r.get("role")})
    return {
        "source": {"headline": source.get("headline"), "publisher": source.get("publisher"),
                   "author": source.get("author") or None, "published": published[:10] if published else None},
        "officers": _in_order(officers),
        "forces": sorted(set(forces)),
        "investigations": _in_order([{**inv, "forces": sorted(inv["forces"])} for inv in investigations.values()]),
        "allegation_categories": sorted({r.get("code") or _code(r["category"]) for r in rows["allegations"]
                                         if r.get("category")}),
        "outcomes": _in_order(outcomes),
        "people_quoted": _in_order(list(quoted.values())),
        "same_case_as": sorted({stems[other] for other in rows["same_case"] if other in stems and other != article}),
        "notes": "Exported by pmkg review export-gold from the reviewed graph of this article.",
    }


def article_file_text(text: str, source: dict) -> str:
    """The text written to articles/: headline, date and byline lines, the body, the outlet's footer."""
    headline, _, body = text.partition("\n\n")
    lines = [headline, ""]
    if source.get("published"):
        lines += [f"Published: {source['published']}", ""]
    if source.get("author"):
        lines += [f"By {source['author']}", ""]
    lines.append(body.rstrip("\n"))
    if source.get("publisher"):
        lines += ["", f"\u00a9 {source['publisher']}"]
    return "\n".join(lines) + "\n"


def file_stem(location: str, headline: str | None, taken: set[str]) -> str:
    base = re.sub(r"\.txt$", "", location.replace("file://", "").rstrip("/").rsplit("/", 1)[-1])
    stem = slug(base, limit=80) if not re.fullmatch(r"[A-Za-z0-9._-]{1,120}", base) else base
    if not location.startswith("file:"):
        stem = slug(headline or base, limit=80)
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate)
    return candidate


def export_gold(store_dir: Path, out_dir: Path) -> list[tuple[str, str]]:
    """Write every fully reviewed article; returns (article IRI, file stem) for each."""
    from kg.review.api import status
    from kg.review.store import ReviewStore

    reviewed = [s.article for s in status(store_dir) if s.reviewed]
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise PmkgError(f"{out_dir} exists and is not an empty folder; choose a new one")
    with Store(Path(store_dir), read_only=True) as store:
        rows = {name: _by_article(_rows(store, name)) for name in QUERIES}
    case_articles: dict[str, set[str]] = defaultdict(set)
    for article, found in rows["cases"].items():
        for r in found:
            case_articles[r.get("case", "")].add(article)
    written, stems, texts = [], {}, {}
    taken: set[str] = set()
    with ReviewStore.open(Path(store_dir), read_only=True) as rs:
        for article in reviewed:
            source = (rows["sources"].get(article) or [{}])[0]
            text = rs.text(article)
            if text is None or not source:
                continue
            stems[article] = file_stem(source.get("location", ""), source.get("headline"), taken)
            texts[article] = article_file_text(text, source)
    (out_dir / "articles").mkdir(parents=True, exist_ok=True)
    (out_dir / "gold").mkdir(exist_ok=True)
    for article, stem in stems.items():
        mine = {name: rows[name].get(article, []) for name in QUERIES}
        mine["same_case"] = {a for r in mine["cases"] for a in case_articles.get(r.get("case", ""), ())}
        (out_dir / "articles" / f"{stem}.txt").write_text(texts[article], encoding="utf-8")
        gold = gold_of(article, mine, stems)
        (out_dir / "gold" / f"{stem}.json").write_text(json.dumps(gold, indent=2, ensure_ascii=False) + "\n",
                                                       encoding="utf-8")
        written.append((article, stem))
    return written
