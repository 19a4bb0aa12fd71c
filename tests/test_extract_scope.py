"""The scope of outcome words: negation, possibility, conditions, wants, things rather than people,
and the people a sentence says an outcome happened to (issue 9). Invented articles.
"""

from __future__ import annotations

import json

import pytest

from kg.batch import extract_bytes
from kg.summary import summarise

HEAD = "Officer in court\nBy Test Writer\n14 May 2024\n"


def rows(body: str) -> set[tuple[str, str | None]]:
    result = extract_bytes((HEAD + body).encode("utf-8"), location="urn:pmkg:stdin")
    assert result.status == "ok", result.reason
    summary = json.loads(summarise(result.graph, [q.triple for q in result.quads()]))
    return {(row["code"], row.get("officerName")) for row in summary["outcomes"]}


@pytest.mark.parametrize("sentence", [
    "Two of the counts against Sgt Priya Marlow were dismissed by the judge on Monday.",
    "The chief said the conduct of Sgt Priya Marlow was so serious as to justify dismissal.",
    "Sgt Priya Marlow could be sacked if the allegations are proven.",
    "The chief recommended that Sgt Priya Marlow be dismissed by the board.",
    "Sgt Priya Marlow was not dismissed and remains in post.",
    "Sgt Priya Marlow was given a final written warning rather than dismissal.",
    "If Sgt Priya Marlow commits any further misconduct, she will be dismissed.",
])
def test_dismissal_words_out_of_scope_are_no_dismissal(sentence):
    found = rows("Sgt Priya Marlow of Essex Police was charged with assault in March.\n" + sentence + "\n")
    assert ("criminal-charge", "Priya Marlow") in found
    assert ("dismissal", "Priya Marlow") not in found


def test_an_allegation_not_proven_by_a_panel_is_no_acquittal():
    found = rows("PC Owen Tarrant of Essex Police was dismissed after a gross misconduct hearing.\n"
                 "One allegation against PC Owen Tarrant was not proven.\n")
    assert ("dismissal", "Owen Tarrant") in found
    assert ("acquittal", "Owen Tarrant") not in found


def test_what_would_have_happened_did_not():
    found = rows("Former PC Owen Tarrant of Essex Police retired last year.\n"
                 "The panel said PC Owen Tarrant would have received a final written warning.\n")
    assert ("final-written-warning", "Owen Tarrant") not in found


def test_an_outcome_attaches_only_to_those_the_sentence_says_it_happened_to():
    found = rows("Former PC Marcus Feld of the Met was jailed for life for murder in 2022.\n"
                 "Two Met officers who swapped messages with Feld have been placed on restricted duties.\n")
    assert ("prison-sentence", "Marcus Feld") in found
    assert ("restricted-duties", "Marcus Feld") not in found
    assert ("restricted-duties", None) in found


def test_a_shared_verb_gives_the_outcome_to_every_name_of_the_list():
    found = rows("PCs Lena Voss, 31, and Idris Kale, 45, of Kent Police were given final written warnings "
                 "after a gross misconduct hearing.\n")
    assert {("final-written-warning", "Lena Voss"), ("final-written-warning", "Idris Kale")} <= found


def categories(body: str) -> set[str]:
    result = extract_bytes((HEAD + body).encode("utf-8"), location="urn:pmkg:stdin")
    summary = json.loads(summarise(result.graph, [q.triple for q in result.quads()]))
    return {row["category"].rsplit("/", 1)[-1] for row in summary["allegations"]}


@pytest.mark.parametrize("conduct,code", [
    ("sent text messages to a friend using vile terms for people of Somali heritage", "racism"),
    ("texted a friend vile terms for people of Somali heritage", "offensive-communications"),
    ("secretly took pictures of a colleague in the locker room", "covert-recording"),
    ("gave his sergeant an account that was false about where he had been", "dishonesty"),
    ("used incapacitant spray on a man who was already handcuffed", "violence-or-excessive-force"),
    ("wrote posts on social media that were discriminatory", "other-discrimination"),
    ("used crude names for gay men in a group chat", "homophobia"),
    ("made belittling jokes about female recruits", "misogyny"),
    ("slapped a junior colleague on the bottom", "sexual-misconduct"),
    ("tried to pursue an intimate relationship with a woman who had called for help", "abuse-of-position-for-sexual-purpose"),
    ("misled the investigators about where she had been", "dishonesty"),
])
def test_conduct_described_by_what_was_done(conduct, code):
    assert code in categories(f"PC Nell Harker of Essex Police was dismissed after a hearing found she {conduct}.\n")


def test_a_counterfactual_verdict_is_no_verdict():
    found = rows("PC Owen Tarrant of Essex Police was charged with assault and cleared by a jury.\n"
                 "He said he would have resigned had he been convicted.\n")
    assert ("conviction", "Owen Tarrant") not in found
    assert ("acquittal", "Owen Tarrant") in found


def test_how_the_rules_work_is_no_outcome():
    found = rows("PC Owen Tarrant of Essex Police faces a misconduct meeting next month.\n"
                 "At such a meeting the maximum outcome is a final written warning.\n")
    assert ("final-written-warning", "Owen Tarrant") not in found


def test_others_jailed_in_the_same_article_are_not_the_officer():
    found = rows("PC Owen Tarrant of Essex Police was suspended after the raid.\n"
                 "Three gang members were jailed for drug supply at Chelmsford Crown Court.\n")
    assert ("suspension", "Owen Tarrant") in found
    assert ("prison-sentence", "Owen Tarrant") not in found


@pytest.mark.parametrize("sentence", [
    "The charges against PC Owen Tarrant were withdrawn at Chelmsford Magistrates' Court.",
    "Prosecutors dropped all charges against PC Owen Tarrant on Monday.",
])
def test_dropped_charges_are_no_further_action(sentence):
    found = rows("PC Owen Tarrant of Essex Police was charged with assault in May.\n" + sentence + "\n")
    assert ("no-further-action", "Owen Tarrant") in found
    assert ("dismissal", "Owen Tarrant") not in found


def test_lying_on_the_ground_is_no_dishonesty():
    assert "dishonesty" not in categories(
        "PC Nell Harker of Essex Police was dismissed after a hearing found she kicked a man lying on the ground.\n")


def test_an_investigation_said_to_go_on_is_ongoing_but_one_in_the_past_is_not():
    ongoing = rows("PC Owen Tarrant of Essex Police is now under investigation for gross misconduct.\n")
    assert ("investigation-ongoing", "Owen Tarrant") in ongoing
    past = rows("PC Owen Tarrant of Essex Police resigned while he was under investigation.\n")
    assert ("investigation-ongoing", "Owen Tarrant") not in past
