"""The entities of a Doc, computed once and looked up by range.

``Span.ents`` and ``Doc.ents`` rebuild the list from every token of the
document on each call, so asking for a sentence's entities sentence by
sentence costs the square of the article's length (minutes for a very long
article). These look-ups cost a binary search.
"""

from __future__ import annotations

from bisect import bisect_left

KEY = "pmkg.ents"


def _index(doc) -> tuple[list, list[int], list[int]]:
    cached = doc.user_data.get(KEY)
    if cached is None:
        ents = list(doc.ents)
        cached = doc.user_data[KEY] = (ents, [e.start for e in ents], [e.start_char for e in ents])
    return cached


def sentence_ents(span) -> list:
    """The entities inside ``span`` (a sentence), as ``span.ents`` gives them."""
    ents, starts, _ = _index(span.doc)
    first, last = bisect_left(starts, span.start), bisect_left(starts, span.end)
    return [e for e in ents[first:last] if e.end <= span.end]


def ents_starting_in(doc, start_char: int, end_char: int) -> list:
    """The entities whose first character is in ``doc.text[start_char:end_char]``."""
    ents, _, chars = _index(doc)
    return ents[bisect_left(chars, start_char):bisect_left(chars, end_char)]
