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
from functools import lru_cache

from spacy.tokens import Doc, Span

from kg.extract.patterns import SINGLE_QUOTE

from kg.extract.spans import ents_starting_in

SPEECH_VERBS = (r"said|says|say|told|tells|added|adds|stated|states|explained|described|warned|insisted|"
                r"admitted|claimed|argued|wrote|commented|continued|concluded|remarked|recalled|"
                r"acknowledged|accepted|conceded|urged|asked|suggested|called|labelled|branded")
SPEECH_RE = re.compile(r"\b(?:" + SPEECH_VERBS + r")\b", re.IGNORECASE)
QUOTE_TEXT = re.compile(r"“([^”]+)”?|\"([^\"]+)\"?|" + SINGLE_QUOTE)
SPEECH_LEMMAS = {"say", "tell", "add", "state", "explain", "describe", "warn", "insist", "admit", "claim", "argue",
                 "write", "comment", "continue", "conclude", "remark", "recall", "acknowledge", "accept", "concede",
                 "urge", "ask", "suggest", "call", "label", "brand", "accuse"}
PRONOUN_SPEECH = re.compile(r"\b(?:he|she|they)\s+(?:" + SPEECH_VERBS + r")\b|\b(?:" + SPEECH_VERBS
                            + r")\s+(?:he|she)\b", re.IGNORECASE)
RANK_PREFIX = re.compile(
    r"^(?:(?:former|acting|temporary|retired|ex-)\s+)?(?:Police Constable|Special Constable|Detective Constable|"
    r"Detective Sergeant|Detective Inspector|Detective Chief Inspector|Detective Superintendent|"
    r"Detective Chief Superintendent|Chief Superintendent|Superintendent|Chief Inspector|Inspector|Sergeant|"
    r"Constable|Commander|Assistant Chief Constable|Deputy Chief Constable|Chief Constable|"
    r"Deputy Assistant Commissioner|Assistant Commissioner|Deputy Commissioner|Commissioner|"
    r"PC|DC|DS|DI|DCI|Sgt|Supt|Insp|Det|Dr|Mr|Mrs|Ms|Miss|Sir|Dame|Lord|Lady|Judge|Sheriff|"
    r"Recorder|District Judge|His Honour Judge|Her Honour Judge|Senior Constable|Lieutenant|Captain|Lt|Capt)\.?\s+"
    # short or ambiguous titles only before a name of two words: "Dep Ch Con Ann Lee", not "Con Murphy"
    r"|^(?:Ch|Dep|Con|Const|Garda|Officer|Detective)\.?\s+(?=[A-Z][\w’'-]+\s+[A-Z])")


@dataclass
class FoundQuote:
    speaker: str
    text: str
    role: str | None
    start: int          # where the quoted words start in the document


# Words of ranks and titles: a "name" made only of them ("Dep Ch", cut from "Dep Ch Con Ann Lee") is none.
TITLE_WORDS = {"dep", "deputy", "ch", "chief", "con", "const", "constable", "det", "detective", "supt",
               "superintendent", "insp", "inspector", "sgt", "sergeant", "asst", "assistant", "acting", "temporary",
               "police", "officer", "pc", "dc", "ds", "di", "dci", "acc", "dcc", "commander", "commissioner",
               "lt", "lieutenant", "capt", "captain", "garda", "senior", "special"}


def clean_name(text: str) -> str:
    """A person's name without rank or title, possessive or trailing punctuation."""
    text = re.sub(r"(?:'s|’s)$", "", text.strip())
    previous = None
    while previous != text:
        previous = text
        text = RANK_PREFIX.sub("", text)
    text = re.sub(r"(?:\s+[a-z][\w'’-]*)+$", "", text.strip(" ,.;:"))  # "Jo Bell of" cut by the NER
    text = re.sub(r",?\s+(?:QC|KC|SC|MP|MSP|MS|JP)$", "", text)  # post-nominals: "Jo Bell KC"
    if text and all(word.lower().strip(".") in TITLE_WORDS for word in text.split()):
        return ""
    return text


TITLED_NAME = re.compile(
    r"\b(?:(?:Police|Special|Detective|Chief|Assistant|Deputy|Acting|Temporary|Independent|Det|Ch)\s+)*"
    r"(?:Constable|Sergeant|Inspector|Superintendent|Commander|Commissioner|PC|DC|DS|DI|DCI|Sgt|Supt|Insp|"
    r"Garda|Officer|Lieutenant|Lt|Captain|Capt|Con|Const|"
    r"Mr|Mrs|Ms|Miss|Dr|Judge|Sheriff|Professor|chair|chairman|chairwoman)\.?\s+"
    r"((?:[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?\s+)?[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?)\b")
