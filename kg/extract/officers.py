"""Officers and unnamed groups of officers in one article.

Rules, each small:
- rank + name: "PC Jo Bell", "former Sergeant Tom Hart";
- name + apposition: "Gary Lambourne, 47, a former Met constable";
- counted groups: "five serving officers", "a former Met officer", "a sixth officer",
  with breakdowns ("three of whom serve with the Met, one with Kent Police");
- forces from the mention ("a Kent Police constable", "of Norfolk Constabulary",
  "Met officers") or, failing that, from the only force the article names.
Who is a subject (accused, investigated, charged, disciplined) is decided by
the assembly in kg/extract/assemble.py (subject_keys, settle_subjects); this
module only finds mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extract.cues import NAME_AGE, NON_POLICE_TITLE, OFFICER_CUE, SPEAKER_APPOSITION
from kg.extract.patterns import NUMBER_WORDS, ORDINALS, number
from kg.extract.quotes import clean_name
from kg.extract.spans import sentence_ents
from kg.reference import organisations, unlisted, unlisted_version

RANK_WORDS = {
    # abbreviations reporters use, beside the labels of the rank scheme
    "pc": "constable", "wpc": "constable", "police constable": "constable", "constable": "constable",
    "special constable": "special-constable", "special": None,
    "dc": "detective-constable", "detective constable": "detective-constable", "det con": "detective-constable",
    "ds": "detective-sergeant", "detective sergeant": "detective-sergeant", "det sgt": "detective-sergeant",
    "sergeant": "sergeant", "sgt": "sergeant", "ps": "sergeant", "police sergeant": "sergeant",
    "inspector": "inspector", "insp": "inspector", "di": "detective-inspector",
    "detective inspector": "detective-inspector", "chief inspector": "chief-inspector",
    "detective chief inspector": "detective-chief-inspector", "dci": "detective-chief-inspector",
    "superintendent": "superintendent", "supt": "superintendent",
    "detective superintendent": "detective-superintendent",
    "chief superintendent": "chief-superintendent", "detective chief superintendent": "detective-chief-superintendent",
    "commander": "commander", "assistant chief constable": "assistant-chief-constable",
    "deputy chief constable": "deputy-chief-constable", "chief constable": "chief-constable",
    "deputy assistant commissioner": "deputy-assistant-commissioner",
    "assistant commissioner": "assistant-commissioner", "deputy commissioner": "deputy-commissioner",
    "commissioner": "commissioner",
    "det insp": "detective-inspector", "det supt": "detective-superintendent", "det ch supt":
    "detective-chief-superintendent", "ch supt": "chief-superintendent", "ch insp": "chief-inspector",
    "det chief insp": "detective-chief-inspector", "dep ch con": "deputy-chief-constable",
    "det const": "detective-constable", "det": None,
    # titles of forces beyond the UK
    "garda": "garda", "officer": "police-officer", "police officer": "police-officer",
    "senior constable": "senior-constable", "sen const": "senior-constable", "leading senior constable":
    "senior-constable", "lieutenant": "lieutenant", "lt": "lieutenant", "captain": "captain", "capt": "captain",
    "detective": "detective",
    # plural titles before a list of names: "PCs Ann Lee and Tom Hart"
    "pcs": "constable", "sgts": "sergeant", "sergeants": "sergeant", "police constables": "constable",
    "constables": "constable", "gardaí": "garda", "gardai": "garda", "det cons": "detective-constable",
    "detective constables": "detective-constable", "inspectors": "inspector", "officers": "police-officer",
}
PLURAL_RANKS = {"pcs", "sgts", "sergeants", "police constables", "constables", "gardaí", "gardai", "det cons",
                "detective constables", "inspectors", "officers"}
RANK_RE = re.compile(
    r"\b(?P<former>former |ex-|retired )?(?:acting |temporary )?(?P<rank>"
    + "|".join(sorted((re.escape(r) for r in RANK_WORDS if RANK_WORDS[r]), key=len, reverse=True))
    + r")\.?\s+$",
    re.IGNORECASE)
# "Officer" is a title only written with a capital before a name ("Officer Jane Roe"), not "the officer Jane Roe"
LOWER_TITLE = re.compile(r"\b(?:officer|police officer|detective|captain|lieutenant|garda)\s+$")
OFFICER_NOUN = (r"(?:police ?(?:officers?|constables?|sergeants?|men|women)|officers?|constables?|pcs?|sergeants?|"
                r"inspectors?|special constables?|policem[ae]n|policewom[ae]n|detective constables?|"
                r"detective sergeants?|detectives?|superintendents?|members? of (?:staff|the force))")
NOUN_RANK = {"constable": "constable", "pc": "constable", "sergeant": "sergeant", "inspector": "inspector",
             "special constable": "special-constable", "detective constable": "detective-constable",
             "detective sergeant": "detective-sergeant", "superintendent": "superintendent"}
STATUS_WORDS = r"(?:serving|former|current|retired|ex-|suspended|probationary|male|female|junior|senior|unnamed|other|more|further|fellow|off-duty|on-duty)"


@dataclass
class Mention:
    """One mention of an officer or group in a sentence (offsets in the sentence)."""

    start: int
    end: int
    name: str | None = None
    rank: str | None = None
    force: str | None = None
    status: str | None = None
    age: int | None = None
    size: int = 1
    ordinal: bool = False
    plural: bool = False     # a plural title before the first name of a list ("PCs Ann Lee and ...")
    parts: list["Mention"] = field(default_factory=list)
    text: str = ""


@lru_cache(maxsize=1)
def force_aliases() -> list[tuple[re.Pattern, str]]:
    """Patterns for naming a force, longest first: full names, aliases, and short place names."""
    entries: list[tuple[str, str]] = []
    for org in organisations():
        if not org.is_force:
            continue
        names = [org.name, *org.aliases]
        short = re.sub(r"\s+(?:Police|Constabulary|Police Service)$", "", org.name)
        # a place name alone names a UK force ("Kent officers"), not "Victoria" or "New Zealand"
        if short != org.name and org.police_uk_id and short not in {"British Transport", "Civil Nuclear"}:
            names.append(short)
        for name in names:
            entries.append((name, org.key))
    entries.sort(key=lambda e: len(e[0]), reverse=True)
    compiled = []
    for name, key in entries:
        flags = 0 if (name.isupper() or name in {"Met"}) else re.IGNORECASE
        compiled.append((re.compile(r"(?<![\w-])(?:the )?" + re.escape(name) + r"(?:'s|’s)?(?![\w-])", flags), key))
    return compiled


LOWER_MET = re.compile(r"(?<![\w-])met(?= (?:police )?(?:officers?|constables?|pcs?|sergeants?|police)\b)")


def find_force(text: str) -> tuple[str | None, tuple[int, int] | None]:
    """The first force named in `text`, with its span ("a former met officer" counts too)."""
    best = None
    lower = LOWER_MET.search(text)
    if lower:
        best = ("metropolitan-police-service", lower.span())
    for pattern, key in force_aliases():
        match = pattern.search(text)
        if match and (best is None or match.start() < best[1][0]):
            best = (key, match.span())
    pattern, keys = _unlisted_pattern(unlisted_version())  # forces named by form (kg/extract/forces.py)
    match = pattern.search(text) if pattern else None
    if match and (best is None or match.start() <= best[1][0] or match.start() < best[1][1]):
        best = (keys[match.lastgroup], match.span())
    return best if best else (None, None)


@lru_cache(maxsize=2)
def _unlisted_pattern(version: int) -> tuple[re.Pattern | None, dict[str, str]]:
    """One pattern for the names and short forms of the unlisted forces registered so far (``version``
    is kg.reference.unlisted_version(), so the pattern is rebuilt only when one is added)."""
    names = [(f"u{i}_{j}", name, org.key) for i, org in enumerate(unlisted())
             for j, name in enumerate((org.name, *org.aliases))]
    if not names:
        return None, {}
    names.sort(key=lambda item: len(item[1]), reverse=True)
    pattern = re.compile("|".join(f"(?P<{group}>(?<![\\w-]){re.escape(name)}(?![\\w-]))" for group, name, _ in names))
    return pattern, {group: key for group, _, key in names}


def status_of(words: str) -> str | None:
    words = words.lower()
    former = re.search(r"\b(?:former|ex-|retired)", words)
    serving = re.search(r"\b(?:serving|current|suspended)\b", words)
    if former and serving:
        return None  # "serving or former officers"
    return "former" if former else "serving" if serving else None


NAME_TAIL = re.compile(
    r"^(?:,\s*(?P<age>\d{2}),)?\s*,?\s*(?:(?:a|an|the)\s+)?(?P<words>(?:" + STATUS_WORDS + r"\s+|(?-i:[A-Z][\w&'’-]*)\s+|and\s+)*)"
    + r"(?P<noun>" + OFFICER_NOUN + r")\b(?P<after>[^,.;]{0,60})")


NOUN_BEFORE = re.compile(r"\b(?P<words>(?:former|ex-|serving|retired|killer|disgraced|rogue|corrupt)\s+)*"
                         r"(?:(?-i:[A-Z][\w&'’-]*)\s+)?(?:cop|police ?officer|officer|policeman|policewoman|"
                         r"colleague),?\s+$",
                         re.IGNORECASE)


def rank_before(text: str, start: int) -> tuple[str | None, str | None, int]:
    """The rank written just before `start` ("former PC "), its status word, and where it starts.

    An officer noun counts as a rank-less title: "killer cop Jo Bell".
    """
    window = text[max(0, start - 45):start]
    match = RANK_RE.search(window)
    if not match:
        noun = NOUN_BEFORE.search(window)
        if noun:
            return "", status_of(noun.group(0)), start - (len(window) - noun.start())
        return None, None, start
    if LOWER_TITLE.search(window) and match.group("rank").lower() in {"officer", "police officer", "detective",
                                                                      "captain", "lieutenant", "garda"}:
        return "", status_of(window[match.start():]), start - (len(window) - match.start())
    rank = RANK_WORDS[match.group("rank").lower()]
    status = "former" if match.group("former") else None
    return rank, status, start - (len(window) - match.start())


def named_mention(text: str, start: int, end: int, name: str) -> Mention | None:
    """A PERSON entity at text[start:end] is an officer if a rank precedes it or an
    apposition calls them an officer ("Gary Lambourne, 47, a former Met constable")."""
    rank, status, begin = rank_before(text, start)
    tail = text[end:end + 140]
    age_match = re.match(r"^,\s*(\d{2}),", tail)
    age = int(age_match.group(1)) if age_match else None
    force = None
    apposition = NAME_TAIL.match(tail)
    if apposition and (apposition.group("words") or apposition.group("noun")):
        described = apposition.group("words") + apposition.group("noun")
        noun = apposition.group("noun").lower()
        if rank is None and not re.match(r"members? of", noun) and not noun.startswith("detective"):
            bare = re.sub(r"^police ?", "", noun)
            rank = NOUN_RANK.get(bare.rstrip("s")) or NOUN_RANK.get(bare)
            if rank is None and "officer" not in noun and "police" not in noun:
                return None
        status = status or status_of(described)
        force = find_force(described + apposition.group("after"))[0]
    elif rank is None:
        return None
    if force is None:
        after = re.match(r"^(?:,\s*\d{2},)?\s*,?\s*(?:of|from|with|who serves with|serving with)\s+(?:the\s+)?([^,.;]{2,60})", tail)
        if after:
            force = find_force(after.group(1))[0]
    if force is None:
        force = find_force(text[max(0, begin - 40):begin])[0] if re.search(
            r"(?:'s|’s)\s*$|\b(?:Police|Constabulary)\s*$", text[max(0, begin - 40):begin]) else None
    plural = bool(re.search(r"\b(?:" + "|".join(PLURAL_RANKS) + r")\.?\s+$", text[begin:start], re.IGNORECASE))
    return Mention(start=begin, end=end, name=name, rank=rank or None, force=force, status=status, age=age,
                   plural=plural, text=text[begin:end])


NEXT_IN_LIST = re.compile(r"^(?:\s*,?\s*\(?\d{1,3}\)?)?\s*(?:,|,?\s+and|,?\s*&)\s+(?:(?:former|ex-)\s+)?"
                          r"((?-i:[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?)(?:\s+(?-i:[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?)){1,2})")


def names_in_list(text: str, first: Mention) -> list[Mention]:
    """The names that follow a plural title's first name: "PCs Ann Lee, Tom Hart and Jo Bell"."""
    found, previous = [], first
    while previous.plural:
        match = NEXT_IN_LIST.match(text[previous.end:])
        if not match:
            break
        start, end = previous.end + match.start(1), previous.end + match.end(1)
        previous = list_continuation(text, previous, start, end, match.group(1))
        if previous is None:
            break
        found.append(previous)
    return found


