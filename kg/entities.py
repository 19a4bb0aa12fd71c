"""What an entity page shows, and the data access behind the pages and downloads.

Every IRI pmkg mints (``https://w3id.org/pmkg/id/...``) is served by the web
app at ``/id/...``: this module maps IRIs to local paths and back, writes the
SPARQL queries a page runs (they go through the app's query executor, so a
page has the same time limit and snapshot as the endpoint) and turns their
SPARQL JSON results into the page model the template renders.

A page groups the entity's facts by property: what it is and what is said
of it, how it was found (provenance), and the links to it from other nodes.
Each fact lists the graphs that hold it; for an article's graph, the article
and the sentences that support the fact: those of the rdf:Statement that
reifies it, or else those of the fact node itself (allegations, outcomes, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox

from kg.errors import PmkgError
from kg.namespaces import BASE, GRAPH, ID, PMKG, PREFIXES, VOCAB
from kg.store import Format

ARTICLE = ID + "article/"
RDF = PREFIXES["rdf"]
RDF_TYPE = RDF + "type"
XSD = PREFIXES["xsd"]
# A suffix on /id/... asks for the entity's description in that format.
DESCRIPTION_SUFFIXES = {"ttl": "turtle", "jsonld": "jsonld", "nt": "ntriples"}
# A suffix on an article's path asks for the article's whole graph.
GRAPH_SUFFIXES = {"trig": Format.TRIG, "nq": Format.NQUADS}
PROVENANCE = {PMKG + p for p in ("supportedBy", "extractionMethod", "epistemicStatus", "retrievedFrom",
                                 "retrievedAt", "contentHash", "reviewState")}
REVIEW = VOCAB + "review/"
UNREVIEWED = "unreviewed"   # a fact of an article graph that carries no review state
LABELS = [PMKG + "name", PREFIXES["skos"] + "prefLabel", PREFIXES["schema"] + "headline", PREFIXES["rdfs"] + "label"]
_SAFE = "/-._~!$&'()*+,;=:@"   # kept as they are in a local path; '#', '%', '?' are escaped


class NotAnEntity(PmkgError):
    """The path names no IRI pmkg could have minted."""


# -- IRIs and local paths -------------------------------------------------------

def iri_for(path: str) -> str:
    """The minted IRI served at ``/id/<path>`` (``path`` as Flask decoded it)."""
    iri = ID + path
    node(iri)
    return iri


def node(iri: str) -> str:
    """``iri`` written as a SPARQL term (``<...>``); NotAnEntity if it is not an IRI."""
    try:
        return str(ox.NamedNode(iri))
    except ValueError:
        raise NotAnEntity(f"{iri!r} is not an IRI") from None


def local_path(iri: str) -> str | None:
    """Where this app serves ``iri``: ``/id/...`` for minted IRIs, the docs for terms; None if elsewhere."""
    if iri.startswith(ID):
        return "/id/" + quote(iri[len(ID):], safe=_SAFE)
    if iri.startswith(VOCAB):
        return "/vocab/" + quote(iri[len(VOCAB):], safe=_SAFE)
    if iri.startswith(PMKG):
        return "/ontology#" + quote(iri[len(PMKG):], safe=_SAFE)
    if iri == BASE + "ontology":
        return "/ontology"
    if iri.startswith(GRAPH) and "/" not in iri[len(GRAPH):]:
        return "/graph/" + quote(iri[len(GRAPH):], safe=_SAFE)
    return None


def href(iri: str) -> str | None:
    """A link for ``iri`` in a page: local where served here, the IRI itself for other web IRIs."""
    local = local_path(iri)
    if local is not None:
        return local
    return iri if iri.startswith(("http://", "https://")) else None


def split_suffix(path: str, suffixes) -> tuple[str, str | None]:
    """``("officer/x", "ttl")`` for ``"officer/x.ttl"``; minted IRIs never contain a dot."""
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in suffixes and "/" not in suffix:
        return stem, suffix
    return path, None


def short(iri: str) -> str:
    """A prefixed name for display where one fits (``pmkg:rank``), else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and prefix != "pmkgid":
            local = iri[len(namespace):]
            if local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
    return iri


# -- queries ----------------------------------------------------------------------

def _node(iri: str) -> str:
    return str(ox.NamedNode(iri))


FACT_PARTS = ("out", "support", "in")


