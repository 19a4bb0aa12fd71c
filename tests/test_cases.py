"""Cases across articles: stable IRIs, status over time, proposals, conflicts, withdrawal.

The two articles in tests/fixtures/cases are a same-case pair of the
development corpus (a constable charged, then jailed). They go through the
real extractor and a real store; the smaller graphs below are written by hand
in TriG and ingested like any RDF file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.namespaces import ID
from kg.store import Store

from conftest import FIXTURES, run_pmkg

CHARGED = FIXTURES / "cases" / "03_gmp-pc-charged-abuse-of-position.txt"
JAILED = FIXTURES / "cases" / "04_gmp-former-pc-jailed.txt"
CASES_RQ = Path(__file__).parent.parent / "queries" / "cases.rq"

TIMELINE = """
PREFIX pmkg: <https://w3id.org/pmkg/ontology#>
SELECT ?case ?n ?status ?date ?basis ?article ?current WHERE { GRAPH <https://w3id.org/pmkg/graph/cases> {
  ?step pmkg:ofCase ?case ; pmkg:stepNumber ?n ; pmkg:caseStatus ?status ; pmkg:statusDate ?date ;
        pmkg:dateBasis ?basis ; pmkg:reportedIn ?article .
  ?case pmkg:currentStatus ?current } } ORDER BY ?case ?n
"""


def rows(store_dir: Path, query: str) -> list[tuple]:
    with Store(store_dir, read_only=True) as store:
        return [tuple(None if t is None else t.value for t in row) for row in store.query(query, union_default_graph=True)]


def ingest(store_dir: Path, *paths: Path) -> None:
    for path in paths:  # one run each: the cases are recomputed after each
        result = run_pmkg("ingest", "--quiet", "--store", str(store_dir), str(path))
        assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def both_orders(tmp_path_factory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("a") / "store", tmp_path_factory.mktemp("b") / "store"
    ingest(first, CHARGED, JAILED)
    ingest(second, JAILED, CHARGED)
    return first, second


def test_two_articles_of_one_case_share_its_iri_in_either_order(both_orders):
    first, second = both_orders
    cases_first = rows(first, CASES_RQ.read_text())
    cases_second = rows(second, CASES_RQ.read_text())
    assert len({r[1] for r in cases_first}) == 1 and len({r[0] for r in cases_first}) == 2
    assert cases_first == cases_second
    assert cases_first[0][1].startswith(ID + "case/")


def test_timeline_and_current_status_do_not_depend_on_the_order(both_orders):
    first, second = both_orders
    steps = rows(first, TIMELINE)
    assert steps == rows(second, TIMELINE)
    statuses = [s[2].rsplit("/", 1)[-1] for s in steps]
    # the charge of the first article stays in the timeline, before the later sentence
    assert statuses.index("charged") < statuses.index("sentenced")
    assert [s[4].rsplit("/", 1)[-1] for s in steps] == ["reported-by"] * len(steps)
    assert steps[0][3] == "2022-02-08" and steps[-1][3] == "2022-11-24"
    assert steps[-1][6] == steps[-1][2]  # the current status is the last step


def test_withdrawing_the_later_article_moves_the_status_back(tmp_path):
    store_dir = tmp_path / "store"
    ingest(store_dir, CHARGED)
    before = {r[6] for r in rows(store_dir, TIMELINE)}
    ingest(store_dir, JAILED)
    after = {r[6] for r in rows(store_dir, TIMELINE)}
    assert before != after
    later = next(r[5] for r in rows(store_dir, TIMELINE) if r[3] == "2022-11-24")
    result = run_pmkg("cases", "withdraw", later, "--reason", "test", "--by", "tester", "--store", str(store_dir))
    assert result.returncode == 0, result.stderr
    assert {r[6] for r in rows(store_dir, TIMELINE)} == before
    assert later not in {r[5] for r in rows(store_dir, TIMELINE)}
    assert before == {ID.replace("id/", "vocab/") + "case-status/charged"}


def test_withdrawing_what_is_not_an_article_is_refused(tmp_path):
    store_dir = tmp_path / "store"
    ingest(store_dir, CHARGED)
    result = run_pmkg("cases", "withdraw", "https://w3id.org/pmkg/graph/ontology", "--reason", "test", "--by", "tester",
                      "--store", str(store_dir))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: <https://w3id.org/pmkg/graph/ontology>: no such article graph in the store"]
    with Store(store_dir, read_only=True) as store:
        assert store.contains_graph("https://w3id.org/pmkg/graph/ontology")


# -- hand-written article graphs ----------------------------------------------------------------

PREFIXES = """
@prefix pmkg: <https://w3id.org/pmkg/ontology#> .
@prefix pmkgv: <https://w3id.org/pmkg/vocab/> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
ORG = ID + "org/"