LIST_GAP = re.compile(r"^(?:\s*,?\s*\(?\d{1,3}\)?)?\s*(?:,|,?\s+and|,?\s*&)\s*(?:(?:former|ex-)\s+)?$")


def list_continuation(text: str, previous: Mention, start: int, end: int, name: str) -> Mention | None:
    """The next name of a list that a plural title opens: "PCs Ann Lee, 47, and Tom Hart, 52"
    gives Tom Hart the rank, force and status of Ann Lee."""
    if not previous.plural or previous.end > start or not LIST_GAP.match(text[previous.end:start]):
        return None
    age = re.match(r"^\s*,?\s*\(?(\d{2})\)?", text[end:end + 8])
    return Mention(start=start, end=end, name=name, rank=previous.rank, force=previous.force,
                   status=previous.status, age=int(age.group(1)) if age else None, plural=True, text=name)


GROUP_RE = re.compile(
    r"(?<![\w-])(?P<num>\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r"|another|"
    + "|".join(ORDINALS) + r")\s+(?P<ord>(?:" + "|".join(ORDINALS) + r")\s+)?"
    r"(?P<words>(?:(?:" + STATUS_WORDS + r"|and|or|police|special|met|(?-i:[A-Z][\w&'’-]*))\s+){0,6})"
    r"(?P<noun>" + OFFICER_NOUN + r")(?![\w-])(?=(?P<after>[^.;:]{0,160}))",
    re.IGNORECASE)
