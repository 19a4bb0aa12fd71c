"""Clean scraped article text: drop page boilerplate and turn bylines, date lines and footers into metadata.

The patterns are data (``kg/data/boilerplate.jsonl``, one regex per line with a name and a
comment); the functions here say how each kind of pattern is applied. Rules are general
(they describe page furniture), never fitted to particular files.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

from kg.reader_dates import parse_date_line
from kg.reader_header import header_line

_BY = re.compile(r"^by\s*:?\s+(?P<rest>\S.*)$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?…][\"'’”)]*$|[\"”]$")
_PARTICLES = frozenset({"de", "da", "di", "del", "van", "von", "der", "den", "le", "la", "du", "bin", "al", "el",
                        "ter", "dos", "das", "y", "ap", "ní", "nic", "mac"})
_NOT_ROLE_WORDS = frozenset({"said", "says", "told", "is", "was", "were", "has", "had", "have", "to", "by", "a",
                             "an", "will", "would", "who", "which", "that"})
_ROLE_END = re.compile(r"(?i)\b(?:reporters?|correspondents?|editors?|writers?|journalists?|columnists?|producers?"
                       r"|presenters?|photographers?|contributors?)$")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


@dataclass
class Cleaned:
    """The result of :func:`clean`: kept lines (headline first) and the metadata found."""

    lines: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    published: datetime | date | None = None
    updated: datetime | date | None = None
    publisher: str | None = None


@dataclass(frozen=True)
class Rules:
    """The compiled patterns of ``boilerplate.jsonl``, grouped by kind."""

    drop: tuple[re.Pattern, ...]
    lists: tuple[tuple[re.Pattern, int], ...]
    outlet: tuple[re.Pattern, ...]          # ordered by priority
    credit: tuple[re.Pattern, ...]
    outlet_word: re.Pattern
    not_outlet: re.Pattern
    role: re.Pattern
    role_lead: re.Pattern
    not_person: re.Pattern


@lru_cache(maxsize=1)
def rules() -> Rules:
    """Load and compile ``kg/data/boilerplate.jsonl`` (once)."""
    text = resources.files("kg").joinpath("data/boilerplate.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    by_kind: dict[str, list[dict]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)

    def compiled(kind: str) -> tuple[re.Pattern, ...]:
        return tuple(re.compile(row["pattern"]) for row in by_kind.get(kind, []))

    outlets = sorted(by_kind.get("outlet", []), key=lambda row: row.get("priority", 9))
    return Rules(drop=compiled("drop"),
                 lists=tuple((re.compile(row["pattern"]), int(row["items"])) for row in by_kind["list"]),
                 outlet=tuple(re.compile(row["pattern"]) for row in outlets),
                 credit=compiled("credit"), outlet_word=compiled("outlet_word")[0],
                 not_outlet=compiled("not_outlet")[0], role=compiled("role")[0],
                 role_lead=compiled("role_lead")[0], not_person=compiled("not_person")[0])


def normalise(text: str) -> list[str]:
    """Split ``text`` into stripped lines with NFC form, plain spaces and no invisible characters."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\v", "\n")
    return [_SPACES.sub(" ", line).strip() for line in text.split("\n")]


