"""Which counted or unnamed officer mentions of a sentence are not officers the article is about.

kg/extract/officers.py finds "three Met officers", "a former constable"; the assembly
(kg/extract/assemble.py) asks `not_a_subject_group` before it makes one an unnamed
officer or a group.
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from kg.extract import scope
from kg.extract.cues import APPOSITION_GAP, CUE, DISCIPLINE_VERB, NON_POLICE_TITLE, SPEAKER_APPOSITION, VICTIM_BEFORE
from kg.extract.facts import Evidence, Officer
from kg.extract.officers import RANK_WORDS, Mention, find_force, group_mentions, person_names
from kg.reference import by_key

# "Officer A", "PC B", "Constable AB": an officer the article does not name (not "Miss A", a civilian)
CIPHER = re.compile(r"\b(?P<rank>Officer|Constable|PC|Sergeant|Sgt|DC|Detective Constable|Inspector)\s+"
                    r"(?P<cipher>(?!I\b)[A-Z]{1,2})(?![\w'’-])")
ALIAS_BEFORE = re.compile(r"\b(?:known|referred to|named|identified|described)(?: \w+){0,4} (?:only )?as\s+$",
                          re.IGNORECASE)
SENIOR = re.compile(r"\b(?:chief|assistant|deputy|commissioner|superintendent)\b")
GENERAL_REMARK_END = re.compile(r"\s+(?:has|had|was|is|who|were)\b")


def not_a_subject_group(sentence: Span, text: str, mention: Mention, named: list[Mention]) -> bool:
    """True when the mention is no new subject: an apposition of a named officer ("Jo Bell, 47, a
    former Met constable"), a victim ("assaulted a BTP officer"), the object of a verb that is not
    about discipline ("harassed three officers"), a senior officer chairing or speaking, a predicate
    ("had he still been a serving officer") or an officer in a general remark."""
    if mention.size == 1 and any(0 <= mention.start - m.end <= 12 and APPOSITION_GAP.match(
            text[m.end:mention.start]) for m in named):
        return True
    if VICTIM_BEFORE.search(text[max(0, mention.start - 30):mention.start]) or \
            scope.object_of_other_verb(sentence, mention.end, DISCIPLINE_VERB):
        return True
    if mention.size == 1 and SENIOR.search(mention.text.lower().split(" of ")[0]) and (
            scope.role_only(sentence, mention.start, mention.end) or not CUE.search(text)):
        return True
    if mention.size == 1 and scope.predicate_noun(sentence, mention.end):
        return True
    if re.search(r"\b(?:every|any|each|no)\s+(?:[\w-]+\s+){0,2}$", text[max(0, mention.start - 25):mention.start]
                 + " ", re.IGNORECASE) or re.search(r"\b(?:every|any|each)\b[^,.;]{0,20}$", text[:mention.start]):
        return True  # "every report about an officer is investigated": officers in general
    return mention.size == 1 and not (mention.force or mention.status or mention.ordinal or mention.rank) \
        and not GENERAL_REMARK_END.match(text[mention.end:]) and not scope.did_something(sentence, mention.end)


LEAD_CUE = re.compile(r"\b(?:charged|convicted|guilty|jailed|sentenced|suspended|dismissed|sacked|fired|barred|"
                      r"accused|investigated|arrested|cleared|acquitted|admitted|denied|resigned|faces?|facing|"
                      r"appeared|pleaded|retire[ds]?|retirement|resignation|investigation|case to answer|"
                      r"no further action)\b", re.IGNORECASE)
# A lead naming the officer by rank: "The former chief constable of Humberside Police is under investigation"
DEFINITE_LEAD = re.compile(r"\b(?:the|a|an)\s+(?:(?:former|ex-|retired|serving|suspended|disgraced)\s+)?"
                           r"(?:(?-i:[A-Z][\w&'’-]*)\s+){0,3}(?:chief constable|deputy chief constable|"
                           r"assistant chief constable|chief superintendent|superintendent|chief inspector|"
                           r"inspector|sergeant|constable|detective|officer|policeman|policewoman)\b", re.IGNORECASE)
RELATION_BEFORE = re.compile(r"\b(?:of|mother|father|son|daughter|wife|husband|partner|brother|sister|victim|"
                             r"girlfriend|boyfriend|widow|family|friend|neighbour)\s+$", re.IGNORECASE)
AGE_AFTER = re.compile(r"^\s*(?:,\s*\d{2}\s*,|\(\d{2}\))")


def lead_officer_name(sentences, texts: list[str], window: int = 12) -> str | None:
    """The name the article gives, right after its lead, to the unnamed officer of the lead.

    "A former Kent Police constable has been convicted of ... / Jo Bell, 33, had denied ...":
    a lead sentence with one unnamed officer and a cue word, then within two sentences the
    first person named with an age, or as the subject of a cue verb, who is not titled as a
    civilian (judge, solicitor) nor introduced as a speaker. That person is the officer.
    """
    for index, text in enumerate(texts[:window]):
        singles = [m for m in group_mentions(text) if m.size == 1 and not m.ordinal]
        definite = DEFINITE_LEAD.search(text)
        if definite and not singles:
            singles = [Mention(start=definite.start(), end=definite.end())]
        if not singles or not LEAD_CUE.search(text):
            continue
        for later in range(index, min(index + 3, len(texts))):
            for name, start, end in person_names(sentences[later], texts[later]):
                if NON_POLICE_TITLE.search(texts[later][max(0, start - 30):start]) or \
                        SPEAKER_APPOSITION.match(texts[later][end:]):
                    continue
                if later == index and not 0 <= start - singles[0].end <= 4:
                    continue  # named elsewhere in the lead sentence: someone else ("the death of Jo Bell")
                if RELATION_BEFORE.search(texts[later][max(0, start - 25):start]):
                    continue  # "his partner Jo Bell", "the family of Jo Bell": not the officer
                if AGE_AFTER.match(texts[later][end:]) or LEAD_CUE.search(texts[later][end:end + 80]):
                    return name
        return None
    return None


def cipher_mentions(text: str, ciphers: dict[str, str], unnamed: list[Officer], last: str | None,
                    evidence: Evidence) -> list[tuple[int, int, str]]:
    """Officers the article calls only "Officer A": one unnamed officer per letter (added to
    ``unnamed``), or the officer the cipher stands for ("a fifth officer known only as Officer A",
    "the officer, referred to as Officer A"). ``ciphers`` maps each letter to its officer's key."""
    found = []
    for match in CIPHER.finditer(text):
        letter = match.group("cipher")
        key = ciphers.get(letter)
        if key is None and ALIAS_BEFORE.search(text[max(0, match.start() - 40):match.start()]):
            key = unnamed[-1].key if unnamed else last
        if key is None:
            officer = Officer(key=f"u{len(unnamed) + 1}", rank=RANK_WORDS.get(match.group("rank").lower()),
                              force=find_force(text)[0], description=match.group(0), evidence=[evidence])
            unnamed.append(officer)
            key = officer.key
        ciphers[letter] = key
        found.append((match.start(), match.end(), key))
    return found


def only_speaks(text: str, name: str) -> bool:
    """The sentence ends with the officer speaking: "..., Jo Bell said." """
    surname = re.escape(name.split()[-1])
    return bool(re.search(surname + r"\b[^.]{0,120}\b(?:said|told|added)\b\s*[:,]?\s*$", text.strip()))


def harmed_officers(officers: list[Officer], sentences: list[Span], located: list[list[tuple[int, int, str]]],
                    first_sentence) -> set[str]:
    """Named officers the article introduces as harmed by someone else ("PC Ann Lee was bitten by a
    patient"): the article is about what was done to them, not by them."""
    found = set()
    for officer in officers:
        first = first_sentence(officer.key)
        places = [(a, b) for a, b, k in located[first] if k == officer.key] if first < len(located) else []
        if officer.name and places and scope.harmed(sentences[first], *places[0]):
            found.add(officer.key)
    return found


def speaking_for(role: str | None) -> str | None:
    """The force or body a speaker's role names ("a spokesperson for Kent Police")."""
    if not role:
        return None
    return find_force(role)[0] or next((k for k, o in by_key().items() if o.kind != "territorial" and any(
        re.search(r"\b" + re.escape(a) + r"\b", role) for a in (o.name, *o.aliases))), None)


def rank_compatible(a: str | None, b: str | None) -> bool:
    """Ranks that may be one person's: equal, unknown, or one narrower ("detective-inspector", "inspector")."""
    return a is None or b is None or a.endswith(b) or b.endswith(a)