BREAKDOWN_RE = re.compile(
    r"(?P<num>\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\s+"
    r"(?:of whom |of them |are |is |who |were )?(?:serve |serving |serves |work |works |are |is )?"
    r"(?:from|with|in|at|for|of)\s+(?P<force>(?:the\s+)?[A-Z][\w&'’ -]{1,50}?)(?=,| and |$|\.|;|\))",
    re.IGNORECASE)
SUBSET_RE = re.compile(r"^\s*of\s+(?:the|its|their|those|these|them|whom)\b", re.IGNORECASE)


def group_mentions(text: str) -> list[Mention]:
    """Counted officers in one sentence: "five serving officers", "a former Met officer"."""
    found = []
    for match in GROUP_RE.finditer(text):
        word = match.group("num").lower()
        ordinal = word in ORDINALS or word == "another" or bool(match.group("ord"))
        size = 1 if ordinal else number(word)
        noun = match.group("noun").lower()
        if size is None or noun.startswith("detective") and not noun.startswith("detective constable") \
                or noun.startswith("members of") or noun == "detectives":
            continue
        after = match.group("after")
        if SUBSET_RE.match(after):
            continue  # "two of the Met officers": a subset of a group already counted
        if re.match(r"^\s*(?:years?|months?|weeks?|days?)\b", after):
            continue
        if size > 1 and not noun.endswith(("s", "men", "women")) and "staff" not in noun:
            continue
        if size == 1 and noun.endswith("s") and not noun.endswith("ss"):
            continue
        words = match.group("words")
        rank = NOUN_RANK.get(noun.rstrip("s")) if size == 1 else None
        force = find_force(f"{words}{noun}")[0] or _force_after(after)
        apposition = re.match(r"^\s*,\s*(?:a|an)\s+([^,]{0,60})", after) if size == 1 else None
        status = status_of(words) or (status_of(apposition.group(1)) if apposition else None)
        mention = Mention(start=match.start(), end=match.end("noun"), size=size, rank=rank, force=force,
                          status=status, ordinal=ordinal, text=match.group(0)[:120])
        mention.parts = _breakdown(after, mention)
        found.append(mention)
    return found


