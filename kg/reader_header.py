"""Header lines that hold several things at once: a date, a byline, an outlet, a section label.

Real pages print them run together or side by side: "By Jane Doe, PAPublished 19 December 2018",
"3 AUGUST 2022 | BY JANE DOE", "Author: Jane Doe, ReporterPublished 10th Dec 2025",
"Posted 12th November 2019 by Jane Doe, Partner", "NEWSWIRE WALES 13/08/2020 16:42".
`segments` cuts such a line into the pieces the reader's date and byline parsers know
(kg/reader_text.py), in the order printed.
"""

from __future__ import annotations

import re

RUN_TOGETHER = re.compile(r"(?<=[A-Za-z])(?=(?:Published|Posted|Updated|Last updated)\b)")
AUTHOR_LABEL = re.compile(r"^(?:Author|Written by|Words by|Reporter)\s*:\s*", re.IGNORECASE)
SEPARATOR = re.compile(r"\s+[|/•·]\s+|\s*\|\s*")
BY_AFTER_DATE = re.compile(r"(?<=\d)\s+by\s+(?=[A-Z])", re.IGNORECASE)
LABEL_BEFORE_STAMP = re.compile(r"^(?:[A-Z][a-z]+\s+){1,2}(?=(?:published|posted|updated)\b)", re.IGNORECASE)
SLUG_BEFORE_DATE = re.compile(r"^(?:[A-Z]{2,}\s+){1,3}(?=\d)")


def segments(line: str) -> list[str]:
    """The pieces of a header line: ["By Jane Doe, PA", "Published 19 December 2018"]."""
    line = RUN_TOGETHER.sub(" | ", line)
    line = AUTHOR_LABEL.sub("By ", line)
    line = BY_AFTER_DATE.sub(" | By ", line)
    pieces = []
    for piece in SEPARATOR.split(line):
        piece = AUTHOR_LABEL.sub("By ", piece.strip(" ,;"))
        piece = SLUG_BEFORE_DATE.sub("", LABEL_BEFORE_STAMP.sub("", piece))
        if piece:
            pieces.append(piece)
    return pieces


def is_filler(piece: str) -> bool:
    """A piece a header line may hold besides its date and byline: a short label or outlet
    ("PA", "Conduct news", "Gan"), a date in another language, a byline naming no person."""
    words = piece.split()
    if re.match(r"(?i)^(?:posted|written|published)?\s*by\b", piece):
        return True
    return len(words) <= 4 and not re.search(r"[.!?]$", piece)


def header_line(line: str, parse_date_line, parse_byline, add_dates, out, outlets: list[str]) -> bool:
    """Take a header line that holds a date and a byline side by side or run together, with the
    reader's own parsers (kg/reader_text.py): its dates and authors go into ``out``, its outlets
    into ``outlets``. False, touching nothing, if it is not one."""
    pieces = segments(line)
    if len(pieces) < 2 and (not pieces or pieces[0] == line):
        return False
    parsed = [(piece, parse_date_line(piece), parse_byline(piece) if re.match(r"(?i)^by\b", piece) else None)
              for piece in pieces]
    if not any(dates or byline for _, dates, byline in parsed):
        return False
    if not all(dates or byline or is_filler(piece) for piece, dates, byline in parsed):
        return False
    for _, dates, byline in parsed:
        if dates:
            add_dates(out, *dates)
        if byline:
            out.authors.extend(byline.names)
            add_dates(out, *byline.dates)
            outlets.extend(byline.outlets)
    return True
