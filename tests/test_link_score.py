"""Scoring a candidate against a local person, without any server."""

from __future__ import annotations

from datetime import date

from kg.link.reconcile import WIKIDATA, candidates
from kg.link.score import Candidate, Entity, name_similarity, normalise, score

WD = "http://www.wikidata.org/entity/"
NORFOLK = WD + "Q7051007"
OFFICER = Entity("urn:x:officer", "Harriet Voss", True, frozenset({NORFOLK}), (date(2024, 5, 1),))
PERSON = Entity("urn:x:person", "Harriet Voss", False, frozenset(), (date(2024, 5, 1),))


def scored(entity, **fields):
    return score(entity, Candidate(iri=WD + "Q1", label=fields.pop("label", "Harriet Voss"), **fields),
                 police_occupations=WIKIDATA.police)


def test_names_are_compared_without_accents_case_titles_or_word_order():
    assert normalise("Sir Seán O'Neill") == "sean oneill"
    assert name_similarity("Seán O'Neill", "SEAN ONEILL") == 1.0
    assert name_similarity("Voss, Harriet", "Harriet Voss") == 1.0
    assert 0.7 < name_similarity("Harriet Voss", "Harriet J. Voss") < 1.0
    assert name_similarity("Harriet Voss", "Tom Brackenbury") < 0.4
    assert name_similarity("", "Harriet Voss") == 0.0


def test_a_name_alone_never_reaches_the_default_threshold():
    assert scored(PERSON).score == 0.75
    assert scored(OFFICER).score == 0.75


def test_occupation_and_employer_decide_for_officers():
    police = frozenset({WD + "Q384593"})
    best = scored(OFFICER, occupations=police, employers=frozenset({NORFOLK}))
    other_force = scored(OFFICER, occupations=police, employers=frozenset({WD + "Q3195294"}))
    not_police = scored(OFFICER, occupations=frozenset({WD + "Q999"}))
    assert best.score >= 0.9 > other_force.score > not_police.score
    # For someone who is not an officer, occupation and employer say nothing either way.
    assert scored(PERSON, occupations=frozenset({WD + "Q999"})).score == scored(PERSON).score


def test_dates_that_contradict_the_reporting_lower_the_score():
    aged = Entity("urn:x:o", "Harriet Voss", True, frozenset(), (date(2024, 5, 1),), ((46, date(2024, 5, 1)),))
    assert scored(aged, birth_year=1978).parts["dates"] == 1.0
    assert scored(aged, birth_year=1990).parts["dates"] == 0.0
    assert scored(OFFICER, birth_year=2030).parts["dates"] == 0.0
    assert scored(OFFICER, birth_year=2010).parts["dates"] == 0.0      # too young to serve
    assert scored(OFFICER, birth_year=1850, death_year=1921).parts["dates"] == 0.25
    assert scored(PERSON, birth_year=1850, death_year=1921).parts["dates"] == 0.5   # the dead are reported on
    assert scored(OFFICER).parts["dates"] is None


def test_candidates_gather_the_rows_of_one_item():
    rows = [
        {"item": {"value": WD + "Q1"}, "label": {"value": "Harriet Voss"}, "alias": {"value": "H. Voss"},
         "occupation": {"value": WD + "Q384593"}, "occupationLabel": {"value": "police officer"},
         "birth": {"value": "1978-04-12T00:00:00Z"}},
        {"item": {"value": WD + "Q1"}, "label": {"value": "Harriet Voss"}, "employer": {"value": NORFOLK},
         "employerLabel": {"value": "Norfolk Constabulary"}, "death": {"value": "-0044-03-15T00:00:00Z"}},
    ]
    [one], labels = candidates(rows)
    assert one.label == "Harriet Voss" and one.aliases == ("H. Voss",)
    assert one.occupations == {WD + "Q384593"} and one.employers == {NORFOLK}
    assert (one.birth_year, one.death_year) == (1978, None)
    assert labels == {WD + "Q384593": "police officer", NORFOLK: "Norfolk Constabulary"}
