"""Saved queries: documented, parseable, and answering the sample graph as expected.

The golden files in tests/fixtures/queries hold each competency query's
results on samples/sample-case.trig (a fictional article graph).
"""

import json
import re
from pathlib import Path

import pytest
import pyoxigraph as ox

from kg import resources
from kg.store import Store

ROOT = Path(__file__).parent.parent
QUERIES = sorted(resources.queries_dir().glob("*.rq"))
GOLDEN = Path(__file__).parent / "fixtures" / "queries"
COMPETENCY = ["sources", "officers", "investigations", "allegations", "outcomes", "quotes"]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    store = Store.create(tmp_path_factory.mktemp("queries") / "store")
    store.load(ROOT / "samples" / "sample-case.trig", format="trig")
    yield store
    store.close()


def test_there_are_queries():
    assert {q.stem for q in QUERIES} >= set(COMPETENCY)


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_has_headers_parses_and_is_documented(path, sample_store):
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^#\+ summary: \S", text, re.MULTILINE), "no #+ summary: header"
    assert re.search(r"^#\+ description: \S", text, re.MULTILINE), "no #+ description: header"
    if "SERVICE <https://query.wikidata.org/sparql>" in text:
        # pyoxigraph would call Wikidata; tests/test_web_queries.py runs these against a local endpoint.
        from rdflib.plugins.sparql.parser import parseQuery
        parseQuery(text)
    else:
        results = sample_store.query(text, union_default_graph=True)  # raises on a syntax error
        if not isinstance(results, ox.QueryBoolean):  # ASK queries answer a boolean
            list(results)
    assert f"`{path.name}`" in (ROOT / "README.md").read_text(encoding="utf-8"), "not in the README"


@pytest.mark.parametrize("name", COMPETENCY)
def test_competency_query_answers_the_sample(name, sample_store):
    expected = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    results = sample_store.query((resources.queries_dir() / f"{name}.rq").read_text(encoding="utf-8"),
                                 union_default_graph=True)
    variables = [v.value for v in results.variables]
    assert variables == expected["vars"]
    got = sorted(tuple(None if row[v] is None else row[v].value for v in variables) for row in results)
    want = sorted(tuple(row[v] for v in variables) for row in expected["rows"])
    assert got == want


def test_every_setting_is_documented():
    from kg.web import DEFAULTS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    settings = {f"PMKG_{key}" for key in DEFAULTS}
    for path in [*(ROOT / "kg").rglob("*.py"), *(ROOT / "web").rglob("*.py")]:
        settings |= set(re.findall(r"PMKG_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert settings, "no PMKG_ settings found"
    for setting in settings:
        assert f"`{setting}`" in readme, f"{setting} is not in the README"