def facts_query(iri: str, part: str) -> str:
    """The rows of one part of a page, each with the graph it comes from (run without the union graph).

    ``out``: the entity's triples (?p ?o); ``support``: the sentences supporting
    them, of reifying statements (?p ?o ?sent ?text) or of the entity itself
    (?sent ?text); ``in``: the triples pointing to it (?s ?p), with the
    sentences supporting their subject. ``support`` and ``in`` rows carry the
    review state (?review) of the statement or fact node where it has one.
    Separate queries, so that a part cut at the row limit does not hide the others.
    """
    e = _node(iri)
    bodies = {
        "out": f"GRAPH ?g {{ {e} ?p ?o }}",
        "support": f"""GRAPH ?g {{
    {{ ?st rdf:subject {e} ; rdf:predicate ?p ; rdf:object ?o ; pmkg:supportedBy ?sent
       OPTIONAL {{ ?st pmkg:reviewState ?review }} }}
    UNION {{ {e} pmkg:supportedBy ?sent OPTIONAL {{ {e} pmkg:reviewState ?review }} }}
    ?sent pmkg:text ?text }}""",
        "in": f"""GRAPH ?g {{ ?s ?p {e} FILTER(?p NOT IN (rdf:subject, rdf:object))
    OPTIONAL {{ ?s pmkg:supportedBy ?sent . ?sent pmkg:text ?text }}
    OPTIONAL {{ ?s pmkg:reviewState ?review }} }}""",
    }
    return f"""PREFIX rdf: <{RDF}>
PREFIX pmkg: <{PMKG}>
SELECT ("{part}" AS ?part) ?g ?p ?o ?s ?sent ?text ?review WHERE {{
  {bodies[part]}
}}"""


def labels_query(iris) -> str:
    """One row per IRI: its label (name, preferred label, headline or rdfs:label) and date published."""
    values = " ".join(_node(i) for i in sorted(iris))
    optionals = "\n".join(f"  OPTIONAL {{ ?x <{p}> ?l{n} }}" for n, p in enumerate(LABELS))
    firsts = ", ".join(f"MIN(?l{n})" for n in range(len(LABELS)))
    return f"""SELECT ?x (COALESCE({firsts}) AS ?label) (MIN(?d) AS ?date) WHERE {{
  VALUES ?x {{ {values} }}
{optionals}
  OPTIONAL {{ ?x <{PREFIXES['schema']}datePublished> ?d }}
}} GROUP BY ?x"""


def description_query(iri: str) -> str:
    """The entity's triples, the triples that point to it and the statements reifying its facts."""
    e = _node(iri)
    return f"""CONSTRUCT {{ {e} ?p ?o . ?s ?q {e} . ?st ?sp ?so . }}
WHERE {{ {{ {e} ?p ?o }} UNION {{ ?s ?q {e} }} UNION {{ ?st <{RDF}subject> {e} ; ?sp ?so }} }}"""


def graph_query(graph: str) -> str:
    """Every triple of one named graph."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_node(graph)} {{ ?s ?p ?o }} }}"


# -- the page model -------------------------------------------------------------

@dataclass
class Term:
    text: str
    href: str | None = None
    iri: str | None = None
    note: str = ""          # a literal's datatype or language, a link's full IRI

    @property
    def is_iri(self) -> bool:
        return self.iri is not None


@dataclass
class Sentence:
    text: str
    href: str | None
    number: int = 0   # its place in Page.evidence, from 1


@dataclass
class Source:
    graph: Term
    article: Term | None
    sentences: list[Sentence] = field(default_factory=list)
    review: str | None = None   # for an article's fact: unreviewed, confirmed, corrected or added


@dataclass
class Fact:
    value: Term
    sources: list[Source] = field(default_factory=list)


@dataclass
class Group:
    property: Term
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Page:
    iri: str
    label: str
    types: list[Term]
    facts: list[Group]
    provenance: list[Group]
    inverse: list[Group]
    articles: list[Term]
    truncated: bool = False
    evidence: list[Sentence] = field(default_factory=list)


def fallback_label(iri: str) -> str:
    """A label for an IRI the graph gives none: ``allegation/a1`` for an article's allegation."""
    if iri == RDF_TYPE:
        return "type"
    if iri.startswith(ARTICLE) and "/" in iri[len(ARTICLE):]:
        return iri[len(ARTICLE):].split("/", 1)[1]
    if iri.startswith(ID):
        return iri[len(ID):]
    if iri.startswith(GRAPH):
        return "graph " + iri[len(GRAPH):]
    return short(iri)


def _key(binding: dict) -> tuple:
    return binding["type"], binding["value"], binding.get("datatype"), binding.get("xml:lang")


def linked_iris(rows: list[dict]) -> set[str]:
    """The IRIs a page names (so their labels can be fetched in one query)."""
    found = set()
    for row in rows:
        for name in ("g", "p", "o", "s"):
            value = row.get(name)
            if value and value["type"] == "uri":
                found.add(value["value"])
    return found


