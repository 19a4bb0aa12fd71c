"""Quotations: words in quotation marks attributed to a named speaker.

Forms handled (speaker = a PERSON entity of the sentence, or the speaker of
the previous quotation for a continued paragraph or a pronoun):
- NAME, ROLE, said: “...”          - ROLE NAME said: “...”
- “...,” said NAME, ROLE.          - “...,” NAME said.
- NAME told the panel the messages had been “private banter”.
- “...,” she said.                  (the last named speaker or person)
Unnamed speakers ("a spokesperson") are not quotations of a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span

SPEECH_VERBS = (r"said|says|say|told|tells|added|adds|stated|states|explained|described|warned|insisted|"
                r"admitted|claimed|argued|wrote|commented|continued|concluded|remarked|recalled|"
                r"acknowledged|accepted|conceded|urged|asked|suggested|called|labelled|branded")
SPEECH_RE = re.compile(r"\b(?:" + SPEECH_VERBS + r")\b", re.IGNORECASE)
OPEN_QUOTE = re.compile(r"[“\"]")
QUOTE_TEXT = re.compile(r"“([^”]+)”?|\"([^\"]+)\"?")
PRONOUN_SPEECH = re.compile(r"\b(?:he|she|they)\s+(?:" + SPEECH_VERBS + r")\b|\b(?:" + SPEECH_VERBS
                            + r")\s+(?:he|she)\b", re.IGNORECASE)
RANK_PREFIX = re.compile(
    r"^(?:(?:former|acting|temporary|retired|ex-)\s+)?(?:Police Constable|Special Constable|Detective Constable|"
    r"Detective Sergeant|Detective Inspector|Detective Chief Inspector|Detective Superintendent|"
    r"Detective Chief Superintendent|Chief Superintendent|Superintendent|Chief Inspector|Inspector|Sergeant|"
    r"Constable|Commander|Assistant Chief Constable|Deputy Chief Constable|Chief Constable|"
    r"Deputy Assistant Commissioner|Assistant Commissioner|Deputy Commissioner|Commissioner|"
    r"PC|DC|DS|DI|DCI|Sgt|Supt|Insp|Det|Dr|Mr|Mrs|Ms|Miss|Sir|Dame|Lord|Lady|Judge|Sheriff|"
    r"Recorder|District Judge|His Honour Judge|Her Honour Judge)\.?\s+")


@dataclass
class FoundQuote:
    speaker: str
    text: str
    role: str | None
    sentence: Span


def clean_name(text: str) -> str:
    """A person's name without rank or title, possessive or trailing punctuation."""
    text = re.sub(r"(?:'s|’s)$", "", text.strip())
    previous = None
    while previous != text:
        previous = text
        text = RANK_PREFIX.sub("", text)
    return text.strip(" ,.;:")


def _persons(sentence: Span, outside: list[tuple[int, int]]) -> list[Span]:
    """PERSON entities of the sentence that are not inside quoted words."""
    people = []
    for ent in sentence.ents:
        if ent.label_ != "PERSON":
            continue
        start = ent.start_char - sentence.start_char
        if any(a <= start < b for a, b in outside):
            continue
        name = clean_name(ent.text)
        if len(name.split()) >= 2 or (people == [] and len(name.split()) == 1):
            people.append(ent)
    return people


def _role(sentence_text: str, name: str) -> str | None:
    """The words around the speaker's name that say who they are."""
    after = re.search(re.escape(name) + r"(?:'s|’s)?\s*,\s*([^,“\"]{3,90}?)\s*,\s*(?:" + SPEECH_VERBS + r")\b",
                      sentence_text)
    if after:
        return after.group(1).strip()
    after = re.search(re.escape(name) + r"\s*,\s*((?:the |a |an )[^,“\"]{3,90}?)(?:,|\.|$)", sentence_text)
    if after:
        return after.group(1).strip()
    before = re.search(r"(?:^|[.,:;]\s|\band\s)([A-Z][^,“\".:]{2,80}?)\s+" + re.escape(name), sentence_text)
    if before:
        words = before.group(1).strip()
        if not SPEECH_RE.search(words) and len(words.split()) <= 10:
            return words
    return None


def find_quotes(sentences: list[Span]) -> list[FoundQuote]:
    found: list[FoundQuote] = []
    last_speaker: str | None = None
    last_role: str | None = None
    open_quote = False   # a quotation that runs on into the next paragraph
    for sentence in sentences:
        text = sentence.text
        quotes = [m for m in QUOTE_TEXT.finditer(text)]
        spans = [m.span() for m in quotes]
        words = " ".join(q.group(1) or q.group(2) or "" for q in quotes).strip()
        if not quotes:
            open_quote = False
            continue
        continued = open_quote and text.lstrip().startswith(("“", '"'))
        open_quote = text.count("“") > text.count("”")
        people = _persons(sentence, spans)
        unquoted = text
        for a, b in reversed(spans):
            unquoted = unquoted[:a] + " " * (b - a) + unquoted[b:]
        speaker = None
        if people and SPEECH_RE.search(unquoted):
            # the person nearest to the speech verb outside the quotation
            verb = SPEECH_RE.search(unquoted).start()
            speaker = min(people, key=lambda e: abs(e.start_char - sentence.start_char - verb))
            name = clean_name(speaker.text)
            if len(name.split()) < 2 and last_speaker and last_speaker.split()[-1] == name:
                name = last_speaker
            role = _role(text, speaker.text) or _role(text, name)
        elif (continued or PRONOUN_SPEECH.search(unquoted) or not SPEECH_RE.search(unquoted)) and last_speaker:
            if not continued and not PRONOUN_SPEECH.search(unquoted):
                continue
            name, role = last_speaker, last_role
        else:
            continue
        if len(name.split()) < 2 or len(words) < 2:
            continue
        found.append(FoundQuote(speaker=name, text=words, role=role, sentence=sentence))
        last_speaker, last_role = name, role
    return found
