"""The extractor on the project's own fictional articles (tests/fixtures/extract).

Each test names the phenomenon it covers; the articles were written for
these tests and are not taken from any news source.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from kg.extract import extract
from kg.extract.facts import ArticleFacts
from kg.extract.nlp import gazetteer_patterns, load
from kg.extract.rdf import article_graph
from kg.reader import read_path, read_text
from kg.validate import validate_graph

ARTICLES = Path(__file__).parent / "fixtures" / "extract"


@pytest.fixture(scope="module")
def facts() -> dict[str, ArticleFacts]:
    return {path.stem: extract(read_path(path)) for path in sorted(ARTICLES.glob("*.txt"))}


def named(facts: ArticleFacts) -> dict[str, object]:
    return {o.name: o for o in facts.officers if o.name}


def types(facts: ArticleFacts) -> set[str]:
    return {o.type for o in facts.outcomes}


def test_fixtures_exist():
    assert len(list(ARTICLES.glob("*.txt"))) >= 4


@pytest.mark.parametrize("alias,key", [
    ("the Met", "metropolitan-police-service"), ("Scotland Yard", "metropolitan-police-service"),
    ("Norfolk Police", "norfolk-constabulary"), ("the CNC", "civil-nuclear-constabulary"),
    ("the police watchdog", "watchdog"), ("the IOPC", "independent-office-for-police-conduct"),
])
def test_gazetteer_knows_the_aliases_reporters_use(alias, key):
    doc = load()(f"A statement from {alias} was published on Monday.")
    assert key in {ent.ent_id_ for ent in doc.ents}
    assert any(p["id"] == key for p in gazetteer_patterns()) or key == "watchdog"


def test_rank_name_age_force_and_coreference(facts):
    ashby = named(facts["kent-messages-investigation"])["Rowan Ashby"]
    assert (ashby.rank, ashby.force, ashby.age, ashby.status) == ("constable", "kent-police", 34, "serving")
    # "The 34-year-old has worked in Maidstone" refers back to him
    assert any("34-year-old" in e.text for e in ashby.evidence) or len(ashby.evidence) >= 1


def test_unnamed_second_officer_is_kept_apart_from_the_named_one(facts):
    result = facts["kent-messages-investigation"]
    unnamed = [o for o in result.officers if o.name is None]
    assert len(unnamed) == 1 and unnamed[0].force == "kent-police"
    group = next(g for g in result.groups if g.size == 2)
    assert len(group.members) == 2  # "two Kent Police officers": Ashby and the second constable


def test_group_breakdown_by_force_and_a_sixth_officer(facts):
    result = facts["five-officers-three-forces"]
    five = next(g for g in result.groups if g.size == 5)
    parts = {(g.size, g.force) for g in result.groups if g.key in five.parts}
    assert parts == {(3, "metropolitan-police-service"), (1, "civil-nuclear-constabulary"), (1, "norfolk-constabulary")}
    sixth = [o for o in result.officers if o.name is None]
    assert [(o.force, o.status) for o in sixth] == [("metropolitan-police-service", "former")]
    assert not any(o.name for o in result.officers if o.name is None)  # groups never become named people


def test_investigation_body_and_kinds(facts):
    (investigation,) = facts["kent-messages-investigation"].investigations
    assert investigation.body == "independent-office-for-police-conduct"
    assert investigation.kinds == {"criminal", "misconduct"}


def test_allegation_categories_period_and_medium(facts):
    (allegation,) = facts["kent-messages-investigation"].allegations
    assert allegation.categories == {"racism", "homophobia", "offensive-communications"}
    assert allegation.period == ("2019-03", "2019-10")
    assert allegation.media == {"whatsapp"}
    assert allegation.status == "alleged"


def test_outcomes_and_what_is_not_an_outcome(facts):
    hearing = facts["kent-messages-hearing"]
    assert {"dismissal", "gross-misconduct-hearing", "barred-list", "no-case-to-answer"} <= types(hearing)
    barred = next(o for o in hearing.outcomes if o.type == "barred-list")
    assert barred.stage == "scheduled"  # "will be placed on the barred list"
    jailed = facts["former-officer-jailed"]
    assert {"prison-sentence", "conviction", "resigned", "would-have-been-dismissed"} <= types(jailed)
    assert "dismissal" not in types(jailed)   # "would have been dismissed" is not a dismissal
    assert "suspension" not in types(jailed)  # a co-defendant's suspended sentence
    assert "dismissal" not in types(facts["five-officers-three-forces"])  # "could face dismissal"


def test_people_who_are_not_subjects_are_not_officers(facts):
    assert "Priya Walcott" not in named(facts["five-officers-three-forces"])  # leads the investigation
    jailed = facts["former-officer-jailed"]
    assert set(named(jailed)) == {"Declan Morrow"}  # not the judge, not the civilian co-defendant
    assert named(jailed)["Declan Morrow"].status == "former"


def test_quotes_have_speaker_and_role(facts):
    quotes = {q.speaker: q for q in facts["kent-messages-investigation"].quotes}
    assert quotes["Amira Coltrane"].role == "the IOPC's regional director"
    assert quotes["Amira Coltrane"].speaking_for == "independent-office-for-police-conduct"
    assert "follow the evidence" in quotes["Amira Coltrane"].text


def test_boilerplate_never_becomes_a_fact(facts):
    # The READ MORE line about a sacked constable is page noise.
    result = facts["kent-messages-investigation"]
    assert "dismissal" not in types(result)
    assert all("READ MORE" not in e.text for o in result.outcomes for e in o.evidence)


def test_every_fact_points_to_its_sentence(facts):
    article = read_path(ARTICLES / "kent-messages-investigation.txt")
    result = facts["kent-messages-investigation"]
    # The article reports a suspension, two allegations, an investigation and a quotation.
    assert result.outcomes and result.allegations and result.investigations and result.quotes
    for fact in [*result.outcomes, *result.allegations, *result.investigations, *result.quotes]:
        assert fact.evidence
        for evidence in fact.evidence:
            assert article.text[evidence.start:evidence.end] == evidence.text
            assert evidence.method.startswith("rule:")


@pytest.mark.parametrize("name", sorted(p.stem for p in ARTICLES.glob("*.txt")))
def test_extracted_graph_conforms_to_the_shapes(name, facts):
    article = read_path(ARTICLES / f"{name}.txt")
    _, triples = article_graph(article, facts[name])
    graph = rdflib.Graph()
    for t in triples:
        graph.add(tuple(_to_rdflib(term) for term in (t.subject, t.predicate, t.object)))
    result = validate_graph(graph)
    assert result.conforms, result.text


def _to_rdflib(term):
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value) if not term.language else None,
                          lang=term.language)


def test_article_without_misconduct_gives_no_misconduct_facts():
    text = ("Force opens new station in town centre\n\n"
            "Kent Police opened a new station on Monday. Two officers will staff the front desk, "
            "and a sergeant said the building would make the force more visible.")
    result = extract(read_text(text, location="urn:pmkg:test"))
    assert not (result.outcomes or result.allegations or result.investigations)


def test_former_detective_and_the_bodies_name_is_not_a_kind(facts):
    result = facts["avon-detective-admits"]
    jennings = named(result)["Sarah Jennings"]
    assert (jennings.rank, jennings.force, jennings.status) == (
        "detective-constable", "avon-and-somerset-constabulary", "former")
    assert "Mark Talbot" not in named(result)  # quoted, not connected to the case
    (investigation,) = result.investigations
    assert "misconduct" not in investigation.kinds  # "Office for Police Conduct" is a name
    assert {"conviction", "resigned"} <= types(result)
    assert {"abuse-of-position-for-sexual-purpose", "failure-to-report"} <= result.allegations[0].categories


def test_scottish_case_acquittal_charge_and_pirc(facts):
    result = facts["scotland-constable-acquitted"]
    assert named(result)["Euan Lockhart"].force == "police-scotland"
    assert {"acquittal", "criminal-charge", "restricted-duties"} <= types(result)
    (investigation,) = result.investigations
    assert investigation.body == "police-investigations-and-review-commissioner"
    assert investigation.kinds == {"criminal"}
    assert "Fiona Laing" not in named(result)  # the sheriff
