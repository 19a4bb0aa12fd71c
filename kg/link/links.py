"""The links graph: proposed, accepted and rejected links to external items.

Every link is a node in ``https://w3id.org/pmkg/graph/links``::

    <id/link/3fa2c1d09b7e4a52> a pmkg:Link ;
        pmkg:linkSubject <id/officer/norfolk-constabulary/harriet-voss> ;
        pmkg:linkTarget wd:Q999999001 ;
        pmkg:linkStatus <vocab/link-status/proposed> ;
        pmkg:linkScore 0.95 ;
        pmkg:linkReason "name 1.00; police occupation police officer; ..." ;
        pmkg:linkEndpoint <https://query.wikidata.org/sparql> ;
        dcterms:creator <id/software/pmkg-0.1.0> ;           # who proposed it
        dcterms:created "..."^^xsd:dateTime ;
        prov:wasAttributedTo <id/reviewer/jane-doe> ;        # who set the status
        prov:generatedAtTime "..."^^xsd:dateTime .           # and when
    wd:Q999999001 rdfs:label "Harriet Voss" ; schema:description "..." .

An accepted link is also asserted as ``<entity> owl:sameAs <target>`` in the
same graph, so queries and exports can follow it. The whole graph is
rewritten in one transaction on each change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import pyoxigraph as ox

from kg import __version__
from kg.errors import PmkgError
from kg.identity import slug
from kg.namespaces import GRAPH, ID, PMKG, PREFIXES, VOCAB, sparql_prefixes

LINKS_GRAPH = GRAPH + "links"
STATUSES = ("proposed", "accepted", "rejected")
STATUS_SCHEME = VOCAB + "link-status/"
SOFTWARE_AGENT = f"{ID}software/pmkg-{__version__}"
SOFTWARE_LABEL = f"pmkg {__version__}"
ID_LENGTH = 8          # characters of the link id shown to users
MIN_PREFIX = 4

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
OWL_SAME_AS = PREFIXES["owl"] + "sameAs"
XSD = PREFIXES["xsd"]


class LinkError(PmkgError):
    """No such link, an ambiguous link id, or an impossible decision."""


@dataclass(frozen=True)
class Link:
    entity: str
    target: str
    status: str
    by: str                       # agent IRI that set the status
    at: datetime
    created_by: str
    created_at: datetime
    score: float | None = None
    reason: str | None = None
    endpoint: str | None = None
    target_label: str | None = None
    target_description: str | None = None
    entity_name: str | None = None   # read from the article graphs, not written
    by_label: str | None = None
    created_by_label: str | None = None
    entity_kind: str | None = None   # officer, person, case...: read from the article graphs, not written

    @property
    def key(self) -> str:
        return link_key(self.entity, self.target)

    @property
    def id(self) -> str:
        return self.key[:ID_LENGTH]

    @property
    def iri(self) -> str:
        return f"{ID}link/{self.key}"


def link_key(entity: str, target: str) -> str:
    return hashlib.sha256(f"{entity} {target}".encode("utf-8")).hexdigest()[:16]


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def person_agent(name: str) -> str:
    """The IRI of a person who decides on links (a reviewer, not someone in the news)."""
    if not name.strip():
        raise LinkError("say who decides, with --by NAME")
    return f"{ID}reviewer/{slug(name)}"


def read_links(store) -> list[Link]:
    """Every link in the store, sorted by status, entity and score (best first)."""
    query = sparql_prefixes() + f"""
    SELECT ?link ?entity ?target ?status ?by ?at ?creator ?created ?score ?reason ?endpoint
           ?tlabel ?tdesc ?byLabel ?creatorLabel ?name WHERE {{
      GRAPH <{LINKS_GRAPH}> {{
        ?link a pmkg:Link ; pmkg:linkSubject ?entity ; pmkg:linkTarget ?target ; pmkg:linkStatus ?status ;
              prov:wasAttributedTo ?by ; prov:generatedAtTime ?at ;
              dcterms:creator ?creator ; dcterms:created ?created .
        OPTIONAL {{ ?link pmkg:linkScore ?score }}
        OPTIONAL {{ ?link pmkg:linkReason ?reason }}
        OPTIONAL {{ ?link pmkg:linkEndpoint ?endpoint }}
        OPTIONAL {{ ?target rdfs:label ?tlabel }}
        OPTIONAL {{ ?target schema:description ?tdesc }}
        OPTIONAL {{ ?by rdfs:label ?byLabel }}
        OPTIONAL {{ ?creator rdfs:label ?creatorLabel }}
      }}
      OPTIONAL {{ GRAPH ?g {{ ?entity pmkg:name ?name }} FILTER(?g != <{LINKS_GRAPH}>) }}
    }} ORDER BY ?link ?name"""
    links: dict[str, Link] = {}
    for row in store.query(query):
        iri = row["link"].value
        if iri in links:
            continue
        value = lambda var: None if row[var] is None else row[var].value  # noqa: E731
        status = value("status").removeprefix(STATUS_SCHEME)
        links[iri] = Link(
            entity=value("entity"), target=value("target"), status=status,
            by=value("by"), at=_datetime(value("at")),
            created_by=value("creator"), created_at=_datetime(value("created")),
            score=None if row["score"] is None else float(value("score")),
            reason=value("reason"), endpoint=value("endpoint"),
            target_label=value("tlabel"), target_description=value("tdesc"),
            entity_name=value("name"), by_label=value("byLabel"), created_by_label=value("creatorLabel"),
        )
    kinds, subjects = _entity_kinds(store)
    for iri, item in links.items():
        kind = kinds.get(item.entity)
        name = item.entity_name
        if kind == "case" and not name and subjects.get(item.entity):
            name = "investigation of " + ", ".join(sorted(subjects[item.entity]))
        links[iri] = replace(item, entity_kind=kind, entity_name=name)
    order = {s: i for i, s in enumerate(STATUSES)}
    return sorted(links.values(), key=lambda x: (order.get(x.status, 9), x.entity_name or x.entity,
                                                -(x.score or 0), x.target))


KINDS = {PMKG + "PoliceOfficer": "officer", PMKG + "Person": "person", PMKG + "Investigation": "case"}


def _entity_kinds(store) -> tuple[dict[str, str], dict[str, set[str]]]:
    """What the linked entities are (officer, person, case), and the names of the subjects of cases."""
    query = sparql_prefixes() + f"""
    SELECT DISTINCT ?entity ?class ?subjectName WHERE {{
      GRAPH <{LINKS_GRAPH}> {{ ?link pmkg:linkSubject ?entity }}
      GRAPH ?g {{ ?entity a ?class .
                 OPTIONAL {{ ?entity pmkg:hasSubject ?subject . ?subject pmkg:name ?subjectName }} }}
      FILTER(?g != <{LINKS_GRAPH}>)
    }}"""
    kinds: dict[str, str] = {}
    subjects: dict[str, set[str]] = {}
    rank = list(KINDS.values())
    for row in store.query(query):
        entity, kind = row["entity"].value, KINDS.get(row["class"].value)
        if kind and (entity not in kinds or rank.index(kind) < rank.index(kinds[entity])):
            kinds[entity] = kind
        if row["subjectName"] is not None:
            subjects.setdefault(entity, set()).add(row["subjectName"].value)
    return kinds, subjects


def write_links(store, links: Iterable[Link], *, labels: dict[str, str] | None = None) -> None:
    """Replace the links graph with ``links`` (one transaction). ``labels`` names person agents."""
    store.replace_graph(LINKS_GRAPH, list(link_triples(links, labels=labels or {})))


def link_triples(links: Iterable[Link], *, labels: dict[str, str]) -> Iterable[ox.Triple]:
    agents: dict[str, str] = {SOFTWARE_AGENT: SOFTWARE_LABEL}
    targets: dict[str, tuple[str | None, str | None]] = {}
    for link in links:
        if link.status not in STATUSES:
            raise LinkError(f"unknown link status {link.status!r}")
        node = ox.NamedNode(link.iri)
        yield _t(node, RDF_TYPE, ox.NamedNode(PMKG + "Link"))
        yield _t(node, PMKG + "linkSubject", ox.NamedNode(link.entity))
        yield _t(node, PMKG + "linkTarget", ox.NamedNode(link.target))
        yield _t(node, PMKG + "linkStatus", ox.NamedNode(STATUS_SCHEME + link.status))
        if link.score is not None:
            yield _t(node, PMKG + "linkScore", ox.Literal(f"{link.score:.3f}", datatype=ox.NamedNode(XSD + "decimal")))
        if link.reason:
            yield _t(node, PMKG + "linkReason", ox.Literal(link.reason))
        if link.endpoint:
            yield _t(node, PMKG + "linkEndpoint", ox.NamedNode(link.endpoint))
        yield _t(node, PREFIXES["dcterms"] + "creator", ox.NamedNode(link.created_by))
        yield _t(node, PREFIXES["dcterms"] + "created", _dt(link.created_at))
        yield _t(node, PREFIXES["prov"] + "wasAttributedTo", ox.NamedNode(link.by))
        yield _t(node, PREFIXES["prov"] + "generatedAtTime", _dt(link.at))
        if link.status == "accepted":
            yield _t(ox.NamedNode(link.entity), OWL_SAME_AS, ox.NamedNode(link.target))
        for agent, label in ((link.by, link.by_label), (link.created_by, link.created_by_label)):
            agents.setdefault(agent, labels.get(agent) or label)
        old_label, old_desc = targets.get(link.target, (None, None))
        targets[link.target] = (old_label or link.target_label, old_desc or link.target_description)
    for agent, label in agents.items():
        kind = "SoftwareAgent" if agent.startswith(f"{ID}software/") else "Person"
        yield _t(ox.NamedNode(agent), RDF_TYPE, ox.NamedNode(PREFIXES["prov"] + kind))
        if label:
            yield _t(ox.NamedNode(agent), RDFS_LABEL, ox.Literal(label))
    for target, (label, description) in targets.items():
        if label:
            yield _t(ox.NamedNode(target), RDFS_LABEL, ox.Literal(label))
        if description:
            yield _t(ox.NamedNode(target), PREFIXES["schema"] + "description", ox.Literal(description))


def find(links: list[Link], link_id: str) -> Link:
    """The one link whose id starts with ``link_id``."""
    wanted = link_id.strip().lower()
    if len(wanted) < MIN_PREFIX:
        raise LinkError(f"give at least {MIN_PREFIX} characters of a link id (see `pmkg link --review`)")
    matches = [link for link in links if link.key.startswith(wanted)]
    if not matches:
        raise LinkError(f"no link {link_id!r}; `pmkg link --review` lists them")
    if len(matches) > 1:
        raise LinkError(f"link id {link_id!r} is ambiguous ({', '.join(m.id for m in matches)}); give more of it")
    return matches[0]


def decide(store, link_id: str, status: str, *, by: str, at: datetime | None = None) -> Link:
    """Set the status of one link (accepted or rejected) on behalf of the person ``by``; returns it."""
    if status not in STATUSES:
        raise LinkError(f"unknown link status {status!r}; use one of {', '.join(STATUSES)}")
    links = read_links(store)
    link = find(links, link_id)
    agent = person_agent(by)
    changed = replace(link, status=status, by=agent, by_label=by.strip(), at=at or now())
    write_links(store, [changed if x.key == link.key else x for x in links], labels={agent: by.strip()})
    return changed


def add_links(store, new: Iterable[Link]) -> list[Link]:
    """Add links that are not there yet; existing links (and their decisions) are kept. Returns those added."""
    links = read_links(store)
    known = {x.key for x in links}
    added = []
    for link in new:
        if link.key not in known:
            known.add(link.key)
            added.append(link)
    if added:
        write_links(store, links + added)
    return added


def _t(subject: ox.NamedNode, predicate: str, obj) -> ox.Triple:
    return ox.Triple(subject, ox.NamedNode(predicate), obj)


def _dt(value: datetime) -> ox.Literal:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))


def _datetime(text: str) -> datetime:
    return datetime.fromisoformat(text)
