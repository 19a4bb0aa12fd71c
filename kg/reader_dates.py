"""Dates as news pages print them: day first, the zone kept as printed (never shifted).

``parse_date`` reads one printed date; ``parse_date_line`` a line that is only a
timestamp, perhaps with an "Updated" one after it (``kg.reader_text`` uses both).
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, timezone

from dateutil import parser as date_parser
from dateutil.parser import UnknownTimezoneWarning

# Zone abbreviations printed by UK and US news sites, as UTC offsets in seconds.
ZONES = {"GMT": 0, "UTC": 0, "UT": 0, "Z": 0, "BST": 3600, "CET": 3600, "CEST": 7200, "EST": -18000,
         "EDT": -14400, "CST": -21600, "CDT": -18000, "MST": -25200, "MDT": -21600, "PST": -28800,
         "PDT": -25200, "AEST": 36000, "AEDT": 39600}
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?![a-z])", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[T ]\d)")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_TIME = re.compile(r"\d:\d{2}|\d\s*[ap]\.?m\b", re.IGNORECASE)
_UPDATED = re.compile(r"\b(?:last\s+)?(?:updated|modified|amended|edited)\b\s*(?:on|at)?\s*:?", re.IGNORECASE)
_PUBLISHED = re.compile(r"\b(?:(?:first|originally)\s+)?(?:published|posted|date|created)\b\s*(?:on|at)?\s*:?",
                        re.IGNORECASE)

def parse_date_line(line: str) -> tuple | None:
    """(published, updated) from a line that is only a timestamp, or None.

    "14 June 2021, 07:42 | Updated: 14 June 2021, 09:15" gives both; "Updated: ..." alone
    gives (None, updated). The rest of the line must be a date, or it is not a date line.
    """
    if len(line) > 100 or not (_YEAR.search(line) or _NUMERIC_DATE.search(line)):
        return None
    before, _, after = _split_updated(line)
    results = []
    for part in (before, after):
        part = _PUBLISHED.sub(" ", part)
        part = re.sub(r",?\s*\bUK\b\W*$", "", part.strip())              # Sky prints "18:13, UK"
        part = re.sub(r"[|•·]", " ", part).strip(" ,;:-–—")
        value = parse_date(part) if part else None
        if part and value is None:
            return None
        results.append(value)
    if results == [None, None]:
        return None
    return results[0], results[1]


def _split_updated(line: str) -> tuple[str, str, str]:
    match = _UPDATED.search(line)
    if not match:
        return line, "", ""
    return line[:match.start()], match[0], line[match.end():]


def parse_date(text: str) -> datetime | date | None:
    """A printed date: day-first, zone kept (never shifted); a date when no time is printed."""
    text = text.strip()
    if _ISO_DATE.match(text):
        try:
            value = date_parser.isoparse(text)
        except (ValueError, OverflowError):
            return None
        return _keep_zone(value) if len(text) > 10 else value.date()
    text = _NUMERIC_DATE.sub(_spell_numeric_date, text)
    text = re.sub(r"\b(\d{1,2})\.(\d{2})\b", r"\1:\2", text)           # "16.20 BST"
    without_times = re.sub(r"\d{1,2}:\d{2}(?::\d{2})?|\b(?:19|20)\d{2}\b", " ", text)
    if not (_MONTH.search(text) and _YEAR.search(text) and re.search(r"\b\d{1,2}(?:st|nd|rd|th)?\b", without_times)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownTimezoneWarning)
        try:
            value = date_parser.parse(text, dayfirst=True, tzinfos=ZONES)
        except (date_parser.ParserError, ValueError, OverflowError):
            return None
    return _keep_zone(value) if _TIME.search(text) else value.date()


def _spell_numeric_date(match: re.Match) -> str:
    day, month, year = int(match[1]), int(match[2]), match[3]
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match[0]
    return f"{day} {_MONTHS[month - 1]} {year if len(year) == 4 else '20' + year}"


def _keep_zone(value: datetime) -> datetime:
    """``value`` with a plain fixed-offset zone (same wall time and offset as printed)."""
    offset = value.utcoffset()
    if offset is None:
        return value
    name = value.tzname()
    zone = timezone(offset, name) if name and name in ZONES else timezone(offset)
    return value.replace(tzinfo=zone)
