"""The synthetic, pmkg-shaped dataset of the benchmarks: one named graph per article.

Articles report officers (who recur across articles, each with a force), an
investigation, two allegations and an outcome, each supported by a sentence;
with ``realistic`` also what the saved queries about sources and quotations
read and what `pmkg ingest` builds cases from: where each article was read from,
its publisher and author, a quotation in every other article, epistemic and review
states, outcome stages, the investigating bodies' names. Without it, the data is
byte for byte what the benchmarks generated before (bench_scale.py and
bench_refresh.py use it so). Generated from fixed seeds: every run writes the same quads.
"""

from __future__ import annotations

import random
from pathlib import Path

from kg.namespaces import ID, PMKG, VOCAB

SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
# Codes of the project's own vocabularies, so the queries are shaped like the saved ones.
ALLEGATIONS = ["violence-or-excessive-force", "racism", "sexual-misconduct", "corruption", "dishonesty",
               "neglect-of-duty", "misogyny", "homophobia", "unauthorised-data-access", "bullying-or-harassment"]
OUTCOMES = ["dismissal", "final-written-warning", "no-case-to-answer", "acquittal", "conviction", "resigned",
            "suspension", "barred-list"]
RANKS = ["constable", "sergeant", "inspector", "chief-inspector", "superintendent"]
STATUS = ["serving", "former"]
BODIES = ["independent-office-for-police-conduct", "police-investigations-and-review-commissioner",
          "police-ombudsman-for-northern-ireland"]
KINDS = ["misconduct", "criminal"]
TRIPLES_PER_ARTICLE = 50  # roughly, with the shape below
REALISTIC_PER_ARTICLE = 68  # with the realistic additions
SEED = 20240611


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value, datatype: str | None = None) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"' + (f"^^<{XSD}{datatype}>" if datatype else "")


