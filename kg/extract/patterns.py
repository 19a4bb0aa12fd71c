"""Extraction patterns kept as data (kg/data/patterns/*.jsonl) and small text helpers.

Each JSONL line is one rule: a ``code`` from a controlled vocabulary, a
``pattern`` (a regular expression, matched case-insensitively on a sentence
with its quotations blanked out), an optional ``unless`` pattern that vetoes
the rule when it matches the same sentence, and a ``note`` for people.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

QUOTE_SPAN = re.compile(r"“[^”]*”|\"[^\"\n]*\"|‘[^’\n]{12,}’")
# Words that turn a reported step into a possibility rather than a fact.
HEDGE = re.compile(
    r"\b(?:could|can|may|might) (?:\w+ )?(?:face|lead to|result in|be)\b|\bif (?:found|proven|the allegations)\b"
    r"|\bnot necessarily\b|\bwhether\b|\bpossible\b|\bpotential(?:ly)?\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    code: str
    pattern: re.Pattern
    unless: re.Pattern | None
    note: str

    def matches(self, text: str) -> re.Match | None:
        match = self.pattern.search(text)
        if match and self.unless is not None and self.unless.search(text):
            return None
        return match


@lru_cache(maxsize=None)
def rules(name: str) -> tuple[Rule, ...]:
    """The rules of kg/data/patterns/<name>.jsonl, in file order."""
    text = files("kg").joinpath(f"data/patterns/{name}.jsonl").read_text(encoding="utf-8")
    loaded = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        try:
            loaded.append(Rule(
                code=item["code"],
                pattern=re.compile(item["pattern"], re.IGNORECASE),
                unless=re.compile(item["unless"], re.IGNORECASE) if item.get("unless") else None,
                note=item.get("note", ""),
            ))
        except (KeyError, re.error) as error:
            raise ValueError(f"patterns/{name}.jsonl line {number}: {error}") from error
    return tuple(loaded)


def blank_quotes(text: str) -> str:
    """The text with quoted words replaced by spaces (same length, so offsets hold)."""
    return QUOTE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "pair": 2, "dozen": 12,
}
ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10}


def number(word: str) -> int | None:
    word = word.lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)