def clean(text: str) -> Cleaned:
    """Drop boilerplate from scraped text; the first kept line is the headline."""
    lines = normalise(text)
    out = Cleaned()
    byline_outlets: list[str] = []
    tail = _tail_start(lines)
    seen: set[str] = set()
    last = ""                   # what the previous non-blank line was: kept, date, byline, drop
    list_left = 0               # list items still to drop after a "Most read" heading
    name_above_date = None      # index of a name line just above a date line: the byline if there is no other
    pending = ""                # "by" or "updated" when that word stood alone on the previous line
    for index, line in enumerate(lines):
        if not line:
            continue
        if pending == "by":
            line = "By " + line
        keyword, pending = pending, ""
        if re.fullmatch(r"(?i)by\W*", line):
            pending = "by"
            continue
        if re.fullmatch(r"(?i)(?:last )?(?:updated|modified)\W*", line):
            pending = "updated"
            continue
        if list_left and _is_list_item(line):
            list_left -= 1
            continue
        list_left = 0
        dates = parse_date_line(line)
        if not dates and 0 < index < 30 and header_line(line, parse_date_line, parse_byline, _add_dates, out,
                                                        byline_outlets):
            last = "date"
            continue
        if dates:
            _add_dates(out, *(dates if keyword != "updated" else (None, dates[0] or dates[1])))
            if last == "kept" and len(out.lines) > 1 and name_above_date is None and person_name(out.lines[-1]):
                name_above_date = len(out.lines) - 1                  # "Jane Doe" just above the date line
            last = "date"
            continue
        items = next((count for pattern, count in rules().lists if pattern.search(line)), 0)
        if items or any(pattern.search(line) for pattern in rules().drop):
            list_left, last = items, "drop"
            continue
        byline = parse_byline(line)
        if byline is not None:
            out.authors.extend(byline.names)
            _add_dates(out, *byline.dates)
            byline_outlets.extend(byline.outlets)
            last = "byline"
            continue
        if is_role_line(line):
            if last == "kept" and len(out.lines) > 1 and person_name(out.lines[-1]):
                out.authors.append(person_name(out.lines.pop()))     # name line, then "Crime Correspondent"
            last = "byline"
            continue
        if index >= tail and out.lines and footer_outlet(line):
            last = "drop"
            continue
        line = strip_credit(line)
        line_key = key(line)
        if not line_key or line_key in seen or key(_without_bracket(line)) in seen:
            last = "drop"                                             # repeated caption or paragraph
            continue
        seen.add(line_key)
        out.lines.append(line)
        last = "kept"
    if name_above_date is not None and not out.authors:
        out.authors.append(person_name(out.lines.pop(name_above_date)))
    out.publisher = named_outlet(lines) or next(iter(byline_outlets), None) or credited_outlet(lines)
    return out


def find_publisher(lines: list[str]) -> str | None:
    """The outlet the text names: a © footer, a prompt naming it, a footer name line, a photo credit."""
    return named_outlet(lines) or credited_outlet(lines)


def named_outlet(lines: list[str]) -> str | None:
    """The outlet named by a © footer, a prompt ("Sign up to X's newsletter") or a footer name line."""
    for pattern in rules().outlet:
        for line in lines:
            match = pattern.search(line)
            if match and (name := _outlet_name(match["outlet"])):
                return name
    tail = _tail_start(lines)
    for line in lines[tail:]:
        if name := footer_outlet(line):
            return name
    return None


def credited_outlet(lines: list[str]) -> str | None:
    """The outlet credited for a photo ("(Image: Midlands Echo)"), if the credit looks like an outlet."""
    for line in lines:
        for pattern in rules().credit:
            match = pattern.search(line)
            if match and (name := _outlet_name(match["source"])) and rules().outlet_word.search(name):
                return name
    return None


def footer_outlet(line: str) -> str | None:
    """The outlet named by a footer line such as "Gwent Valleys Herald" or "Blue Line Review - news for ..."."""
    name = re.split(r"\s+[-–—|:]\s+", line, maxsplit=1)[0].strip()
    words = name.split()
    if not 1 <= len(words) <= 6 or SENTENCE_END.search(name) or not rules().outlet_word.search(name):
        return None
    if not all(word[:1].isupper() or word in {"&", "and", "of", "the", "on", "upon"} for word in words):
        return None
    return _outlet_name(name)


def _outlet_name(raw: str) -> str | None:
    name = re.sub(r"^the\s+(?=[A-Z])", "", raw.strip(" .,;:-–—'\"’")).strip()
    name = re.sub(r"(?:'s|’s)$", "", name)
    name = re.sub(r",?\s+(?:ltd|limited|plc|inc|llp)\.?$", "", name, flags=re.IGNORECASE)
    if not name[:1].isupper() or re.search(r"\d", name) or len(name.split()) > 6:
        return None
    if rules().not_outlet.search(name):
        return None
    return name


def strip_credit(line: str) -> str:
    """``line`` without a trailing photo credit such as "(Image: PA)" or ". Picture: File"."""
    for pattern in rules().credit:
        match = pattern.search(line)
        if match and match.start() > 0:
            return line[:match.start()].rstrip()
    return line


def _without_bracket(line: str) -> str:
    """A caption without a trailing bracketed credit, e.g. "... (West Midlands Police)"."""
    return re.sub(r"\s*\([^()]{1,60}\)$", "", line)


def key(line: str) -> str:
    """``line`` casefolded with punctuation removed, for spotting repeated lines."""
    return re.sub(r"\W+", " ", line.casefold()).strip()


def _tail_start(lines: list[str]) -> int:
    """Index after the last line that ends like a sentence: the footer starts there."""
    for index in range(len(lines) - 1, -1, -1):
        if lines[index] and SENTENCE_END.search(lines[index]):
            return index + 1
    return 0


