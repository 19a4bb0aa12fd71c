"""Turn one article and its facts into the triples of the article's graph.

The graph's IRI is the article's IRI. Every fact node points to the sentences
that support it (pmkg:supportedBy), says how it was found
(pmkg:extractionMethod) and carries an epistemic status; statements about
shared entities (an officer's name, rank, age, force, status) are reified as
rdf:Statement nodes carrying the same provenance.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import quote, unquote, urlsplit

import pyoxigraph as ox

from kg import __version__, identity
from kg.article import Article
from kg.extract.facts import ArticleFacts, Evidence, Group, Officer
from kg.namespaces import ID, PMKG, PREFIXES, VOCAB
from kg.reference import CLASS_OF_KIND, by_key

RDF = PREFIXES["rdf"]
XSD = PREFIXES["xsd"]
SCHEMA = PREFIXES["schema"]
PROV = PREFIXES["prov"]
ORG = PREFIXES["org"]
TIME = PREFIXES["time"]
FOAF = PREFIXES["foaf"]
TYPE = ox.NamedNode(RDF + "type")
SOFTWARE = ox.NamedNode(f"{ID}software/pmkg-{__version__}")


def _p(local: str) -> ox.NamedNode:
    return ox.NamedNode(PMKG + local)


def _concept(scheme: str, code: str) -> ox.NamedNode:
    return ox.NamedNode(f"{VOCAB}{scheme}/{code}")


def _date_literal(value: date | datetime | str) -> ox.Literal:
    if isinstance(value, datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))
    if isinstance(value, date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    kind = {10: "date", 7: "gYearMonth", 4: "gYear"}.get(len(value), "date")
    return ox.Literal(value, datatype=ox.NamedNode(XSD + kind))


def public_source(location: str) -> str:
    """Where an article was read from, as published: a web address as it is, a local file by its name only.

    ``file:///home/me/cases/02_story.txt`` becomes ``file:///02_story.txt``:
    the graph, the endpoint and the dumps never show the folders of the
    machine that ran the ingest.
    """
    if not location.startswith("file:"):
        return location
    name = unquote(urlsplit(location).path).rstrip("/").rsplit("/", 1)[-1]
    return "file:///" + quote(name, safe="")


def _int(value: int) -> ox.Literal:
    # xsd:integer: Oxigraph would store a derived integer type as xsd:integer anyway
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


class GraphWriter:
    """Collects the triples of one article's graph."""

    def __init__(self, article: Article, *, extracted_at: datetime | None = None):
        self.article = article
        self.iri = identity.article_iri(location=article.location, headline=article.headline,
                                        published=article.published, content_hash=article.content_hash)
        self.node = ox.NamedNode(self.iri)
        self.extracted_at = extracted_at or datetime.now(timezone.utc)
        self.triples: list[ox.Triple] = []
        self._sentences: dict[tuple[int, int], ox.NamedNode] = {}
        self._orgs: set[str] = set()
        self._subjects: dict[str, ox.NamedNode] = {}

    def add(self, s, p, o) -> None:
        self.triples.append(ox.Triple(s, p, o))

    # -- sources and provenance ------------------------------------------------

    def write_article(self) -> None:
        a, art = self.node, self.article
        self.add(a, TYPE, _p("NewsArticle"))
        if art.headline:
            self.add(a, ox.NamedNode(SCHEMA + "headline"), ox.Literal(art.headline))
        if art.published:
            self.add(a, ox.NamedNode(SCHEMA + "datePublished"), _date_literal(art.published))
        if art.updated:
            self.add(a, ox.NamedNode(SCHEMA + "dateModified"), _date_literal(art.updated))
        if art.publisher:
            publisher = ox.NamedNode(f"{ID}org/{identity.slug(art.publisher)}")
            self.add(a, ox.NamedNode(SCHEMA + "publisher"), publisher)
            self.add(publisher, TYPE, _p("NewsPublisher"))
            self.add(publisher, _p("name"), ox.Literal(art.publisher))
        for author in art.authors:
            # an author is a foaf:Person, not a pmkg:Person: not someone the reporting is about
            person = ox.NamedNode(identity.person_iri(author))
            self.add(person, TYPE, ox.NamedNode(FOAF + "Person"))
            self.add(person, _p("name"), ox.Literal(author))
            self.add(a, ox.NamedNode(SCHEMA + "author"), person)
        self.add(a, _p("retrievedFrom"), ox.NamedNode(public_source(art.location)))
        self.add(a, _p("retrievedAt"), _date_literal(self.extracted_at))
        self.add(a, _p("contentHash"), ox.Literal(art.content_hash))
        run = ox.NamedNode(self.iri + "/extraction")
        self.add(run, TYPE, _p("Extraction"))
        self.add(run, ox.NamedNode(PROV + "used"), a)
        self.add(run, ox.NamedNode(PROV + "wasAssociatedWith"), SOFTWARE)
        self.add(run, ox.NamedNode(PROV + "endedAtTime"), _date_literal(self.extracted_at))
        self.add(SOFTWARE, TYPE, ox.NamedNode(PROV + "SoftwareAgent"))

    def sentence(self, evidence: Evidence) -> ox.NamedNode:
        span = (evidence.start, evidence.end)
        if span not in self._sentences:
            node = ox.NamedNode(f"{self.iri}/sentence/{evidence.start}-{evidence.end}")
            self._sentences[span] = node
            self.add(node, TYPE, _p("Sentence"))
            self.add(node, _p("inArticle"), self.node)
            self.add(node, _p("text"), ox.Literal(evidence.text))
            self.add(node, _p("startOffset"), _int(evidence.start))
            self.add(node, _p("endOffset"), _int(evidence.end))
        return self._sentences[span]

    def provenance(self, node, evidence: list[Evidence], status: str = "reported") -> None:
        for item in evidence:
            self.add(node, _p("supportedBy"), self.sentence(item))
        for method in sorted({item.method for item in evidence}):
            self.add(node, _p("extractionMethod"), ox.Literal(method))
        self.add(node, _p("epistemicStatus"), _concept("epistemic", status))

    def statement(self, subject, predicate, obj, evidence: list[Evidence]) -> None:
        """Assert a triple about a shared entity and reify it with its provenance."""
        self.add(subject, predicate, obj)
        if not evidence:
            return
        node = ox.BlankNode()
        self.add(node, TYPE, ox.NamedNode(RDF + "Statement"))
        self.add(node, ox.NamedNode(RDF + "subject"), subject)
        self.add(node, ox.NamedNode(RDF + "predicate"), predicate)
        self.add(node, ox.NamedNode(RDF + "object"), obj)
        self.provenance(node, evidence)

    # -- entities ----------------------------------------------------------------

    def org(self, key: str) -> ox.NamedNode:
        node = ox.NamedNode(identity.org_iri(key))
        if key not in self._orgs:
            self._orgs.add(key)
            reference = by_key().get(key)
            if reference is not None:
                self.add(node, TYPE, _p(CLASS_OF_KIND[reference.kind]))
                self.add(node, _p("name"), ox.Literal(reference.name))
        return node

    def person(self, name: str) -> ox.NamedNode:
        node = ox.NamedNode(identity.person_iri(name))
        self.add(node, TYPE, _p("Person"))
        self.add(node, _p("name"), ox.Literal(name))
        return node

    def officer(self, officer: Officer) -> None:
        iri = (identity.officer_iri(officer.name, officer.force, self.iri, officer.key)
               if officer.name else f"{self.iri}/officer/{officer.key}")
        node = self._subjects[officer.key] = ox.NamedNode(iri)
        self.add(node, TYPE, _p("PoliceOfficer"))
        ev = officer.evidence
        if officer.name:
            self.statement(node, _p("name"), ox.Literal(officer.name), ev)
        if officer.description:
            self.add(node, _p("description"), ox.Literal(officer.description))
        if officer.rank:
            self.statement(node, _p("rank"), _concept("rank", officer.rank), ev)
        if officer.force:
            self.statement(node, _p("force"), self.org(officer.force), ev)
        if officer.status:
            self.statement(node, _p("serviceStatus"), _concept("status", officer.status), ev)
        if officer.age is not None:
            self.statement(node, _p("age"), _int(officer.age), ev)

    def group(self, group: Group) -> None:
        node = self._subjects[group.key] = ox.NamedNode(f"{self.iri}/group/{group.key}")
        self.add(node, TYPE, _p("OfficerGroup"))
        self.add(node, _p("groupSize"), _int(group.size))
        if group.force:
            self.add(node, _p("force"), self.org(group.force))
        if group.status:
            self.add(node, _p("serviceStatus"), _concept("status", group.status))
        if group.description:
            self.add(node, _p("description"), ox.Literal(group.description))
        self.provenance(node, group.evidence)

    def link_groups(self, facts: ArticleFacts) -> None:
        for group in facts.groups:
            node = self._subjects[group.key]
            for part in group.parts:
                self.add(node, _p("hasSubgroup"), self._subjects[part])
            for member in group.members:
                self.add(node, _p("hasMember"), self._subjects[member])

    def subjects(self, node, keys: list[str]) -> None:
        for key in keys:
            if key in self._subjects:
                self.add(node, _p("hasSubject"), self._subjects[key])

    # -- facts -------------------------------------------------------------------

    def write(self, facts: ArticleFacts) -> list[ox.Triple]:
        self.write_article()
        for officer in facts.officers:
            self.officer(officer)
        for group in facts.groups:
            self.group(group)
        self.link_groups(facts)
        investigations = {}
        for inv in facts.investigations:
            node = investigations[inv.key] = ox.NamedNode(f"{self.iri}/investigation/{inv.key}")
            self.add(node, TYPE, _p("Investigation"))
            self.add(node, _p("investigatingBody"), self.org(inv.body))
            for kind in sorted(inv.kinds):
                self.add(node, _p("investigationKind"), _concept("investigation-kind", kind))
            self.subjects(node, inv.subjects)
            if inv.subject_count is not None:
                self.add(node, _p("subjectCount"), _int(inv.subject_count))
            if inv.status:
                self.add(node, _p("investigationStatus"), _concept("investigation-status", inv.status))
            self.provenance(node, inv.evidence)
        for allegation in facts.allegations:
            node = ox.NamedNode(f"{self.iri}/allegation/{allegation.key}")
            self.add(node, TYPE, _p("Allegation"))
            for code in sorted(allegation.categories):
                self.add(node, _p("allegationCategory"), _concept("allegation", code))
            for medium in sorted(allegation.media):
                self.add(node, _p("medium"), _concept("medium", medium))
            self.subjects(node, allegation.subjects)
            if allegation.period:
                self.period(node, allegation.period)
            self.provenance(node, allegation.evidence, allegation.status)
        for outcome in facts.outcomes:
            node = ox.NamedNode(f"{self.iri}/outcome/{outcome.key}")
            self.add(node, TYPE, _p("Outcome"))
            self.add(node, _p("outcomeType"), _concept("outcome", outcome.type))
            self.add(node, _p("outcomeStage"), _concept("outcome-stage", outcome.stage))
            self.subjects(node, outcome.subjects)
            if outcome.date:
                self.add(node, _p("date"), _date_literal(outcome.date))
            if outcome.decided_by:
                self.add(node, _p("decidedBy"), self.org(outcome.decided_by))
            if outcome.investigation in investigations:
                self.add(node, _p("inInvestigation"), investigations[outcome.investigation])
            self.provenance(node, outcome.evidence)
        for quotation in facts.quotes:
            node = ox.NamedNode(f"{self.iri}/quote/{quotation.key}")
            self.add(node, TYPE, _p("Quotation"))
            self.add(node, _p("text"), ox.Literal(quotation.text))
            self.add(node, _p("speaker"), self.person(quotation.speaker))
            if quotation.role:
                self.add(node, _p("speakerRole"), ox.Literal(quotation.role))
            if quotation.speaking_for:
                self.add(node, _p("speakingFor"), self.org(quotation.speaking_for))
            self.provenance(node, quotation.evidence)
        return self.triples

    def period(self, node, period: tuple[str | None, str | None]) -> None:
        interval = ox.NamedNode(str(node.value) + "/period")
        self.add(node, _p("conductPeriod"), interval)
        self.add(interval, TYPE, ox.NamedNode(TIME + "ProperInterval"))
        for end, value in zip(("hasBeginning", "hasEnd"), period):
            if not value:
                continue
            instant = ox.NamedNode(f"{interval.value}/{end}")
            self.add(interval, ox.NamedNode(TIME + end), instant)
            self.add(instant, TYPE, ox.NamedNode(TIME + "Instant"))
            prop = {10: "inXSDDate", 7: "inXSDgYearMonth", 4: "inXSDgYear"}[len(value)]
            self.add(instant, ox.NamedNode(TIME + prop), _date_literal(value))


def article_graph(article: Article, facts: ArticleFacts, *,
                  extracted_at: datetime | None = None) -> tuple[str, list[ox.Triple]]:
    """The article's graph IRI and its triples."""
    writer = GraphWriter(article, extracted_at=extracted_at)
    return writer.iri, writer.write(facts)
