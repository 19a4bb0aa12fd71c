"""Score kg.reader's metadata against a gold corpus: headline, publisher, first author, published date.

Reads every ``articles/*.txt`` with ``read_path`` and compares with ``gold/<stem>.json``
("source": headline, publisher, author, published as YYYY-MM-DD or null). Prints per-field
accuracy and each mismatch. Run from the repository root:

    .venv/bin/python benchmarks/reader_accuracy.py                      # ../shared/corpus/dev
    .venv/bin/python benchmarks/reader_accuracy.py path/to/corpus --show-text 03
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from kg.reader import ArticleError, read_path

FIELDS = ("headline", "publisher", "author", "published")
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"


def predicted(path: Path) -> dict:
    """The reader's values for the gold fields (None where it found nothing)."""
    article = read_path(path)
    published = article.published
    if isinstance(published, datetime):
        published = published.date()
    return {"headline": article.headline, "publisher": article.publisher,
            "author": article.authors[0] if article.authors else None,
            "published": published.isoformat() if published else None}


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS,
                         help="folder with articles/ and gold/ (default: shared/corpus/dev)")
    options.add_argument("--show-text", metavar="PREFIX", help="print the cleaned text of articles whose name starts so")
    args = options.parse_args(argv)
    articles = sorted((args.corpus / "articles").glob("*.txt"))
    if not articles:
        print(f"no articles found in {args.corpus / 'articles'}", file=sys.stderr)
        return 2
    correct = dict.fromkeys(FIELDS, 0)
    for path in articles:
        gold = json.loads((args.corpus / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))["source"]
        try:
            got = predicted(path)
        except ArticleError as error:
            print(f"{path.name}: ERROR {error}")
            continue
        for name in FIELDS:
            if got[name] == gold.get(name):
                correct[name] += 1
            else:
                print(f"{path.name}: {name}: got {got[name]!r}, gold {gold.get(name)!r}")
        if args.show_text and path.name.startswith(args.show_text):
            print(read_path(path).text, end="\n\n")
    print(f"\n{len(articles)} articles")
    for name in FIELDS:
        print(f"{name:10} {correct[name] / len(articles):.3f}  ({correct[name]}/{len(articles)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
