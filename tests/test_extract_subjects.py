"""Who the article is about: ranks and titles as reporters write them, in and beyond the UK.

The articles are invented for these tests.
"""

from __future__ import annotations

import json

from kg.batch import extract_bytes
from kg.extract.nlp import load
from kg.summary import summarise


def summary(text: str) -> dict:
    result = extract_bytes(text.encode("utf-8"), location="urn:pmkg:stdin")
    assert result.status == "ok", result.reason
    return json.loads(summarise(result.graph, [q.triple for q in result.quads()]))


def officers(text: str) -> dict[str, dict]:
    return {row["name"]: row for row in summary(text)["officers"] if "name" in row}


def test_an_abbreviated_rank_with_a_full_stop_keeps_its_name_in_the_sentence():
    doc = load()("Prosecutors on Monday charged Sgt. Ilse Brandt with battery. She denied it.")
    assert [s.text for s in doc.sents] == ["Prosecutors on Monday charged Sgt. Ilse Brandt with battery.",
                                           "She denied it."]


def test_a_sergeant_written_sgt_with_a_full_stop_is_the_subject():
    found = officers("""Sergeant charged with battery
By Test Writer
Posted: Jun 9, 2024
Prosecutors on Monday charged Sgt. Ilse Brandt of the Lakeside Police Department with battery.
Brandt was suspended without pay while the case proceeds.
""")
    assert found["Ilse Brandt"]["rank"] == "Sergeant"
    assert found["Ilse Brandt"]["force"] == "Lakeside Police Department"


def test_gardai_are_officers_of_an_garda_siochana():
    found = officers("""Two gardaí deny assault on teenager
By Test Writer
Tue Mar 5 2019 - 06:00
Garda Niamh Corrigan (31) and Garda Cathal Brophy (44) pleaded not guilty to assault causing harm.
The charges followed an investigation by the Garda Síochána Ombudsman Commission into the arrest.
Both gardaí, who serve with An Garda Síochána in Limerick, remain on duty.
""")
    assert set(found) == {"Niamh Corrigan", "Cathal Brophy"}
    assert {row["rank"] for row in found.values()} == {"Garda"}
    assert {row["force"] for row in found.values()} == {"An Garda Síochána"}


def test_an_abbreviated_title_is_not_part_of_a_speakers_name():
    quotes = summary("""Force apologises after officer sacked
By Test Writer
1 July 2023
PC Tobias Renwick of Dorset Police was dismissed without notice on Friday.
"His conduct fell far below what the public expects," said Dep Ch Con Ruth Ambler.
""")["quotes"]
    assert [q["speaker"] for q in quotes] == ["Ruth Ambler"]


def test_chairs_and_spokespeople_are_not_subjects():
    found = officers("""Constable sacked for lying about sick leave
By Test Writer
3 April 2024
PC Rufus Kell of Dorset Police was dismissed at a gross misconduct hearing chaired by Chief Constable Moira Pask.
Det Supt Colm Reddy, head of professional standards, said the conduct had been dishonest.
""")
    assert set(found) == {"Rufus Kell"}


def test_an_officer_harmed_by_someone_else_is_not_a_subject():
    found = officers("""Man sentenced for biting constable
By Test Writer
3 April 2024
PC Ansel Pickford of Gwent Police was bitten by a man he was arresting in Newport.
The man threatened to assault the officer, then sank his teeth into PC Pickford's hand.
He pleaded guilty to assaulting an emergency worker and was jailed for six months.
PC Pickford has since moved to a role away from the front line.
""")
    assert found == {}


def test_a_list_of_names_after_a_plural_title_in_a_headline_are_the_subjects():
    found = officers("""Hearing outcome: former PCs Hollis Brandt and Evie Marsh
By Test Writer
3 April 2024
An accelerated misconduct hearing found gross misconduct proven against both officers.
Both had resigned from Gwent Police before the hearing.
""")
    assert set(found) == {"Hollis Brandt", "Evie Marsh"}


def test_a_name_with_an_inner_capital_is_kept_whole():
    found = officers("""Constable sacked after crash
By Test Writer
3 April 2024
PC Ewan MacAllister, 29, of Dorset Police was dismissed without notice on Friday.
""")
    assert set(found) == {"Ewan MacAllister"}


def test_the_officer_after_a_chairs_name_is_still_the_subject():
    found = officers("""Constable sacked after crash
By Test Writer
3 April 2024
PC Ewan Tolland was arrested on suspicion of drink-driving in May.
A misconduct hearing was held on Friday, chaired by Acting Chief Constable Orla Fenwick.
The officer faced allegations that he had breached the standards of professional behaviour.
Ms Fenwick ruled that he should be dismissed without notice.
""")
    assert set(found) == {"Ewan Tolland"}


def unnamed(text: str) -> list[dict]:
    return [row for row in summary(text)["officers"] if "name" not in row]


LEAD_THEN_NAME = """Former constable jailed for fraud
By Test Writer
3 April 2024
A former Kent Police constable has been jailed for two years for defrauding elderly neighbours.
Milo Arden, 38, of Ashford, admitted three counts of fraud at Maidstone Crown Court.
A panel later found he would have been dismissed had he still been a serving officer.
"""


