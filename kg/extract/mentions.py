"""Which counted or unnamed officer mentions of a sentence are not officers the article is about.

kg/extract/officers.py finds "three Met officers", "a former constable"; the assembly
(kg/extract/assemble.py) asks `not_a_subject_group` before it makes one an unnamed
officer or a group.
"""

from __future__ import annotations

import re

from spacy.tokens import Span

from kg.extract import scope
from kg.extract.cues import APPOSITION_GAP, CUE, DISCIPLINE_VERB, VICTIM_BEFORE
from kg.extract.officers import Mention

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
    return mention.size == 1 and not (mention.force or mention.status or mention.ordinal or mention.rank) \
        and not GENERAL_REMARK_END.match(text[mention.end:]) and not scope.did_something(sentence, mention.end)
