"""One fact per event, and steps an article takes for granted (issue 9).

The articles here are invented for these tests. Each goes through the same path as
`pmkg extract --format json`: the reader, the extractor, the article's graph and the
saved competency queries run on a real in-memory store.
"""

from __future__ import annotations

import json

import pytest

from kg.batch import extract_bytes
from kg.summary import summarise


def summary(text: str) -> dict:
    result = extract_bytes(text.encode("utf-8"), location="urn:pmkg:stdin")
    assert result.status == "ok", result.reason
    return json.loads(summarise(result.graph, [q.triple for q in result.quads()]))


def outcome_rows(text: str) -> list[tuple[str, str | None]]:
    return sorted((row["code"], row.get("officerName")) for row in summary(text)["outcomes"])


WOULD_HAVE_BEEN = """Former constable barred after panel finds he would have been dismissed
By Test Writer
12 March 2024
Former PC Dorian Vale, 41, who served with Kent Police, resigned last year before a gross misconduct hearing.
The panel found that Vale would have been dismissed had he still been serving.
He will be placed on the barred list.
"""


def test_would_have_been_dismissed_is_a_finding_in_the_graph_but_no_outcome_in_the_outcomes_query():
    rows = outcome_rows(WOULD_HAVE_BEEN)
    assert ("would-have-been-dismissed", "Dorian Vale") not in rows
    assert ("dismissal", "Dorian Vale") not in rows
    assert {("resigned", "Dorian Vale"), ("barred-list", "Dorian Vale")} <= set(rows)
    result = extract_bytes(WOULD_HAVE_BEEN.encode("utf-8"), location="urn:pmkg:stdin")
    codes = {str(q.object.value) for q in result.quads() if q.predicate.value.endswith("outcomeType")}
    assert any(code.endswith("/would-have-been-dismissed") for code in codes)


REPEATED = """Sergeant sacked after lying about overtime
By Test Writer
2 May 2023
Sergeant Mabel Quist of Dorset Police has been dismissed without notice.
Sgt Quist was dismissed after a gross misconduct hearing found she had lied about overtime claims.
The panel chair said the sergeant was dismissed because honesty is essential to policing.
"""


def test_an_outcome_reported_four_times_is_one_outcome_with_four_sentences():
    rows = outcome_rows(REPEATED)
    assert rows.count(("dismissal", "Mabel Quist")) == 1
    result = extract_bytes(REPEATED.encode("utf-8"), location="urn:pmkg:stdin")
    outcomes = [q.subject for q in result.quads() if q.predicate.value.endswith("outcomeType")
                and q.object.value.endswith("/dismissal")]
    assert len(outcomes) == 1
    sentences = {q.object for q in result.quads() if q.subject == outcomes[0]
                 and q.predicate.value.endswith("supportedBy")}
    assert len(sentences) == 4  # the headline and three sentences of the text


@pytest.mark.parametrize("verdict,code", [
    ("was convicted of theft at Exeter Crown Court", "conviction"),
    ("was found not guilty of assault by a jury", "acquittal"),
])
def test_a_verdict_implies_the_charge_that_came_before(verdict, code):
    text = f"""Constable's trial ends
By Test Writer
4 June 2022
PC Arlo Penhallow, 29, of Devon and Cornwall Police, {verdict} on Friday.
"""
    rows = set(outcome_rows(text))
    assert (code, "Arlo Penhallow") in rows
    assert ("criminal-charge", "Arlo Penhallow") in rows
