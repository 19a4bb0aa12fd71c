"""Extraction patterns kept as data (kg/data/patterns/*.jsonl) and small text helpers.

Each JSONL line is one rule: a ``code``, the notation of a concept of the file's SKOS
concept scheme in ontology/vocabularies.ttl (``SCHEMES``; a code that is no concept there
stops loading with the file and line); a ``pattern`` (a regular expression, matched
case-insensitively on a sentence with its quotations blanked out), an optional ``unless``
pattern that vetoes the rule when it matches the same sentence, and a ``note`` for people.

Outcome rules also say how the extractor treats their code (all optional, default off):
``officer_only`` (only an officer can have it, so the sentence need not name one),
``investigation_kind`` ("criminal" or "misconduct": the kind of investigation the outcome
shows when the article does not say), ``leaves_force`` (the officer is no longer serving) and
``implies`` (the code of a step that must have come first: nobody is convicted or acquitted
without being charged, so ``conviction`` implies ``criminal-charge``), ``decision`` (the
sentence's subject is whoever decided, "the CPS decided not to charge", not the officer) and
``in_post`` (the officer is serving: suspended, on restricted duties, warned) and
``not_of`` ("claims" or "allegations": the cue said of such a thing is no officer's outcome,
"the charges were dismissed", "the allegation was not proven"; kg/extract/scope.py).
The extractor's sets of codes come from these files through :func:`codes`, so adding an
outcome type is an edit of vocabularies.ttl and outcomes.jsonl only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import pyoxigraph as ox

from kg import resources
from kg.namespaces import PREFIXES, VOCAB

# Single curly quotes: ’ inside a word is an apostrophe ("it’s"), not the end of the quotation.
SINGLE_QUOTE = r"(?<![\w’])‘((?:[^’\n]|’(?=\w))+)’(?!\w)"
QUOTE_SPAN = re.compile(r"“[^”]*”|\"[^\"\n]*\"|" + SINGLE_QUOTE)
# Words that turn a reported step into a possibility rather than a fact.
HEDGE = re.compile(
    r"\b(?:could|can|may|might) (?:\w+ )?(?:face|lead to|result in|be)\b|\bif (?:found|proven|the allegations)\b"
    r"|\bnot necessarily\b|\bwhether\b|\bpossible\b|\bpotential(?:ly)?\b",
    re.IGNORECASE)


# Pattern file -> the concept scheme its codes belong to (VOCAB + scheme).
SCHEMES = {"allegations": "allegation", "outcomes": "outcome"}
INVESTIGATION_KINDS = (None, "criminal", "misconduct")


@dataclass(frozen=True)
class Rule:
    code: str
    pattern: re.Pattern
    unless: re.Pattern | None
    note: str
    officer_only: bool = False
    investigation_kind: str | None = None
    leaves_force: bool = False
    implies: str | None = None
    decision: bool = False
    in_post: bool = False
    not_of: str | None = None

    def matches(self, text: str) -> re.Match | None:
        match = self.pattern.search(text)
        if match and self.unless is not None and self.unless.search(text):
            return None
        return match


@lru_cache(maxsize=None)
def rules(name: str) -> tuple[Rule, ...]:
    """The rules of kg/data/patterns/<name>.jsonl, in file order."""
    return parse_rules(files("kg").joinpath(f"data/patterns/{name}.jsonl").read_text(encoding="utf-8"), name)


def parse_rules(text: str, name: str) -> tuple[Rule, ...]:
    """The rules of the JSONL ``text`` of pattern file ``name``; ValueError naming the line of a bad one."""
    loaded = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item = json.loads(line)
        try:
            rule = Rule(
                code=item["code"],
                pattern=re.compile(item["pattern"], re.IGNORECASE),
                unless=re.compile(item["unless"], re.IGNORECASE) if item.get("unless") else None,
                note=item.get("note", ""),
                officer_only=_flag(item, "officer_only"),
                investigation_kind=item.get("investigation_kind"),
                leaves_force=_flag(item, "leaves_force"),
                implies=item.get("implies"),
                decision=_flag(item, "decision"),
                in_post=_flag(item, "in_post"),
                not_of=item.get("not_of"),
            )
        except (KeyError, ValueError, re.error) as error:
            raise ValueError(f"patterns/{name}.jsonl line {number}: {error}") from error
        if rule.code not in concepts(SCHEMES[name]):
            raise ValueError(f"patterns/{name}.jsonl line {number}: code {rule.code!r} is not a concept of "
                             f"{VOCAB}{SCHEMES[name]} in vocabularies.ttl")
        if rule.implies is not None and rule.implies not in concepts(SCHEMES[name]):
            raise ValueError(f"patterns/{name}.jsonl line {number}: implies {rule.implies!r} is not a concept of "
                             f"{VOCAB}{SCHEMES[name]} in vocabularies.ttl")
        if rule.not_of not in (None, "claims", "allegations"):
            raise ValueError(f"patterns/{name}.jsonl line {number}: not_of {rule.not_of!r} is not claims or allegations")
        if rule.investigation_kind not in INVESTIGATION_KINDS:
            raise ValueError(f"patterns/{name}.jsonl line {number}: investigation_kind "
                             f"{rule.investigation_kind!r} is not one of {INVESTIGATION_KINDS[1:]}")
        loaded.append(rule)
    return tuple(loaded)


def _flag(item: dict, key: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{key} is {value!r}, not true or false")
    return value


def codes(name: str, **traits: object) -> frozenset[str]:
    """The codes of kg/data/patterns/<name>.jsonl whose rules have ``traits``: codes("outcomes", officer_only=True)."""
    return frozenset(rule.code for rule in rules(name)
                     if all(getattr(rule, trait) == value for trait, value in traits.items()))


@lru_cache(maxsize=None)
def concepts(scheme: str) -> frozenset[str]:
    """The notations of the concepts of VOCAB + ``scheme`` in vocabularies.ttl whose IRI ends in them."""
    skos = PREFIXES["skos"]
    in_scheme, notation = ox.NamedNode(skos + "inScheme"), ox.NamedNode(skos + "notation")
    scheme_iri = ox.NamedNode(VOCAB + scheme)
    members, notations = set(), {}
    path = resources.ontology_dir() / "vocabularies.ttl"
    for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
        if quad.predicate == in_scheme and quad.object == scheme_iri:
            members.add(quad.subject)
        elif quad.predicate == notation:
            notations[quad.subject] = quad.object.value
    return frozenset(notations[concept] for concept in members
                     if concept in notations and concept.value == f"{VOCAB}{scheme}/{notations[concept]}")


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
