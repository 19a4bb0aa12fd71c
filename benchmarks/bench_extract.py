"""Benchmark extraction speed against spaCy's own nlp.pipe over the same texts.

Run on demand (not in the test suite):

    .venv/bin/python benchmarks/bench_extract.py              # 400 articles
    .venv/bin/python benchmarks/bench_extract.py --articles 100

It writes several hundred synthetic articles (deterministic: built from the
templates below, no randomness across runs), then times in one run:
- the baseline: the spaCy model's own ``nlp.pipe`` over the articles' texts;
- pmkg's extractor (read the file, clean it, run the pipeline with pmkg's
  gazetteer, apply the rules, write the RDF) with 1 worker and with 2 workers.
It prints articles per second, words per second, and each figure as a ratio
against the baseline, plus the 2-worker speed-up over 1 worker.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import cycle
from pathlib import Path

FORCES = ["Kent Police", "Norfolk Constabulary", "West Midlands Police", "Greater Manchester Police",
          "Sussex Police", "Thames Valley Police", "Gwent Police", "Police Scotland"]
FIRST = ["Alex", "Jordan", "Sam", "Morgan", "Casey", "Robin", "Jamie", "Taylor", "Drew", "Avery"]
LAST = ["Hollis", "Marsh", "Penrose", "Quayle", "Ridley", "Stroud", "Tanner", "Vance", "Whitby", "Yardley"]
BODIES = ["the Independent Office for Police Conduct", "the force's professional standards department"]
CONDUCT = ["sending racist and misogynistic messages in a WhatsApp group",
           "using a Taser on a man who was already handcuffed",
           "searching the Police National Computer without a policing purpose",
           "pursuing a sexual relationship with a vulnerable victim he met on duty",
           "making a false statement about an arrest"]
OUTCOMES = ["was dismissed without notice at a gross misconduct hearing",
            "was given a final written warning at a misconduct hearing",
            "has been suspended from duty while the investigation continues",
            "was placed on restricted duties",
            "was charged and will appear at magistrates' court next month"]

TEMPLATE = """{headline}

{day} March 2023, 10:{minute:02d} | Updated: {day} March 2023, 12:{minute:02d}

By {author}

A {force} officer {outcome} after being accused of {conduct}.

PC {first} {last}, {age}, is alleged to have acted between January and June 2022, and {body} has been investigating the case since last summer.

The hearing was told that the officer had worked in the area for {years} years and had no previous complaints against them.

READ MORE: Roadworks to close the high street for a week

{first2} {last2}, a spokesperson for a local campaign group, said: "People need to be able to trust the officers who are sent to help them, and this case shows how fragile that trust is."

A spokesperson for {force} said the force expected the highest standards of its officers and would not comment further.

Sign up to our newsletter for the latest news.
"""


def articles(count: int) -> list[str]:
    texts = []
    combos = zip(range(count), cycle(FORCES), cycle(FIRST), cycle(LAST), cycle(CONDUCT), cycle(OUTCOMES),
                 cycle(BODIES), cycle(reversed(FIRST)), cycle(reversed(LAST)))
    for n, force, first, last, conduct, outcome, body, first2, last2 in combos:
        texts.append(TEMPLATE.format(
            headline=f"{force} officer faces action over conduct case number {n}", day=1 + n % 28, minute=n % 60,
            author=f"{first2} {last}", force=force, outcome=outcome, conduct=conduct, first=first, last=last,
            age=25 + n % 30, body=body, years=2 + n % 20, first2=first2, last2=last2))
    return texts


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=400)
    args = parser.parse_args()

    import spacy

    from kg.batch import extract_paths
    from kg.extract import nlp as pmkg_nlp

    texts = articles(args.articles)
    words = sum(len(t.split()) for t in texts)
    with tempfile.TemporaryDirectory(prefix="pmkg-bench-") as tmp:
        paths = []
        for n, text in enumerate(texts):
            path = Path(tmp) / f"article-{n:04d}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(path)

        model = spacy.load(pmkg_nlp.model_name())
        list(model.pipe(texts[:8]))  # warm up
        baseline = timed(lambda: list(model.pipe(texts, batch_size=8)))

        pmkg_nlp.load()  # load once, as a long-running ingest would
        one = timed(lambda: [r for r in extract_paths(paths, workers=1)])
        two = timed(lambda: [r for r in extract_paths(paths, workers=2)])
        results = list(extract_paths(paths[:5], workers=1))
        assert all(r.status == "ok" for r in results), results

    print(f"{args.articles} synthetic articles, {words} words; baseline = spaCy nlp.pipe "
          f"({pmkg_nlp.model_name()}) over the same texts, same run")
    print(f"{'run':36} {'seconds':>8} {'articles/s':>11} {'words/s':>9} {'time vs baseline':>17}")
    for name, seconds in [("spaCy nlp.pipe (baseline)", baseline), ("pmkg extract, 1 worker", one),
                          ("pmkg extract, 2 workers", two)]:
        print(f"{name:36} {seconds:8.2f} {args.articles / seconds:11.1f} {words / seconds:9.0f} "
              f"{seconds / baseline:16.2f}x")
    print(f"2 workers give {one / two:.2f}x the throughput of 1 worker")


if __name__ == "__main__":
    main()
