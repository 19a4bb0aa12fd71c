"""Benchmark search: the FTS5 index (kg.search) against a SPARQL CONTAINS scan, same store, same run.

Generates a synthetic store of about ``--triples`` triples (articles with a
headline and sentences, officers with names, ranks and forces), builds the
search index, then times the same searches both ways:

- ``fts5``: ``kg.search.search`` (opens the index read-only, ranks, marks, top 20);
- ``sparql``: the plain way without an index, a ``FILTER(CONTAINS(LCASE(...)))``
  over every officer name, headline and sentence text of the store (all matches).

Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_search.py --quick     # ~100k triples
    .venv/bin/python benchmarks/bench_search.py             # ~1M triples, about a minute
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from kg import search
from kg.namespaces import ID, PMKG, VOCAB, sparql_prefixes
from kg.store import Store

SCHEMA = "https://schema.org/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SEED = 12
FIRST = ["Alex", "Sam", "Jo", "Chris", "Pat", "Robin", "Lee", "Kim", "Nat", "Ashley", "Jamie", "Morgan"]
SURNAMES = [f"{a}{b}" for a in ("Hal", "Mar", "Ken", "Wes", "Ash", "Brom", "Cal", "Dun", "Fen", "Gar")
            for b in ("low", "ford", "wick", "ton", "by", "ley", "more", "well")]
WORDS = ["hearing", "misconduct", "gross", "panel", "dismissed", "allegation", "charged", "court", "custody",
         "complaint", "investigation", "watchdog", "force", "officer", "constable", "sergeant", "evidence",
         "statement", "victim", "arrest", "footage", "camera", "report", "inquiry", "tribunal", "appeal"]
RANKS = ["constable", "sergeant", "inspector"]
TRIPLES_PER_ARTICLE = 20
SEARCHES = ["Halford", "Kim Wesley", "footage", "tribunal appeal", "Force 7"]


def generate(path: Path, triples: int) -> int:
    """Write a deterministic N-Quads file; return the number of quads."""
    rng = random.Random(SEED)
    articles = max(1, triples // TRIPLES_PER_ARTICLE)
    officers = max(1, articles // 3)
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        def q(s, p, o, g):
            nonlocal count
            out.write(f"<{s}> <{p}> {o} <{g}> .\n")
            count += 1

        for a in range(articles):
            art = f"{ID}article/{a}"
            words = " ".join(rng.choice(WORDS) for _ in range(6))
            q(art, TYPE, f"<{PMKG}NewsArticle>", art)
            q(art, SCHEMA + "headline", f'"Officer {words} {a}"', art)
            for k in range(3):
                s = f"{ID}sentence/{a}-{k}"
                text = " ".join(rng.choice(WORDS) for _ in range(14))
                q(s, TYPE, f"<{PMKG}Sentence>", art)
                q(s, PMKG + "text", f'"{text.capitalize()}."', art)
                q(s, PMKG + "inArticle", f"<{art}>", art)
            for _ in range(2):
                j = rng.randrange(officers)
                off, force = f"{ID}officer/{j}", f"{ID}force/{j % 45}"
                q(off, TYPE, f"<{PMKG}PoliceOfficer>", art)
                q(off, PMKG + "name", f'"{FIRST[j % len(FIRST)]} {SURNAMES[(j // 12) % len(SURNAMES)]}"', art)
                q(off, PMKG + "rank", f"<{VOCAB}rank/{RANKS[j % 3]}>", art)
                q(off, PMKG + "force", f"<{force}>", art)
                q(force, PMKG + "name", f'"Force {j % 45}"', art)
    return count


BASELINE = sparql_prefixes() + """
SELECT ?s ?text WHERE {
  GRAPH ?g { ?s pmkg:name|schema:headline|pmkg:text ?text }
  FILTER (CONTAINS(LCASE(?text), %s))
}"""


def median_time(function, runs: int) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        n = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="about 100,000 triples")
    parser.add_argument("--runs", type=int, default=5, help="runs per search (median reported)")
    args = parser.parse_args()
    triples = 100_000 if args.quick else args.triples
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        data = work / "data.nq"
        quads = generate(data, triples)
        start = time.perf_counter()
        with Store.create(work / "store") as store:
            store.load(data, format="nquads")
            store.flush()
        load = time.perf_counter() - start
        with Store(work / "store", read_only=True) as store:
            start = time.perf_counter()
            documents = search.rebuild(store)
            build = time.perf_counter() - start
            total = len(store)
            print(f"{total:,} quads in the store ({quads:,} generated); load {load:.1f} s; "
                  f"index of {documents:,} documents built in {build:.1f} s "
                  f"({search.index_path(work / 'store').stat().st_size / 1e6:.1f} MB); median of {args.runs} runs")
            print(f"{'search':<18} {'fts5':>10} {'sparql CONTAINS':>16} {'ratio':>8}   hits (fts5 top-20 / sparql all)")
            ratios = []
            for text in SEARCHES:
                fts, n_fts = median_time(lambda: len(search.search(search.index_path(work / "store"), text)),
                                         args.runs)
                query = BASELINE % json.dumps(text.lower())  # the searches are plain words
                base, n_base = median_time(lambda: len(list(store.query(query))),
                                           max(1, args.runs // 2))
                ratios.append(base / fts)
                print(f"{text:<18} {fts * 1000:>8.2f} ms {base * 1000:>13.0f} ms {base / fts:>7.0f}x   {n_fts} / {n_base}")
            print(f"median ratio: the index is {statistics.median(ratios):.0f}x faster than the CONTAINS scan")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
