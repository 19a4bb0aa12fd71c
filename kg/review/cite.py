"""The sentence an added fact cites: given as offsets, as words of the text, or picked from a list.

    span(text, sentence=None, quoted=None) -> (start, end)      one of "START-END" or words found once
    sentences(text) -> list[(start, end)]                       the text cut into sentences, for a picker

The command line (``pmkg review add --sentence/--quote``) and the review web
app (its list of the article's sentences) both read the citation here; the
check that the offsets fall within the text is ``kg.review.decide``'s.
"""

from __future__ import annotations

import re

from kg.errors import PmkgError

MAX_SENTENCES = 2000
# a sentence ends at . ! or ? (with closing quotes or brackets) before white space, or at a line break
_END = re.compile(r"""[.!?]["'\u201d\u2019)\]]*(?=\s)|\n""")


def span(text: str | None, sentence: str | None, quoted: str | None) -> tuple[int, int]:
    """The cited offsets: ``sentence`` as START-END, or ``quoted`` words that occur once in ``text``."""
    if (sentence is None) == (quoted is None):
        raise PmkgError("cite the text: --sentence START-END or --quote TEXT (one of them)")
    if sentence is not None:
        match = re.fullmatch(r"\s*(\d{1,9})\s*-\s*(\d{1,9})\s*", sentence)
        if not match:
            raise PmkgError(f"--sentence is START-END (character offsets), not {sentence!r}")
        return int(match.group(1)), int(match.group(2))
    if text is None:
        raise PmkgError("the article's text is not kept, so it cannot be quoted")
    words = " ".join(quoted.split())
    found = [m.start() for m in re.finditer(re.escape(words), text)] if words else []
    if len(found) != 1:
        raise PmkgError(f"the quoted words occur {len(found)} times in the article; quote words found once")
    return found[0], found[0] + len(words)


def sentences(text: str | None) -> list[tuple[int, int]]:
    """The text's sentences as (start, end) offsets, without surrounding white space, in order
    (at most MAX_SENTENCES; a plain rule, not the extractor's parser)."""
    if not text:
        return []
    out, at = [], 0
    for match in _END.finditer(text):
        _keep(text, at, match.end(), out)
        at = match.end()
        if len(out) >= MAX_SENTENCES:
            return out
    _keep(text, at, len(text), out)
    return out[:MAX_SENTENCES]


def _keep(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        first = start + (len(piece) - len(piece.lstrip()))
        out.append((first, first + len(stripped)))