def sentence_breakdown(text: str) -> list[Mention]:
    """A breakdown given in a sentence of its own: "Three of the officers ... work for the Met,
    one is from the Civil Nuclear Constabulary and another works for Norfolk Constabulary"."""
    parts = []
    for chunk in re.split(r",|;|\band\b", text):
        match = re.match(r"\s*(\w+)\b", chunk)
        size = 1 if match and match.group(1).lower() == "another" else number(match.group(1)) if match else None
        force = find_force(chunk)[0] if size else None
        if size and force and re.search(r"\b(?:for|from|with|in|at)\b", chunk, re.IGNORECASE):
            parts.append(Mention(start=0, end=0, size=size, force=force, text=chunk.strip()))
    return parts if len(parts) >= 2 else []


def _force_after(after: str) -> str | None:
    """ "... officer from Kent Police" or "... officer, a Sussex Police constable" """
    match = re.match(r"^\s*(?:from|of|with|in|at|serving with|who serve(?:s)? with)\s+(?:the\s+)?([^,;]{2,50})", after)
    if not match:
        match = re.match(r"^\s*,\s*(?:a|an)\s+((?:[\w&'’-]+\s+){0,4}?)" + OFFICER_NOUN + r"\b", after, re.IGNORECASE)
    return find_force(match.group(1))[0] if match else None