def test_the_lead_officer_is_the_person_named_next_with_an_age_but_no_rank():
    assert set(officers(LEAD_THEN_NAME)) == {"Milo Arden"}
    assert officers(LEAD_THEN_NAME)["Milo Arden"]["force"] == "Kent Police"


def test_an_officer_noun_as_a_predicate_is_nobody_new():
    assert unnamed(LEAD_THEN_NAME) == []


DEFINITE_LEAD = """Former chief constable under investigation
By Test Writer
3 April 2024
The former chief constable of Dorset Police is now under investigation for potential gross misconduct, the police watchdog has confirmed.
Graham Whitcombe announced his retirement in May, and the investigation began the next day.
"""


def test_a_definite_lead_takes_the_name_given_next():
    result = summary(DEFINITE_LEAD)
    assert {row["name"] for row in result["officers"]} == {"Graham Whitcombe"}
    assert {(row["body"], row["kind"]) for row in result["investigations"]} == {
        ("Independent Office for Police Conduct", "misconduct")}


def test_ciphers_are_unnamed_officers_one_each():
    rows = unnamed("""Hearing outcome: Officer A and Officer B (Dorset Police)
By Test Writer
3 April 2024
Officer A and Officer B, both former constables of Dorset Police, were found to have committed gross misconduct.
Officer A pushed a detained man to the ground. Officer B sprayed him with PAVA.
Both had resigned from the force before the hearing.
""")
    assert [(row["force"], row["count"]) for row in rows] == [("Dorset Police", "1"), ("Dorset Police", "1")]
    assert all("name" not in row for row in summary("""x
By Test Writer
3 April 2024
Officer A pushed a detained man at a Dorset Police station and was dismissed.
""")["officers"])


def test_a_cipher_standing_for_a_named_officer_is_no_one_new():
    found = summary("""Constable who stole from shop barred
By Test Writer
3 April 2024
PC Dana Royle of Cumbria Police stole groceries while off duty and was dismissed.
At earlier hearings the officer was referred to only as Officer A.
""")["officers"]
    assert [row.get("name") for row in found] == ["Dana Royle"]


def test_a_count_of_the_named_officers_is_no_extra_group():
    rows = unnamed("""Two Kent Police officers cleared of misconduct
By Test Writer
3 April 2024
PC Ada Wren and PC Tom Bexley of Kent Police were cleared of gross misconduct on Friday.
The two Kent Police officers had been accused of using excessive force during an arrest.
A sergeant was given a written warning for failing to challenge them.
""")
    assert [(row.get("force"), row["count"]) for row in rows] == [("Kent Police", "1")]


def test_officers_in_general_are_nobody():
    rows = summary("""Constable sacked for lying
By Test Writer
3 April 2024
PC Ada Wren of Kent Police was dismissed for lying about overtime.
"Honesty matters," said Dep Ch Con Ruth Ambler.
The deputy chief constable said every complaint about an officer is taken seriously.
""")
    assert [row.get("name") for row in rows["officers"]] == ["Ada Wren"]
    assert [row["speaker"] for row in rows["quotes"]] == ["Ruth Ambler"]


def test_the_victim_named_in_the_lead_is_not_the_lead_officer():
    found = officers("""Constable sacked over death in custody
By Test Writer
3 April 2024
A Kent Police constable has been dismissed for lying about the arrest of Elias Fenwick, who died in custody.
Bryn Talley, 41, of Maidstone, had denied giving a false account.
""")
    assert set(found) == {"Bryn Talley"}
    assert found["Bryn Talley"]["rank"] == "Police Constable"  # the lead's rank passes to the name


def test_a_career_in_a_relative_clause_is_no_chairing_role():
    found = officers("""No case to answer for former chief constable
By Test Writer
3 April 2024
An investigation into a former chief constable of Dorset Police has found he has no case to answer.
Graham Whitcombe, who led the force until he retired last year, will face no further action.
""")
    assert set(found) == {"Graham Whitcombe"}


def test_a_suspended_officer_is_serving_and_the_lead_gives_its_rank():
    found = officers("""Constable suspended over stalking claims
By Test Writer
4 June 2024
A West Yorkshire Police constable accused of stalking a woman has been suspended.
Marek Lund, 29, of Leeds, denies the allegations.
""")
    assert (found["Marek Lund"]["status"], found["Marek Lund"]["rank"]) == ("serving", "Police Constable")


def test_a_colleague_and_a_third_officer_named_after_a_comma_are_officers():
    found = officers("""Jury splits verdicts on officers
By Test Writer
4 June 2024
A jury found Officer Dale Renner of the Lakeside Police Department guilty of assault, while clearing his former colleague Ivo Sandoval of every charge.
A grand jury had indicted Renner, Sandoval and a third officer, Lucy Harding, in 2021.
""")
    assert {"Dale Renner", "Ivo Sandoval", "Lucy Harding"} <= set(found)


def test_the_lead_with_a_plain_rank_is_the_named_detective():
    rows = summary("""Detective escapes the sack
By Test Writer
3 April 2024
A detective inspector who slapped a colleague has been given a final written warning.
Det Insp Idwal Calloway of Kent Police admitted the conduct at a misconduct hearing.
""")["officers"]
    assert [row.get("name") for row in rows] == ["Idwal Calloway"]