def _is_list_item(line: str) -> bool:
    """A short linked headline in a "Most read" list, not a sentence of the article."""
    if re.match(r"^\d{1,2}[.)]?\s+\S", line):
        return len(line) <= 160
    return len(line) <= 120 and not SENTENCE_END.search(line) and line[0] not in "\"“‘'"


# --- bylines ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Byline:
    """What a byline line gives: person names, (published, updated), outlets named in it."""

    names: list[str]
    dates: tuple = (None, None)
    outlets: list[str] = field(default_factory=list)


def parse_byline(line: str) -> Byline | None:
    """Parse "By Jane Doe, Crime Reporter | 3 May 2022" and kin; None if ``line`` is not a byline.

    A byline with only a job title ("By Staff Reporter") gives no names. Without "By", only
    "Jane Doe, Crime Reporter" and "Jane Doe Crime Reporter" count.
    """
    match = _BY.match(line)
    if len(line) > 150 or (not match and SENTENCE_END.search(line)):
        return None
    pieces = re.split(r"\s+[|•·–—-]\s+|\s*\|\s*", match["rest"] if match else line)
    dates = next((d for piece in pieces[1:] if (d := parse_date_line(piece))), (None, None))
    names, outlets, roles = [], [], 0
    for part in re.split(r",\s*|;\s*", pieces[0].strip(" .")):
        part, outlet = _split_for(part)                # "JANE DOE FOR MAILONLINE"
        if outlet and (name := _outlet_name(outlet.title() if outlet.isupper() else outlet)):
            outlets.append(name)
        if not part:
            continue
        if name := _name_before_role(part):            # "Vikram Dodd Police and crime correspondent"
            names.append(name)
            roles += 1
        elif rules().role.search(part):
            roles += 1                                  # "Crime Reporter", "Home and legal correspondent"
        elif rules().outlet_word.search(part) or rules().not_outlet.search(part):
            if (outlet := _outlet_name(part)) and rules().outlet_word.search(outlet):
                outlets.append(outlet)                  # "By Jane Doe, BBC News"; "PA" is skipped
        else:
            people = [person_name(name) for name in re.split(r"\s+and\s+|\s*&\s*", part)]
            if not all(people):
                return None                             # "By the time officers arrived, ..."
            names.extend(people)
    if not match and not (names and roles):
        return None                                     # without "By", a job title must show it is a byline
    return Byline(names, dates, outlets)


def _split_for(part: str) -> tuple[str, str]:
    pieces = re.split(r"(?i)\s+for\s+", part, maxsplit=1)
    return (pieces[0], pieces[1]) if len(pieces) == 2 else (part, "")


def _name_before_role(text: str) -> str | None:
    """"Jane Doe" in "Jane Doe Crime Correspondent" (a name, then a job title, no comma)."""
    words = text.split()
    if rules().role_lead.match(text):
        return None
    splits = [k for k in (2, 3, 4) if k < len(words) and person_name(" ".join(words[:k]))
              and is_role_line(" ".join(words[k:]))]
    led = [k for k in splits if rules().role_lead.match(words[k]) or k == len(words) - 1]
    chosen = (led or splits)[:1]
    return person_name(" ".join(words[:chosen[0]])) if chosen else None


def person_name(text: str) -> str | None:
    """``text`` if it looks like a person's name (2-5 capitalised words), else None."""
    text = text.strip(" .,")
    if text.isupper():
        text = re.sub(r"\bMc([a-z])", lambda m: "Mc" + m[1].upper(), text.title())
    words = text.split()
    if not 2 <= len(words) <= 5 or words[0].lower() in _PARTICLES or rules().role.search(text):
        return None
    for word in words:
        if word.lower() in _PARTICLES or re.fullmatch(r"[A-Z]\.(?:[A-Z]\.)?", word):
            continue
        if not (word[0].isupper() and any(c.islower() for c in word) and all(c.isalpha() or c in "'’-." for c in word)):
            return None
        if rules().not_person.match(word):
            return None
    return text


def is_role_line(line: str) -> bool:
    """A byline line that is only a job title ("Crime Correspondent", "Court reporter")."""
    words = line.split()
    if not 1 <= len(words) <= 6 or SENTENCE_END.search(line) or line.endswith(":"):
        return False
    if any(word.lower() in _NOT_ROLE_WORDS for word in words):
        return False
    if not _ROLE_END.search(line):
        return False
    return all(re.fullmatch(r"[\w&'’.-]+", word) for word in words)


def _add_dates(out: Cleaned, published, updated) -> None:
    if out.published is None and published is not None:
        out.published = published
    if out.updated is None and updated is not None:
        out.updated = updated