PEER = re.compile(r"\b((?:Lord|Lady|Baroness|Baron|Dame|Sir)\s+[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?(?:\s+[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?)?)\b")
SURNAME_SPEAKS = re.compile(r"\b([A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?)\s+(?:" + SPEECH_VERBS + r")\b")


def known_people(doc: Doc) -> dict[str, str]:
    """Surname -> full name for every two-word name the article uses."""
    names = {}
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            name = clean_name(ent.text)
            if len(name.split()) >= 2:
                names.setdefault(name.split()[-1], name)
    for match in TITLED_NAME.finditer(doc.text):
        if len(match.group(1).split()) == 2:
            names.setdefault(match.group(1).split()[-1], match.group(1))
    return names


def _persons(doc: Doc, start: int, end: int, unquoted: str, people: dict[str, str]) -> list[tuple[str, int]]:
    """Names of the people in doc.text[start:end] outside quotations, with their offsets.

    Besides PERSON entities: a rank or title before a name ("Assistant Chief
    Constable Nadia Kershaw", "Mr Greer"), and a known surname before a speech
    verb ("Petrie told the court"), each resolved to the full name used elsewhere.
    """
    found = []
    for ent in ents_starting_in(doc, start, end):
        if ent.label_ == "PERSON":
            if unquoted[ent.start_char - start:ent.start_char - start + 1] != " ":
                found.append((clean_name(ent.text), ent.start_char - start))
    for match in TITLED_NAME.finditer(unquoted):
        found.append((match.group(1), match.start(1)))
    for match in SURNAME_SPEAKS.finditer(unquoted):
        if match.group(1) in people:
            found.append((match.group(1), match.start(1)))
    resolved = [(m.group(1), m.start(1)) for m in PEER.finditer(unquoted)]  # known by title: "Lord Stevens"
    for name, offset in found:
        if len(name.split()) < 2:
            name = people.get(name, name)
        if len(name.split()) >= 2:
            resolved.append((name, offset))
    return resolved


@lru_cache(maxsize=1024)
def _role(sentence_text: str, name: str) -> str | None:
    """The words around the speaker's name that say who they are."""
    after = re.search(re.escape(name) + r"(?:'s|’s)?\s*,\s*([^,“\"]{3,90}?)\s*,\s*(?:" + SPEECH_VERBS + r")\b",
                      sentence_text)
    if after:
        return after.group(1).strip()
    after = re.search(re.escape(name) + r"\s*,\s*((?:the |a |an )[^,“\"]{3,90}?)(?:,|\.|$)", sentence_text)
    if after:
        return after.group(1).strip()
    before = re.search(r"(?:^|[.,:;”\"]\s|\band\s)([A-Z][^,“”\".:]{2,80}?)\s+" + re.escape(name), sentence_text)
    if before:
        words = before.group(1).strip()
        if not SPEECH_RE.search(words) and len(words.split()) <= 10:
            return words
    return None


def _subject_of_speech(sentence: Span, offset: int, people: list[tuple[str, int]]) -> tuple[str | None, bool]:
    """The person who is the subject of the sentence's speech verb, by the parse, and whether the
    subject is a role without a name ("the procurator fiscal described him as ...")."""
    for token in sentence:
        if token.lemma_.lower() not in SPEECH_LEMMAS or token.pos_ != "VERB":
            continue
        subjects = [c for c in token.children if c.dep_ == "nsubj"]
        if not subjects:
            continue
        subject = subjects[0]
        low, high = subject.left_edge.idx - offset, subject.right_edge.idx + len(subject.right_edge.text) - offset
        inside = [(n, o) for n, o in people if low <= o < high]
        if inside:
            return min(inside, key=lambda p: abs(p[1] - (subject.idx - offset)))[0], False
        return None, subject.pos_ == "NOUN"
    return None, False