def build_page(iri: str, rows: list[dict], labels: dict[str, dict], *, truncated: bool = False) -> Page | None:
    """The page model from the rows of ``facts_query`` and ``labels_query``; None if nothing names ``iri``."""
    if not any(row["part"]["value"] in ("out", "in") for row in rows):
        return None

    def term(binding: dict) -> Term:
        if binding["type"] == "uri":
            value = binding["value"]
            label = labels.get(value, {}).get("label", {}).get("value") or fallback_label(value)
            return Term(label, href(value), value, value if label != value else "")
        if binding["type"] == "bnode":
            return Term("(an unnamed node)")
        note = binding.get("xml:lang") or short(binding.get("datatype", XSD + "string"))
        return Term(binding["value"], note="" if note == "xsd:string" else note)

    stated: dict[tuple, list[Sentence]] = {}
    of_node: dict[str, list[Sentence]] = {}
    reviews: dict[tuple, str] = {}   # (graph, p, o) or (graph,) -> review state code
    for row in rows:
        part = row["part"]["value"]
        if part == "support" and "sent" in row:
            sentence = Sentence(row["text"]["value"], href(row["sent"]["value"]))
            if "p" in row:
                key = (row["g"]["value"], _key(row["p"]), _key(row["o"]))
                stated.setdefault(key, []).append(sentence)
            else:
                key = (row["g"]["value"],)
                of_node.setdefault(row["g"]["value"], []).append(sentence)
            if "review" in row:
                reviews[key] = review_code(row["review"]["value"])

    def source(graph: str, sentences: list[Sentence], review: str | None) -> Source:
        article = term({"type": "uri", "value": graph}) if graph.startswith(ARTICLE) else None
        unique = list({s.text: s for s in sentences}.values())
        return Source(term({"type": "uri", "value": graph}), article, unique,
                      (review or UNREVIEWED) if article is not None else None)

    groups: dict[tuple, dict[tuple, Fact]] = {}
    inverse: dict[tuple, dict[tuple, Fact]] = {}
    properties: dict[tuple, Term] = {}
    types: dict[str, Term] = {}
    articles: dict[str, Term] = {}
    for row in rows:
        part, graph = row["part"]["value"], row["g"]["value"]
        if part not in ("out", "in"):
            continue
        p = row["p"]
        properties.setdefault(_key(p), term(p))
        value = row["o"] if part == "out" else row["s"]
        if part == "out" and p["value"] == RDF_TYPE and value["type"] == "uri":
            types.setdefault(value["value"], term(value))
        target = groups if part == "out" else inverse
        fact = target.setdefault(_key(p), {}).setdefault(_key(value), Fact(term(value)))
        if part == "out":
            sentences = stated.get((graph, _key(p), _key(value))) or of_node.get(graph, [])
            review = reviews.get((graph, _key(p), _key(value))) or reviews.get((graph,))
        else:
            sentences = [Sentence(row["text"]["value"], href(row["sent"]["value"]))] if "sent" in row else []
            review = review_code(row["review"]["value"]) if "review" in row else None
        existing = next((s for s in fact.sources if s.graph.iri == graph), None)
        if existing is None:
            fact.sources.append(source(graph, sentences, review))
        else:
            known = {s.text for s in existing.sentences}
            existing.sentences.extend(s for s in sentences if s.text not in known)
        if graph.startswith(ARTICLE) and part == "out" and graph not in articles:
            article = articles[graph] = term({"type": "uri", "value": graph})
            published = labels.get(graph, {}).get("date", {}).get("value")
            if published:
                article.text = f"{article.text} ({published[:10]})"

    def ordered(table: dict[tuple, dict[tuple, Fact]], keys) -> list[Group]:
        chosen = sorted(keys, key=lambda k: (k[1] != RDF_TYPE, properties[k].text.lower()))
        return [Group(properties[k], sorted(table[k].values(), key=lambda f: f.value.text.lower()))
                for k in chosen]

    own = labels.get(iri, {}).get("label", {}).get("value") or fallback_label(iri)
    page = Page(
        iri=iri,
        label=own,
        types=sorted(types.values(), key=lambda t: t.text),
        facts=ordered(groups, [k for k in groups if k[1] not in PROVENANCE]),
        provenance=ordered(groups, [k for k in groups if k[1] in PROVENANCE]),
        inverse=ordered(inverse, list(inverse)),
        articles=sorted(articles.values(), key=lambda t: t.text),
        truncated=truncated,
    )
    page.evidence = number_sentences(page.facts + page.provenance + page.inverse)
    return page


def review_code(iri: str) -> str:
    """The code of a review state concept (``.../vocab/review/confirmed`` -> ``confirmed``)."""
    return iri[len(REVIEW):] if iri.startswith(REVIEW) and "/" not in iri[len(REVIEW):] else UNREVIEWED


def number_sentences(groups: list[Group]) -> list[Sentence]:
    """Each distinct supporting sentence once, numbered in the order the page first cites it;
    every Sentence in ``groups`` gets the number of its entry (the page shows the sentence
    once and the facts refer to it by number)."""
    numbers: dict[tuple, Sentence] = {}
    for group in groups:
        for fact in group.facts:
            for source in fact.sources:
                for sentence in source.sentences:
                    entry = numbers.setdefault((sentence.href, sentence.text),
                                               Sentence(sentence.text, sentence.href, len(numbers) + 1))
                    sentence.number = entry.number
    return list(numbers.values())


def label_table(rows: list[dict]) -> dict[str, dict]:
    """``labels_query`` rows by IRI."""
    return {row["x"]["value"]: row for row in rows if "x" in row}