def article(key: str, published: str, officer: str | None, force: str, facts: str, name: str = "Alex Marlow") -> str:
    a = f"{ID}article/{published}-test-{key}"
    who = f"<{ID}officer/{force}/{officer}>" if officer else f"<{a}/officer/u1>"
    named = f'; pmkg:name "{name}"' if officer else ""
    return f"""<{a}> {{
  <{a}> a pmkg:NewsArticle ; schema:datePublished "{published}"^^xsd:date .
  {who} a pmkg:PoliceOfficer ; pmkg:force <{ORG}{force}> {named} .
  <{a}/sentence/0-10> a pmkg:Sentence ; pmkg:inArticle <{a}> ; pmkg:text "A sentence." .
  {facts.replace("WHO", who).replace("ART", a)}
}}
"""


def outcome(code: str, n: int = 1) -> str:
    return (f"<ART/outcome/r{n}> a pmkg:Outcome ; pmkg:outcomeType pmkgv:outcome\\/{code} ; pmkg:hasSubject WHO ;"
            " pmkg:outcomeStage pmkgv:outcome-stage\\/happened ; pmkg:supportedBy <ART/sentence/0-10> .")


def allegation(code: str) -> str:
    return (f"<ART/allegation/a1> a pmkg:Allegation ; pmkg:allegationCategory pmkgv:allegation\\/{code} ;"
            " pmkg:hasSubject WHO ; pmkg:supportedBy <ART/sentence/0-10> .")


def investigation(body: str) -> str:
    return (f"<ART/investigation/i1> a pmkg:Investigation ; pmkg:investigatingBody <{ORG}{body}> ;"
            " pmkg:hasSubject WHO ; pmkg:supportedBy <ART/sentence/0-10> .")


def load(tmp_path: Path, *graphs: str) -> Path:
    store_dir = tmp_path / "store"
    data = tmp_path / "articles.trig"
    data.write_text(PREFIXES + "".join(graphs))
    result = run_pmkg("ingest", "--quiet", "--store", str(store_dir), str(data))
    assert result.returncode == 0, result.stderr
    return store_dir


def case_pairs(store_dir: Path) -> set[frozenset]:
    by_case: dict[str, set] = {}
    for art, case, *_ in rows(store_dir, CASES_RQ.read_text()):
        by_case.setdefault(case, set()).add(art.rsplit("-", 1)[-1])
    return {frozenset(arts) for arts in by_case.values()}


def test_a_name_alone_never_merges_officers_of_different_forces(tmp_path):
    store_dir = load(tmp_path,
                     article("kent", "2022-01-05", "alex-marlow", "kent-police", outcome("dismissal")),
                     article("essex", "2022-06-05", "alex-marlow", "essex-police", outcome("dismissal")))
    assert case_pairs(store_dir) == {frozenset({"kent"}), frozenset({"essex"})}
    review = run_pmkg("cases", "--review", "--store", str(store_dir))
    assert review.returncode == 0, review.stderr
    assert "same name (alex-marlow) in different forces" in review.stdout
    link_id = review.stdout.split()[0]

    accepted = run_pmkg("cases", "accept", link_id[:6], "--by", "Sam Reviewer", "--store", str(store_dir))
    assert accepted.returncode == 0, accepted.stderr
    assert case_pairs(store_dir) == {frozenset({"kent", "essex"})}

    rejected = run_pmkg("cases", "reject", link_id, "--by", "Sam Reviewer", "--store", str(store_dir))
    assert rejected.returncode == 0, rejected.stderr
    assert case_pairs(store_dir) == {frozenset({"kent"}), frozenset({"essex"})}
    # a rejected link is kept, with who decided, and not proposed again after a rebuild
    assert run_pmkg("cases", "rebuild", "--store", str(store_dir)).returncode == 0
    again = run_pmkg("cases", "--review", "--status", "all", "--store", str(store_dir)).stdout
    assert f"{link_id}  rejected" in again and "(by sam-reviewer)" in again
    assert run_pmkg("cases", "--review", "--store", str(store_dir)).stdout.startswith("0 case link(s)")


def test_unknown_link_ids_get_a_one_line_error(tmp_path):
    store_dir = load(tmp_path, article("kent", "2022-01-05", "alex-marlow", "kent-police", outcome("dismissal")))
    result = run_pmkg("cases", "accept", "ffff", "--by", "Sam", "--store", str(store_dir))
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: 'ffff': no such case link"


