"""The last step of extraction: one fact per event.

An article reports the same event several times: the headline, the standfirst,
the first paragraph and a quotation all say the officer was dismissed. Counting
queries must count events, so the sentence-level findings are merged here:

- ``merge_outcomes``: one outcome per (type, subject), with every sentence that
  reports it as its evidence. An outcome that happened wins over the same
  outcome reported as still to come ("will face a hearing" ... "the hearing
  found").
- ``add_implied_outcomes``: a step the article takes for granted. Nobody is
  convicted, acquitted or jailed without being charged, so a conviction implies
  a criminal charge for the same subject (the ``implies`` trait of
  kg/data/patterns/outcomes.jsonl says which codes imply which).
"""

from __future__ import annotations

from dataclasses import replace

from kg.extract.facts import ArticleFacts, Outcome
from kg.extract.patterns import codes, rules


def merge_outcomes(facts: ArticleFacts) -> None:
    """One outcome per (type, subject), keeping the first report's order and every report's evidence."""
    merged: dict[tuple[str, str | None], Outcome] = {}
    for outcome in facts.outcomes:
        for subject in outcome.subjects or [None]:
            key = (outcome.type, subject)
            kept = merged.get(key)
            if kept is None:
                merged[key] = Outcome(key="", type=outcome.type, subjects=[subject] if subject else [],
                                      stage=outcome.stage, date=outcome.date, decided_by=outcome.decided_by,
                                      investigation=outcome.investigation, evidence=list(outcome.evidence))
                continue
            if outcome.stage == "happened":
                kept.stage = "happened"
            kept.date = kept.date or outcome.date
            kept.decided_by = kept.decided_by or outcome.decided_by
            kept.investigation = kept.investigation or outcome.investigation
            kept.evidence.extend(e for e in outcome.evidence if e not in kept.evidence)
    facts.outcomes = list(merged.values())
    for number, outcome in enumerate(facts.outcomes, 1):
        outcome.key = f"r{number}"


def add_implied_outcomes(facts: ArticleFacts) -> None:
    """Add the step an outcome that happened takes for granted (a charge before a conviction)."""
    implies = {rule.code: rule.implies for rule in rules("outcomes") if rule.implies}
    present = {(o.type, s) for o in facts.outcomes for s in o.subjects}
    for outcome in list(facts.outcomes):
        implied = implies.get(outcome.type)
        if implied is None or outcome.stage != "happened":
            continue
        for subject in outcome.subjects:
            if (implied, subject) in present:
                continue
            present.add((implied, subject))
            evidence = [replace(e, method=f"rule:outcome/implied-by-{outcome.type}") for e in outcome.evidence[:1]]
            facts.outcomes.append(Outcome(key=f"r{len(facts.outcomes) + 1}", type=implied, subjects=[subject],
                                          evidence=evidence))


def update_statuses(facts: ArticleFacts) -> None:
    """Former for one or two subjects of an outcome that ends service (dismissed, resigned); serving
    for a subject still in post (suspended, warned) or a ranked officer the article says nothing else about."""
    leaving = codes("outcomes", leaves_force=True)
    for outcome in facts.outcomes:
        if outcome.type in leaving and outcome.stage == "happened":
            for key in outcome.subjects:
                subject = facts.subject(key)
                if subject is not None and len(outcome.subjects) <= 2:
                    subject.status = "former"
    in_post = codes("outcomes", in_post=True)
    for outcome in facts.outcomes:
        if outcome.type in in_post and outcome.stage == "happened":
            for key in outcome.subjects:
                subject = facts.subject(key)
                if subject is not None and subject.status is None:
                    subject.status = "serving"  # suspended, on restricted duties or warned: still in post
    for officer in facts.officers:
        if officer.status is None and officer.rank:
            officer.status = "serving"


def consolidate(facts: ArticleFacts) -> ArticleFacts:
    add_implied_outcomes(facts)
    merge_outcomes(facts)
    return facts
