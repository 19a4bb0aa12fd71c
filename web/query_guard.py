"""Look at a SPARQL request before it runs: refuse updates, unknown graphs and foreign SERVICEs.

Two steps. ``precheck`` runs in the web process on every query: a scan in
linear time and constant extra memory that refuses updates and says whether
the query names SERVICE or FROM at all. ``check`` runs in a query worker,
under the query's deadline (``kg.web.results.execute``), and only for
queries that name SERVICE or FROM.

pyoxigraph has no public algebra API, so ``check`` parses the query with
rdflib's SPARQL parser (``parseQuery`` then ``translateQuery``) and the
algebra is walked for ``SERVICE`` clauses and the dataset clauses
(``FROM``/``FROM NAMED``). As a cross-check that does not depend on rdflib
parsing the query the way pyoxigraph does, a small tokenizer counts the
``SERVICE`` and ``FROM`` keywords in the text (after the ``\\uXXXX`` escapes
SPARQL expands before parsing, outside strings, IRIs and comments).

This check gives clear refusals and chooses the worker pool; the boundary
that holds even where it is wrong (two SPARQL parsers can read one text two
ways) is elsewhere: plain workers reach no address at all, and federating
workers reach only the app's relay, which forwards to allowlisted endpoints
only (``kg.web.executor``, ``kg.web.sandbox``, ``kg.web.relay``). So a query
the guard cannot read with certainty is not refused: it goes to a
federating worker if it names SERVICE anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from pyparsing.exceptions import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

UPDATE_REFUSED = "this endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, ...) is refused"
FORMS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE", "AskQuery": "ASK"}


class Refused(Exception):
    """The request is refused; the message says why and is meant for the client."""


@dataclass
class QueryInfo:
    """What the guard learnt about a query. ``form`` is None if rdflib could not parse it."""

    form: str | None = None
    services: list[str] = field(default_factory=list)
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    has_dataset_clause: bool = False

    @property
    def needs_network(self) -> bool:
        return bool(self.services)


_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Comments, strings (long ones first) and IRIs: removed before keywords are counted.
# Possessive quantifiers keep no backtracking state: memory stays constant
# however long a literal is (a plain ``*`` costs ~100 bytes per character).
_SKIP = re.compile(
    r'"""(?:[^"\\]++|\\.|"(?!""))*+"""'
    r"|'''(?:[^'\\]++|\\.|'(?!''))*+'''"
    r'|"(?:[^"\\\n\r]++|\\.)*+"'
    r"|'(?:[^'\\\n\r]++|\\.)*+'"
    r"|<[^<>\"{}|^`\\\s]*+>"
    r"|#[^\n\r]*+",
    re.DOTALL,
)
# A keyword is a bare word: not part of a variable (?x, $x), a prefixed name (a:b) or a longer word.
_KEYWORD = r"(?<![\w?$:.\-]){}(?![\w:\-])"
_SERVICE = re.compile(_KEYWORD.format("SERVICE"), re.IGNORECASE)
FROM = re.compile(_KEYWORD.format("FROM"), re.IGNORECASE)


def expand_escapes(text: str) -> str:
    """Expand ``\\uXXXX`` and ``\\UXXXXXXXX`` as SPARQL does before parsing."""

    def one(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _UNICODE_ESCAPE.sub(one, text)


def bare_text(text: str) -> str:
    """The query with comments, strings and IRIs blanked out, escapes expanded."""
    return _SKIP.sub(" ", expand_escapes(text))


def keyword_count(text: str, keyword: re.Pattern) -> int:
    return len(keyword.findall(bare_text(text)))


def _walk_services(node, found: list) -> None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            found.append(node.get("term"))
        for value in node.values():
            _walk_services(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk_services(value, found)


def inspect(text: str) -> QueryInfo:
    """Parse ``text`` as a query; raise Refused for an update. Text rdflib cannot read gives ``form=None``."""
    try:
        parsed = parseQuery(text)
        algebra = translateQuery(parsed)
    except (ParseBaseException, RecursionError, ValueError):
        # ValueError: rdflib refuses some escapes pyoxigraph may accept.
        parsed = None
    except Exception:  # noqa: BLE001 - rdflib raises plain Exception for semantic errors
        parsed = None  # e.g. a variable reused in a BIND; pyoxigraph gives the verdict
    if parsed is None:
        if _is_update(text):
            raise Refused(UPDATE_REFUSED)
        return QueryInfo(has_dataset_clause=keyword_count(text, FROM) > 0)
    info = QueryInfo(form=FORMS.get(parsed[1].name))
    terms: list = []
    _walk_services(algebra.algebra, terms)
    for term in terms:
        if not isinstance(term, URIRef):
            raise Refused("SERVICE with a variable endpoint is refused; name the endpoint IRI")
        info.services.append(str(term))
    for clause in algebra.algebra.get("datasetClause") or []:
        if not isinstance(clause, CompValue):
            continue
        if "default" in clause:
            info.from_graphs.append(str(clause["default"]))
        if "named" in clause:
            info.from_named.append(str(clause["named"]))
    info.has_dataset_clause = bool(info.from_graphs or info.from_named)
    return info


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except (ParseBaseException, RecursionError):
        return False
    return True


_UPDATE_START = re.compile(
    r"^\s*(?:(?:PREFIX\s+[^\s:]*:|BASE)\s*)*(?:INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)


def is_update(text: str) -> bool:
    """True if ``text`` is a SPARQL Update rather than a query (cheap test first, then rdflib)."""
    return bool(_UPDATE_START.match(bare_text(text))) or _is_update(text)


@dataclass
class Scan:
    """What the linear scan in the web process found: does the query name SERVICE or FROM?"""

    services: int = 0
    dataset: bool = False

    @property
    def needs_check(self) -> bool:
        return bool(self.services or self.dataset)


def precheck(text: str) -> Scan:
    """Refuse an update; say whether ``check`` is needed. Linear time, run in the web process."""
    bare = bare_text(text)
    if _UPDATE_START.match(bare):
        raise Refused(UPDATE_REFUSED)
    return Scan(services=len(_SERVICE.findall(bare)), dataset=FROM.search(bare) is not None)


def check(text: str, *, allowlist: list[str], graphs: Callable[[], Collection[str]]) -> QueryInfo:
    """Inspect ``text`` and refuse what the endpoint does not run (in a worker, under a deadline).

    ``allowlist`` holds the SERVICE endpoints the operator allows; ``graphs()``
    gives the named graphs of the store (FROM and FROM NAMED may only name
    those), called only for a query that has FROM: listing 15,000 graphs
    takes 60 ms at a million quads, which a query without FROM need not pay.
    A query that names SERVICE but that rdflib cannot read with certainty
    is marked as needing the network: the relay decides where it can go.
    """
    scan = precheck(text)
    if not scan.needs_check:
        return QueryInfo()
    info = inspect(text)
    if info.form is None or scan.services != len(info.services):
        info.services = info.services or (["?"] if scan.services else [])
        return info
    for service in info.services:
        if service not in allowlist:
            allowed = ", ".join(f"<{s}>" for s in allowlist) or "none"
            raise Refused(f"SERVICE <{service}> is not allowed; this endpoint allows: {allowed}")
    named = info.from_graphs + info.from_named
    known = graphs() if named else ()
    unknown = [g for g in named if g not in known]
    if unknown:
        raise Refused(f"FROM names a graph that is not in the store: <{unknown[0]}>")
    return info