def _breakdown(after: str, group: Mention) -> list[Mention]:
    """ "..., three of whom serve with the Met, one with Kent Police and one with Sussex Police" """
    if group.size < 2:
        return []
    parts = []
    for match in BREAKDOWN_RE.finditer(after):
        size = number(match.group("num"))
        force = find_force(match.group("force"))[0]
        if size and force:
            parts.append(Mention(start=0, end=0, size=size, force=force, status=group.status,
                                 text=match.group(0)))
    if len(parts) < 2 or sum(p.size for p in parts) > group.size:
        return []
    return parts


def person_names(sentence, text: str) -> list[tuple[str, int, int]]:
    """Names of people in a sentence outside quotations: PERSON entities, and "Name Name, 34," forms."""
    found = []
    for ent in sentence_ents(sentence):
        start = ent.start_char - sentence.start_char
        if ent.label_ == "PERSON" and text[start:start + 1] != " ":
            name = clean_name(ent.text)
            if len(name.split()) >= 2:
                found.append((name, start + ent.text.find(name), start + len(ent.text)))
    for match in NAME_AGE.finditer(text):
        name = clean_name(match.group(1))
        if len(name.split()) >= 2 and not any(n == name for n, _, _ in found):
            found.append((name, match.start(1) + match.group(1).find(name), match.end(1)))
    return found


def unranked_officers(sentences, texts: list[str]) -> set[str]:
    """People named without a rank whom the article treats as officers: the name, or
    "He"/"She" opening the next sentence, comes before an officer-only cue such as
    "resigned from the Met", "a gross misconduct hearing" or "the barred list"."""
    names: set[str] = set()
    for sentence, text in zip(sentences, texts):
        for name, start, _ in person_names(sentence, text):
            if not NON_POLICE_TITLE.search(text[max(0, start - 30):start]):
                names.add(name)
    officers = set()
    for name in names:
        pattern = re.compile(r"\b(?:" + re.escape(name) + "|" + re.escape(name.split()[-1]) + r")\b")
        for index, text in enumerate(texts):
            match = pattern.search(text)
            if match is None and index and re.match(r"\s*(?:He|She)\b", text) and pattern.search(texts[index - 1]):
                match = re.match(r"\s*(?:He|She)\b", text)
            if match is None or SPEAKER_APPOSITION.match(text[match.end():]):
                continue
            if NON_POLICE_TITLE.search(text[max(0, match.start() - 30):match.start()]):
                continue
            if OFFICER_CUE.search(text, match.end()):
                officers.add(name)
                break
    return officers

