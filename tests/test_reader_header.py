"""Header lines that hold a date and a byline run together or side by side (issue 9).

The names and outlets here are invented.
"""

from __future__ import annotations

from datetime import date

import pytest

from kg.reader import read_text


@pytest.mark.parametrize("header,author,published", [
    ("By Orla Penfold, PAPublished 19 December 2018", "Orla Penfold", date(2018, 12, 19)),
    ("3 AUGUST 2022 | BY TOMAS WREN", "Tomas Wren", date(2022, 8, 3)),
    ("May 13, 2022 | By Daniel Fenwick", "Daniel Fenwick", date(2022, 5, 13)),
    ("Author: Nia Castell, Local Democracy ReporterPublished 10th Dec 2025", "Nia Castell", date(2025, 12, 10)),
    ("Posted 12th November 2019 by Rhoda Kemp", "Rhoda Kemp", date(2019, 11, 12)),
    ("NEWSWIRE WALES 13/08/2020 16:42", None, date(2020, 8, 13)),
    ("Outcome published Mon 19th Aug 2024", None, date(2024, 8, 19)),
    ("Conduct news | 2 February 2021", None, date(2021, 2, 2)),
])
def test_run_together_and_side_by_side_headers(header, author, published):
    article = read_text(f"Constable dismissed after hearing\n\n{header}\n\nA constable was dismissed on Friday.\n",
                        location="test.txt")
    assert (article.authors[0] if article.authors else None) == author
    assert article.published is not None and (article.published if isinstance(article.published, date) and not
                                              hasattr(article.published, "hour") else article.published.date()) == published
    assert header not in article.text
