"""One source of truth for vocabulary codes: ontology/vocabularies.ttl and kg/data/patterns/*.jsonl.

Every code a pattern file gives is a SKOS concept of its scheme (read here with rdflib,
independently of the extractor), the extractor's sets of outcome codes are the pattern files'
traits and hold no codes of their own, and a pattern line with a code that is no concept stops
loading with a one-line error naming the file and line.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SKOS

from kg.extract import cues, events
from kg.extract.patterns import SCHEMES, codes, parse_rules
from kg.namespaces import VOCAB

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "kg" / "data" / "patterns"
EXTRACTOR = ROOT / "kg" / "extract"
VOCABULARIES = rdflib.Graph().parse(ROOT / "ontology" / "vocabularies.ttl", format="turtle")


def concept(scheme: str, code: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{VOCAB}{scheme}/{code}")


def lines(name: str) -> list[dict]:
    text = (PATTERNS / f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def broader(scheme: str, code: str) -> set[str]:
    """The codes of the concepts above ``code`` (transitively)."""
    found = set(VOCABULARIES.transitive_objects(concept(scheme, code), SKOS.broader)) - {concept(scheme, code)}
    return {str(iri).rsplit("/", 1)[1] for iri in found}


def test_every_pattern_file_has_a_scheme():
    assert {path.stem for path in PATTERNS.glob("*.jsonl")} == set(SCHEMES)


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_every_code_of_a_pattern_file_is_a_concept_of_its_scheme(name):
    scheme = rdflib.URIRef(VOCAB + SCHEMES[name])
    missing = []
    for item in lines(name):
        iri = concept(SCHEMES[name], item["code"])
        if not ((iri, SKOS.inScheme, scheme) in VOCABULARIES
                and (iri, SKOS.notation, rdflib.Literal(item["code"])) in VOCABULARIES):
            missing.append(item["code"])
    assert not missing, f"codes in {name}.jsonl that are no concept of {scheme}: {missing}"
    assert lines(name)


def test_a_code_that_is_no_concept_stops_loading_with_the_line():
    text = '{"code": "suspension", "pattern": "suspended"}\n{"code": "fined", "pattern": "\\\\bfined\\\\b"}\n'
    with pytest.raises(ValueError, match=r"^patterns/outcomes\.jsonl line 2: code 'fined' is not a concept"):
        parse_rules(text, "outcomes")
    with pytest.raises(ValueError, match="line 1: code 'racism' is not a concept"):
        parse_rules('{"code": "racism", "pattern": "racist"}', "outcomes")  # an allegation, not an outcome
    assert [rule.code for rule in parse_rules(text.splitlines()[0], "outcomes")] == ["suspension"]


def test_a_trait_that_is_not_a_flag_or_kind_stops_loading():
    with pytest.raises(ValueError, match="officer_only is 'yes'"):
        parse_rules('{"code": "suspension", "pattern": "x", "officer_only": "yes"}', "outcomes")
    with pytest.raises(ValueError, match="investigation_kind 'civil'"):
        parse_rules('{"code": "conviction", "pattern": "x", "investigation_kind": "civil"}', "outcomes")


def test_the_extractors_sets_are_the_pattern_files_traits():
    outcomes = lines("outcomes")
    assert cues.OFFICER_ONLY_OUTCOMES == {i["code"] for i in outcomes if i.get("officer_only")}
    assert events.CRIMINAL_OUTCOMES == {i["code"] for i in outcomes if i.get("investigation_kind") == "criminal"}
    assert events.MISCONDUCT_OUTCOMES == {i["code"] for i in outcomes if i.get("investigation_kind") == "misconduct"}
    assert codes("outcomes", leaves_force=True) == {i["code"] for i in outcomes if i.get("leaves_force")}
    assert {"suspension", "conviction", "written-warning", "resigned"} <= codes("outcomes")


def test_traits_agree_with_the_vocabulary():
    for item in lines("outcomes"):
        above = broader("outcome", item["code"])
        if item.get("investigation_kind") == "criminal":
            assert "criminal-justice" in above, item["code"]
        if item.get("investigation_kind") == "misconduct":
            assert above & {"proceeding", "finding", "sanction"}, item["code"]
        if item.get("leaves_force"):
            assert above & {"departure", "sanction"}, item["code"]


def _code_literals() -> list[tuple[str, int, str]]:
    """String literals in the extractor's code that are outcome or allegation codes."""
    known = {item["code"] for name in SCHEMES for item in lines(name)}
    found = []
    for path in sorted(EXTRACTOR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
                found += [(path.name, e.lineno, e.value) for e in node.elts
                          if isinstance(e, ast.Constant) and e.value in known]
    return found


def test_the_extractor_holds_no_sets_of_codes():
    # Sets, lists and tuples of codes belong in the pattern files (a trait), not in Python.
    assert _code_literals() == []


def test_codes_the_extractor_compares_with_are_concepts():
    # Rules that single out one code ("no case to answer" is not "case to answer") name real ones.
    all_codes = {SCHEMES[name]: {item["code"] for item in lines(name)} for name in SCHEMES}
    compared = []
    for path in sorted(EXTRACTOR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            about_codes = any(isinstance(o, ast.Attribute) and o.attr in ("code", "type") or
                              isinstance(o, ast.Name) and o.id == "codes" for o in operands)
            if about_codes:
                compared += [(path.name, o.value) for o in operands
                             if isinstance(o, ast.Constant) and isinstance(o.value, str)]
    assert compared, "the walk found no comparison with a code"
    assert [(file, code) for file, code in compared if code not in all_codes["outcome"] | all_codes["allegation"]] == []