def test_unnamed_officers_of_one_force_and_body_with_the_same_allegations_are_one_case(tmp_path):
    facts = allegation("racism") + investigation("independent-office-for-police-conduct")
    other = allegation("dishonesty") + investigation("independent-office-for-police-conduct")
    store_dir = load(tmp_path,
                     article("first", "2021-03-01", None, "kent-police", facts),
                     article("later", "2022-03-01", None, "kent-police", facts + outcome("dismissal", 2)),
                     article("unrelated", "2022-04-01", None, "kent-police", other),
                     article("elsewhere", "2022-04-01", None, "essex-police", facts))
    assert case_pairs(store_dir) == {frozenset({"first", "later"}), frozenset({"unrelated"}),
                                     frozenset({"elsewhere"})}


def test_hermit_finds_the_derived_cases_consistent_with_the_ontology(both_orders, tmp_path):
    """The cases graph of a real store, its dates left out: HermiT's datatype map has no xsd:date."""
    import pyoxigraph as ox

    from kg import resources
    from kg.cases.write import CASES_GRAPH
    from kg.reasoning import check

    data = tmp_path / "cases.nt"
    with Store(both_orders[0], read_only=True) as store:
        triples = [q.triple for q in store.quads(CASES_GRAPH) if not q.predicate.value.endswith("#statusDate")]
    assert len(triples) > 50
    ox.serialize(triples, str(data), ox.RdfFormat.N_TRIPLES)
    result = check([*resources.ontology_files(), data])
    assert result.ok, result


CONFLICTS_RQ = Path(__file__).parent.parent / "queries" / "case-conflicts.rq"


def test_sources_that_disagree_are_both_kept_and_listed(tmp_path):
    store_dir = load(tmp_path,
                     article("sacked", "2022-01-05", "alex-marlow", "kent-police", outcome("dismissal")),
                     article("resigned", "2022-02-05", "alex-marlow", "kent-police", outcome("resigned")),
                     article("warned", "2022-03-05", "sam-okoro", "kent-police", outcome("written-warning"),
                             name="Sam Okoro"))
    found = rows(store_dir, CONFLICTS_RQ.read_text())
    assert len(found) == 1
    case, _, officer, name, reason, status_a, _, article_a, _, status_b, _, article_b, _ = found[0]
    assert officer == f"{ID}officer/kent-police/alex-marlow" and name == "Alex Marlow"
    assert {article_a.rsplit("-", 1)[-1], article_b.rsplit("-", 1)[-1]} == {"sacked", "resigned"}
    assert {status_a, status_b} == {"sanction", "left the service"}
    assert "dismissal" in reason and "resigned" in reason
    # both stay in the timeline, in order; the later one is the current status
    steps = [r for r in rows(store_dir, TIMELINE) if r[0] == case]
    assert [s[2].rsplit("/", 1)[-1] for s in steps] == ["sanction", "left-service"]
    assert steps[-1][6].endswith("/left-service")


def test_one_officer_in_two_different_matters_years_apart_is_a_proposal_not_a_merge(tmp_path):
    store_dir = load(tmp_path,
                     article("early", "2015-01-05", "alex-marlow", "kent-police",
                             allegation("racism") + outcome("written-warning", 2)),
                     article("late", "2022-06-05", "alex-marlow", "kent-police",
                             allegation("corruption") + outcome("criminal-charge", 2)))
    assert case_pairs(store_dir) == {frozenset({"early"}), frozenset({"late"})}
    review = run_pmkg("cases", "--review", "--store", str(store_dir)).stdout
    assert "same officer (alex-marlow) but different allegations 7.4 years apart" in review


def test_mentions_naming_officers_are_not_paired_by_force_and_body_alone():
    """Only a mention without an officer is compared by force and body: the rest are not the
    square of a busy force's reports (4,000 pairs here, not 2 million)."""
    from kg.cases.gather import Fact, Mention, Subject
    from kg.cases.resolve import _candidates

    force, body = ORG + "kent-police", ORG + "independent-office-for-police-conduct"

    def mention(n: int, officer: bool) -> Mention:
        art = f"{ID}article/2022-01-01-scale-{n}"
        who = f"{ID}officer/kent-police/officer-{n}" if officer else f"{art}/officer/u1"
        fact = Fact(f"{art}/investigation/i1", "Investigation", art, bodies={body}, subjects={who})
        return Mention(art, "2022-01-01", [Subject(who, f"Officer {n}" if officer else None, force)], [fact])

    mentions = [mention(n, officer=n >= 2) for n in range(2000)]
    pairs = _candidates(mentions)
    assert (0, 1) in pairs and (0, 1999) in pairs and (1, 1999) in pairs
    assert (2, 3) not in pairs and len(pairs) == 1 + 2 * 1998
