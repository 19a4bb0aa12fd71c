"""Forces that kg/data/organisations.csv does not list, recognised by the form of their name.

Reporting beyond Great Britain names forces the reference file cannot hold in
full: thousands of city police departments and county sheriff's offices. A
name of the form "<Place words> Police Department", "<Place> County Sheriff's
Office", "<Place> Police Service" or "<Place> Police Force" is a force;
kg.reference.unlisted_force registers it with an IRI minted from its name.
A short form the article gives in brackets after the name ("(IMPD)"), or the
initials of the name written in capitals anywhere in the article, name the
same force.

A name whose first words are a listed force ("Victoria Police Force") is the
listed force, not a new one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kg.reference import Organisation, organisations, unlisted_force

FORM = re.compile(
    r"(?<![\w'’-])(?P<name>(?:(?:[A-Z][A-Za-z'’.-]+|of|de|la) ){1,5}?)"
    r"(?P<kind>Police Department|Police Dept\.?|Sheriff(?:'s|’s) (?:Office|Department)|Police Force|"
    r"Police Service|Department of Public Safety|Marshal(?:'s|’s) Office)(?![\w-])")
# Words that open a sentence or describe a force rather than name it: "The", "Former".
LEADING = {"the", "a", "an", "former", "ex", "veteran", "local", "his", "her", "their", "its",
           "when", "after", "before", "while", "both", "and", "of", "de", "la", "watch", "read", "more",
           "latest", "video", "photo", "said", "says", "told", "by", "with", "from", "for", "in", "at", "on",
           "to", "that", "whose", "officers", "officer", "members", "chief", "sergeant", "sgt", "lieutenant",
           "lt", "detective", "deputy", "captain", "spokesman", "spokeswoman", "spokesperson", "statement",
           "us", "u.s."}
GENERIC = {"county", "city", "state", "metropolitan", "police", "town", "village", "municipal", "regional",
           "national", "federal", "new", "north", "south", "east", "west", "our", "this", "that"}


def _trim(name: str) -> str:
    words = name.split()
    while words and words[0].lower().rstrip(".") in LEADING:
        words.pop(0)
    while words and words[-1].lower() in {"of", "de", "la"}:
        words.pop()
    return " ".join(words)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isupper())


@lru_cache(maxsize=1)
def _listed_names() -> tuple[str, ...]:
    names = []
    for org in organisations():
        if org.is_force:
            names += [n.lower() for n in (org.name, *org.aliases)]
            short = re.sub(r"\s+(?:Police|Constabulary)$", "", org.name)
            if org.police_uk_id and short != org.name:
                names.append(short.lower())
    return tuple(names)


def listed_at_start(name: str) -> bool:
    """True when a listed force's name opens ``name`` ("Victoria Police Force")."""
    lower = name.lower()
    return any(lower == n or lower.startswith(n + " ") for n in _listed_names())


def find_by_form(text: str) -> list[tuple[int, int, Organisation]]:
    """Forces named by form in ``text``: (start, end, organisation), registered as unlisted forces."""
    found: list[tuple[int, int, Organisation]] = []
    for match in FORM.finditer(text):
        place = _trim(match.group("name"))
        if not place or all(w.lower() in GENERIC for w in place.split()):
            continue
        full = f"{place} {match.group('kind').rstrip('.')}"
        if full.endswith("Dept"):
            full = full[:-4] + "Department"
        if listed_at_start(full):
            continue
        start = match.end("name") - len(match.group("name")) + match.group("name").find(place)
        bracket = re.match(r"\s*\(([A-Z][A-Z.]{1,9})\)", text[match.end():])
        aliases = [bracket.group(1)] if bracket else []
        initials = _initials(full)
        if len(initials) >= 3 and re.search(r"(?<![\w-])" + re.escape(initials) + r"(?![\w-])", text):
            aliases.append(initials)
        org = unlisted_force(full, tuple(aliases))
        found.append((start, match.end(), org))
    for org in {o.key: o for _, _, o in found}.values():
        for alias in org.aliases:
            for match in re.finditer(r"(?<![\w-])" + re.escape(alias) + r"(?![\w-])", text):
                if not any(s <= match.start() < e for s, e, _ in found):
                    found.append((match.start(), match.end(), org))
    return sorted(found, key=lambda item: item[0])
