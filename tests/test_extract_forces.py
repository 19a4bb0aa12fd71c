"""Forces and oversight bodies beyond Great Britain, and forces recognised by the form of their name.

The sentences are invented for these tests.
"""

from __future__ import annotations

import json

import pytest

from kg.batch import extract_bytes
from kg.extract.nlp import load
from kg.reference import by_key, reference_graph
from kg.summary import summarise


def summary(text: str) -> dict:
    result = extract_bytes(text.encode("utf-8"), location="urn:pmkg:stdin")
    assert result.status == "ok", result.reason
    return json.loads(summarise(result.graph, [q.triple for q in result.quads()]))


@pytest.mark.parametrize("name,key", [
    ("An Garda Síochána", "an-garda-siochana"),
    ("the Garda Síochána Ombudsman Commission", "garda-siochana-ombudsman-commission"),
    ("GSOC", "garda-siochana-ombudsman-commission"),
    ("Fiosrú", "fiosru-office-of-the-police-ombudsman"),
    ("Victoria Police", "victoria-police"),
    ("the NSW Police Force", "new-south-wales-police-force"),
    ("IBAC", "independent-broad-based-anti-corruption-commission"),
    ("the Law Enforcement Conduct Commission", "law-enforcement-conduct-commission"),
    ("New Zealand Police", "new-zealand-police"),
    ("the Independent Police Conduct Authority", "independent-police-conduct-authority"),
])
def test_forces_and_bodies_beyond_great_britain_are_known(name, key):
    doc = load()(f"A statement from {name} was issued on Monday.")
    assert key in {ent.ent_id_ for ent in doc.ents}


def test_an_irish_ombudsman_is_not_northern_irelands():
    doc = load()("The Garda Síochána Ombudsman Commission opened an investigation.")
    assert "police-ombudsman-for-northern-ireland" not in {ent.ent_id_ for ent in doc.ents}


def test_fiosru_succeeds_gsoc_in_the_reference_graph():
    succeeds = {(str(s).rsplit("/", 1)[1], str(o).rsplit("/", 1)[1])
                for s, p, o in reference_graph() if str(p).endswith("#succeeds")}
    assert ("fiosru-office-of-the-police-ombudsman", "garda-siochana-ombudsman-commission") in succeeds


def test_a_place_name_alone_is_no_force_outside_the_uk():
    doc = load()("Victoria Hartley, who grew up in New Zealand, joined New Zealand Police in 2015.")
    keys = [ent.ent_id_ for ent in doc.ents]
    assert "victoria-police" not in keys and keys.count("new-zealand-police") == 1


UNLISTED = """Sergeant charged over arrest of teenager
By Test Writer
Posted: Mar 3, 2023
Sergeant Dana Whitlow of the Riverton Metropolitan Police Department (RMPD) was charged with assault on Friday.
The RMPD internal affairs unit opened an investigation and Whitlow was suspended without pay.
"""


def test_an_unlisted_department_is_a_force_with_an_iri_of_its_own():
    result = summary(UNLISTED)
    (officer,) = result["officers"]
    assert officer["name"] == "Dana Whitlow"
    assert officer["force"] == "Riverton Metropolitan Police Department"  # not the Metropolitan Police
    assert officer["officer"].split("/officer/")[1].startswith("riverton-metropolitan-police-department/")
    assert by_key()["riverton-metropolitan-police-department"].is_force


@pytest.mark.parametrize("sentence,name", [
    ("Deputies from the Pima County Sheriff's Office arrested him.", "Pima County Sheriff's Office"),
    ("The Lakeside Police Department said it had fired the officer.", "Lakeside Police Department"),
    ("A spokesman for the Haldane Police Service confirmed the suspension.", "Haldane Police Service"),
])
def test_a_force_is_recognised_by_the_form_of_its_name(sentence, name):
    doc = load()(sentence)
    assert name in {ent.text for ent in doc.ents if ent.ent_id_ in by_key() and by_key()[ent.ent_id_].is_force}


def test_the_short_form_in_brackets_names_the_same_force():
    doc = load()("Officers of the Riverton Metropolitan Police Department (RMPD) were there. RMPD later apologised.")
    keys = [ent.ent_id_ for ent in doc.ents if ent.text == "RMPD"]
    assert keys == ["riverton-metropolitan-police-department"] * 2


def test_the_commission_is_the_commission_named_before():
    result = summary("""Watchdog finds constable used excessive force
By Test Writer
3 April 2024
The Law Enforcement Conduct Commission has found that a former NSW Police Force constable used excessive force on two teenagers.
The commission started investigating in May after concerns were raised about the arrests.
""")
    assert "Law Enforcement Conduct Commission" in {row["body"] for row in result["investigations"]}
    assert {row.get("force") for row in result["officers"]} == {"New South Wales Police Force"}


def test_internal_affairs_and_a_federal_agency_investigate():
    result = summary("""Officer sentenced for assault on handcuffed man
By Test Writer
Posted: Jun 9, 2024
Officer Dale Renner of the Lakeside Police Department was sentenced to a year in federal prison on Friday for assaulting a handcuffed man.
According to prosecutors, the case was investigated by the FBI.
The department said it had carried out its own internal affairs investigation into Renner.
""")
    found = {(row["body"], row["kind"]) for row in result["investigations"]}
    assert ("Lakeside Police Department", "misconduct") in found or ("Lakeside Police Department", "both") in found
    assert "Federal Bureau of Investigation" in {body for body, _ in found}


def test_police_in_an_article_about_a_single_force_body_is_that_force():
    result = summary("""Watchdog finds off-duty officer punched teenager
By Test Writer
3 April 2024
The Independent Police Conduct Authority said an off-duty officer used excessive force when he punched a boy.
Police opened a criminal investigation and charged the officer with assault.
""")
    assert {row.get("force") for row in result["officers"]} == {"New Zealand Police"}
    assert ("New Zealand Police", "criminal") in {(row["body"], row["kind"]) for row in result["investigations"]}


def test_the_registry_of_unlisted_forces_is_bounded():
    from kg.reference import UNLISTED_LIMIT, unlisted, unlisted_force

    for number in range(UNLISTED_LIMIT + 5):
        unlisted_force(f"Placetown {number} Police Department")
    assert len(unlisted()) == UNLISTED_LIMIT
    assert unlisted()[-1].name == f"Placetown {UNLISTED_LIMIT + 4} Police Department"


def test_a_complaint_returned_to_the_force_is_the_forces_investigation():
    result = summary("""Officer on restricted duties over texts
By Test Writer
3 April 2024
A Dorset Police constable has been placed on restricted duties over offensive text messages.
The IOPC decided the complaint should be investigated locally, so the inquiry is being carried out by Dorset Police.
""")
    bodies = {row["body"] for row in result["investigations"]}
    assert "Dorset Police" in bodies
    assert "Independent Office for Police Conduct" not in bodies