def _speaker_by_parse(doc: Doc, sentences: list[Span], sentence: Span, offset: int, end: int,
                      people: list[tuple[str, int]]) -> str | None:
    """The subject of the speech verb; for a role without a name ("Our regional director said ..."),
    the person named as a speaker in the next sentence of the paragraph ("Jo Bell added ...")."""
    name, by_role = _subject_of_speech(sentence, offset, people)
    if name or not by_role:
        return name
    following = next((s for s in sentences if s.start_char >= sentence.end_char), None)
    if following is not None and following.start_char < end:
        name = _subject_of_speech(following, offset, people)[0]
    return name or _titled_earlier(doc, sentence)


def _titled_earlier(doc: Doc, sentence: Span) -> str | None:
    """The person an earlier sentence gave the title the speaker is called by now:
    "chaired by Acting Chief Constable Jo Bell" ... "The acting chief constable said"."""
    for token in sentence:
        if token.lemma_.lower() in SPEECH_LEMMAS and token.pos_ == "VERB":
            subject = next((c for c in token.children if c.dep_ == "nsubj"), None)
            if subject is None:
                return None
            title = " ".join(t.text for t in subject.subtree if t.dep_ not in ("det", "poss", "punct"))
            if len(title.split()) < 2:
                return None  # "the chair", "the officer": too common to look up
            found = re.findall(re.escape(title) + r"\s+((?:[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?\s+)?[A-Z][a-z’'-]+"
                               r"(?:[A-Z][a-z’'-]+)?)", doc.text[:sentence.start_char], re.IGNORECASE)
            names = [clean_name(n) for n in found if len(clean_name(n).split()) >= 2]
            return names[-1] if names else None
    return None


def find_quotes(doc: Doc) -> list[FoundQuote]:
    """Quotations, attributed sentence by sentence, then paragraph by paragraph.

    A quotation's speaker is the person nearest a speech verb in its own
    sentence, else in its paragraph; a paragraph that names nobody continues
    the previous speaker (or the one announced by a paragraph ending "said:").
    """
    found: list[FoundQuote] = []
    people = known_people(doc)
    sentences = list(doc.sents)
    last_speaker: str | None = None
    last_role: str | tuple[str, str] | None = None
    for para in re.finditer(r"[^\n]+", doc.text):
        text, offset = para.group(0), para.start()
        quotes = list(QUOTE_TEXT.finditer(text))
        unquoted = text
        for q in reversed(quotes):
            unquoted = unquoted[:q.start()] + " " * (q.end() - q.start()) + unquoted[q.end():]
        para_people = _persons(doc, offset, para.end(), unquoted, people)
        if not quotes:
            if para_people and re.search(r"\b(?:said|added|told \w+)\s*:\s*$", text):
                last_speaker, last_role = para_people[0][0], _role(text, para_people[0][0])
            else:  # reported speech: "Jo Bell said the force ..." makes "she said" later hers
                speaker = next((n for s in sentences if offset <= s.start_char < para.end()
                                for n in [_subject_of_speech(s, offset, para_people)[0]] if n), None)
                if speaker:
                    last_speaker, last_role = speaker, (text, speaker)  # the role is looked up if quoted
            continue
        for quote in quotes:
            words = (quote.group(1) or quote.group(2) or quote.group(3) or "").strip()
            sentence = next((s for s in sentences if s.start_char <= offset + quote.start() < s.end_char), None)
            name = role = None
            if sentence is not None:
                name = _speaker_by_parse(doc, sentences, sentence, offset, para.end(), para_people)
                role = _role(text, name) if name else None
            for a, b in ([(sentence.start_char - offset, sentence.end_char - offset)] if sentence else []) + [(0, len(text))]:
                if name:
                    break
                local = [(n, o) for n, o in para_people if a <= o < b]
                verb = SPEECH_RE.search(unquoted, a, b) if local else None
                if verb:
                    # the subject says: a name before the verb, else the nearest after ("..., said Jo Bell")
                    before = [p for p in local if p[1] < verb.start()]
                    name = (max(before, key=lambda p: p[1]) if before else
                            min(local, key=lambda p: abs(p[1] - verb.start())))[0]
                    role = _role(text, name)
                    break
            if name is None and last_speaker and (PRONOUN_SPEECH.search(unquoted) or not unquoted.strip(" ,.")
                                                  or quote.start() == 0):
                name, role = last_speaker, _role(*last_role) if isinstance(last_role, tuple) else last_role
            if not name or len(words.split()) < 1:
                continue
            found.append(FoundQuote(speaker=name, text=words, role=role, start=offset + quote.start()))
            last_speaker, last_role = name, role
    return found