def generate(path: Path, triples: int, realistic: bool = False) -> tuple[int, int]:
    """Write a deterministic N-Quads file of about ``triples`` quads; return (quads, articles).

    ``realistic`` adds what the extractor writes beyond the facts (the article is a
    pmkg:NewsArticle, with its source, publisher and author; quotations, epistemic and
    review states, outcome stages, the bodies' names): about 68 quads an article
    instead of about 50. `pmkg ingest` then also builds the cases graph from the
    articles (about 0.4 quads for each one generated).
    """
    rng = random.Random(SEED)
    extra = random.Random(SEED + 1)   # for the realistic additions, so the rest stays as it was
    articles = max(1, triples // (REALISTIC_PER_ARTICLE if realistic else TRIPLES_PER_ARTICLE))
    officers = max(1, articles // 4)  # officers recur across articles
    forces = 45
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        def q(s, p, o, g):
            nonlocal count
            out.write(f"{s} {iri(p)} {o} {g} .\n")
            count += 1

        for a in range(articles):
            art = iri(f"{ID}article/{a}")
            g = art  # one named graph per article, named by the article
            q(art, RDF_TYPE, iri((PMKG if realistic else SCHEMA) + "NewsArticle"), g)
            q(art, SCHEMA + "headline", lit(f"Officer faces hearing over incident {a}"), g)
            q(art, SCHEMA + "datePublished", lit(f"20{10 + a % 14}-{1 + a % 12:02d}-{1 + a % 28:02d}", "date"), g)
            sentences = [iri(f"{ID}sentence/{a}-{k}") for k in range(4)]
            for k, s in enumerate(sentences):
                q(s, RDF_TYPE, iri(PMKG + "Sentence"), g)
                q(s, PMKG + "text", lit(f"Sentence {k} of article {a} reports what the officer did."), g)
                q(s, PMKG + "startOffset", lit(k * 80, "integer"), g)
                q(s, PMKG + "endOffset", lit(k * 80 + 79, "integer"), g)
                q(s, PMKG + "inArticle", art, g)
            mentioned = [rng.randrange(officers) for _ in range(1 + (a % 2))]
            for j in mentioned:
                off = iri(f"{ID}officer/{j}")
                force = iri(f"{ID}force/{j % forces}")
                q(off, RDF_TYPE, iri(PMKG + "PoliceOfficer"), g)
                q(off, PMKG + "name", lit(f"Officer {j}"), g)
                q(off, PMKG + "rank", iri(f"{VOCAB}rank/{RANKS[j % len(RANKS)]}"), g)
                q(off, PMKG + "force", force, g)
                q(off, PMKG + "serviceStatus", iri(f"{VOCAB}status/{STATUS[j % len(STATUS)]}"), g)
                q(force, RDF_TYPE, iri(PMKG + "PoliceForce"), g)
                q(force, PMKG + "name", lit(f"Force {j % forces}"), g)
            subject = iri(f"{ID}officer/{mentioned[0]}")
            inv = iri(f"{ID}investigation/{a}")
            q(inv, RDF_TYPE, iri(PMKG + "Investigation"), g)
            body = rng.choice(BODIES)
            q(inv, PMKG + "investigatingBody", iri(f"{ID}org/{body}"), g)
            q(inv, PMKG + "investigationKind", iri(f"{VOCAB}investigation-kind/{rng.choice(KINDS)}"), g)
            q(inv, PMKG + "hasSubject", subject, g)
            q(inv, PMKG + "supportedBy", sentences[0], g)
            for k in range(2):
                al = iri(f"{ID}allegation/{a}-{k}")
                q(al, RDF_TYPE, iri(PMKG + "Allegation"), g)
                q(al, PMKG + "allegationCategory", iri(f"{VOCAB}allegation/{rng.choice(ALLEGATIONS)}"), g)
                q(al, PMKG + "hasSubject", subject, g)
                q(al, PMKG + "supportedBy", sentences[1 + k], g)
            oc = iri(f"{ID}outcome/{a}")
            q(oc, RDF_TYPE, iri(PMKG + "Outcome"), g)
            outcome = rng.choice(OUTCOMES)
            q(oc, PMKG + "outcomeType", iri(f"{VOCAB}outcome/{outcome}"), g)
            q(oc, PMKG + "hasSubject", subject, g)
            q(oc, PMKG + "date", lit(f"20{11 + a % 13}-{1 + a % 12:02d}-15", "date"), g)
            q(oc, PMKG + "supportedBy", sentences[3], g)
            if realistic:
                facts = [inv, *(iri(f"{ID}allegation/{a}-{k}") for k in range(2)), oc]
                article_details(q, extra, a, art, sentences, facts, body, subject)
    return count, articles


PUBLISHERS = 12
AUTHORS = 400
SPEAKERS = 1500
ROLES = ["spokesperson", "regional director", "chief constable", "solicitor", "campaigner"]


def article_details(q, rng: random.Random, a: int, art: str, sentences: list[str], facts: list[str], body: str,
                    subject: str) -> None:
    """What an extracted article holds beyond its facts: source, publisher, author, states, a quotation."""
    g = art
    p, author = rng.randrange(PUBLISHERS), rng.randrange(AUTHORS)
    publisher, person = iri(f"{ID}publisher/{p}"), iri(f"{ID}person/author-{author}")
    q(art, PMKG + "retrievedFrom", iri(f"https://news.example/{p}/{a}.html"), g)
    q(art, SCHEMA + "publisher", publisher, g)
    q(publisher, RDF_TYPE, iri(PMKG + "NewsPublisher"), g)
    q(publisher, PMKG + "name", lit(f"Publisher {p}"), g)
    q(art, SCHEMA + "author", person, g)
    q(person, PMKG + "name", lit(f"Author {author}"), g)
    for fact in facts:
        q(fact, PMKG + "epistemicStatus", iri(f"{VOCAB}epistemic/{rng.choice(['reported', 'alleged'])}"), g)
        if rng.random() < 0.05:
            q(fact, PMKG + "reviewState", iri(f"{VOCAB}review/{rng.choice(['confirmed', 'corrected'])}"), g)
    q(facts[-1], PMKG + "outcomeStage", iri(f"{VOCAB}outcome-stage/{rng.choice(['happened', 'scheduled'])}"), g)
    q(iri(f"{ID}org/{body}"), RDF_TYPE, iri(PMKG + "OversightBody"), g)
    q(iri(f"{ID}org/{body}"), PMKG + "name", lit(body.replace("-", " ").capitalize()), g)
    if a % 2 == 0:
        quote, k = iri(f"{ID}article/{a}/quote/1"), rng.randrange(SPEAKERS)
        speaker = subject if k % 10 == 0 else iri(f"{ID}person/speaker-{k}")
        q(quote, RDF_TYPE, iri(PMKG + "Quotation"), g)
        q(quote, PMKG + "text", lit(f"We will look at what happened in case {a} carefully."), g)
        q(quote, PMKG + "speaker", speaker, g)
        q(quote, PMKG + "speakerRole", lit(ROLES[k % len(ROLES)]), g)
        q(quote, PMKG + "supportedBy", sentences[2], g)
        if speaker != subject:
            q(speaker, RDF_TYPE, iri(PMKG + "Person"), g)
            q(speaker, PMKG + "name", lit(f"Speaker {k}"), g)
