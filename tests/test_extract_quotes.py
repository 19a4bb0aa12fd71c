"""Quotations credited to the subject of the speech verb (issue 9). Invented articles."""

from __future__ import annotations

import json

from kg.batch import extract_bytes
from kg.summary import summarise

HEAD = "Constable given final written warning\nBy Test Writer\n14 May 2024\n" \
       "PC Idris Vane of Kent Police was given a final written warning at a misconduct hearing.\n"


def speakers(body: str) -> list[str]:
    result = extract_bytes((HEAD + body).encode("utf-8"), location="urn:pmkg:stdin")
    assert result.status == "ok", result.reason
    return [row["speaker"] for row in json.loads(summarise(result.graph, [q.triple for q in result.quads()]))["quotes"]]


def test_single_curly_quotes_are_quotations():
    assert speakers("Rhian Coles, for the force, said he had crossed ‘a line that can’t be moved’.\n") == ["Rhian Coles"]


def test_the_speaker_is_who_tells_not_who_is_told():
    assert speakers("Judge Marta Quill told Vane that his conduct had been ‘a betrayal of the uniform’.\n") == [
        "Marta Quill"]


def test_a_speaker_introduced_by_role_and_named_in_the_next_sentence():
    assert speakers("The panel chair described Vane as \"wholly unreliable\". "
                    "Dervla Ashe added that the force had acted quickly.\n") == ["Dervla Ashe"]


def test_she_said_after_a_paragraph_of_reported_speech_is_the_reporters_subject():
    assert speakers("Detective Superintendent Mared Howell, who heads professional standards, said officers "
                    "must be trusted.\n\nThe conduct was \"a betrayal of that trust\", she said.\n") == ["Mared Howell"]


def test_a_speaker_called_by_the_title_given_earlier():
    assert speakers("The hearing was chaired by Acting Chief Constable Osian Treharne.\n\n"
                    "The acting chief constable said the conduct \"fell far below\" what was expected.\n") == [
        "Osian Treharne"]
