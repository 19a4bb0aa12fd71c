"""Saved SPARQL queries (``queries/*.rq``): their headers, their parameters and binding values.

A saved query is a ``.rq`` file that starts with comment headers in the style
of grlc (https://github.com/CLARIAH/grlc)::

    #+ summary: Officers reported by force
    #+ description: One row per force ...
    #+ tags: officers, forces
    #+ chart: bar x=force y=officers
    #+ defaults:
    #+   - officer: https://w3id.org/pmkg/id/officer/kent-police/jane-doe
    #+ enumerate:
    #+   - status: ongoing, paused, concluded

``tags`` is a comma-separated line or a list of ``- item`` lines;
``defaults`` and ``enumerate`` are lists of ``- name: value`` lines. A default
is an example value: it fills the form, is the example in the OpenAPI document
and the value the tests run the query with; it is not used when a request
leaves the parameter out. ``enumerate`` lists the values a parameter may take
(pmkg lists them in the header; grlc would query for them). ``chart`` is
``KIND x=VAR y=VAR [series=VAR]`` with KIND one of bar, line, pie: the page
draws the rows as a chart of y against x.

Parameters are variables named in grlc's way: ``?_name`` is required,
``?__name`` optional, and a suffix gives the type: ``?_officer_iri`` is the
required parameter ``officer``, an IRI. Types: ``iri`` (an absolute http,
https or urn IRI), ``integer``, ``date`` (YYYY-MM-DD, an xsd:date), ``en`` (a
literal in English) and, without a suffix, a plain string. Values become RDF
terms bound to the variables by SPARQL substitution (``bind``); they are
never spliced into the query text.

pyoxigraph (0.5) applies substitutions to the query's outer projection, so
write saved queries with that in mind: a SELECT query must project every
parameter variable; a parameter used below a GROUP BY does not reach the
grouped pattern (aggregate in a sub-SELECT and filter outside it); and an
optional parameter is tested with ``FILTER (COALESCE(?x >= ?__min_integer,
true))``, not with ``BOUND``, which pyoxigraph decides before substitution.
The tests run every saved query with a value that must narrow its answer.

The one exception to "never touch the text" is the Wikidata endpoint: a
SERVICE IRI cannot be bound, so ``text(endpoint=...)`` replaces the IRI
``<https://query.wikidata.org/sparql>`` (and only that one) by another
endpoint chosen by the operator (the web app's ``WIKIDATA_ENDPOINT`` setting),
never by a request.

No Flask here: the command line can use this module too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from kg import resources
from kg.errors import PmkgError
from kg.namespaces import PREFIXES

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"
XSD = PREFIXES["xsd"]
TYPES = ("iri", "integer", "date", "en", "string")
CHART_KINDS = ("bar", "line", "pie", "timeline")
LIST_HEADERS = ("defaults", "enumerate")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HEADER = re.compile(r"^#\+\s*([A-Za-z_]+)\s*:\s*(.*)$")
_ITEM = re.compile(r"^#\+\s+-\s*(.*)$")
# ?_name, ?__name, $_name ... : a variable whose name starts with an underscore.
_PARAMETER = re.compile(r"[?$](__?)([A-Za-z0-9][A-Za-z0-9_]*)")
_FORM = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)
_IRI = re.compile(r"^(?:https?://[^\s<>\"{}|\\^`]+|urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s<>\"{}|\\^`]+)$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,18}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_STRINGS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                      r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')


class SavedQueryError(PmkgError):
    """A saved query file is malformed (a missing summary, a bad header)."""


class ParameterError(PmkgError):
    """A request's value for a parameter is missing or ill-typed; the message names the parameter."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"parameter {parameter!r}: {message}")
        self.parameter = parameter


class UnknownQuery(PmkgError):
    """No saved query has this name."""


@dataclass(frozen=True)
class Parameter:
    name: str              # what a request calls it: "officer"
    variable: str          # the SPARQL variable without "?": "_officer_iri"
    type: str              # one of TYPES
    required: bool
    default: str | None = None
    enum: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "required": self.required,
                "default": self.default, "enum": list(self.enum) or None}


@dataclass(frozen=True)
class Chart:
    kind: str
    x: str
    y: str
    series: str | None = None

    def as_dict(self) -> dict:
        return {"type": self.kind, "x": self.x, "y": self.y, "series": self.series}


@dataclass(frozen=True)
class SavedQuery:
    name: str
    path: Path
    source: str            # the file's text, headers included
    summary: str
    description: str
    tags: tuple[str, ...]
    form: str              # SELECT, CONSTRUCT, ASK or DESCRIBE
    parameters: tuple[Parameter, ...]
    chart: Chart | None = None
    headers: dict = field(default_factory=dict)

    @property
    def federated(self) -> bool:
        return f"<{WIKIDATA_ENDPOINT}>" in self.source

    def text(self, *, endpoint: str | None = None) -> str:
        """The query text; with ``endpoint``, SERVICE calls to Wikidata go to that endpoint instead."""
        if endpoint is None or endpoint == WIKIDATA_ENDPOINT:
            return self.source
        if not _IRI.match(endpoint) or not endpoint.startswith(("http://", "https://")):
            raise SavedQueryError(f"the Wikidata endpoint must be an http(s) address, not {endpoint!r}")
        return self.source.replace(f"<{WIKIDATA_ENDPOINT}>", f"<{endpoint}>")

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def bind(self, values: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        """The substitutions (variable name -> RDF term) for a request's ``values``.

        Empty values count as not given. Raises ParameterError for a missing
        required parameter or a value of the wrong type.
        """
        bound = {}
        for parameter in self.parameters:
            value = (values.get(parameter.name) or "").strip()
            if not value:
                if parameter.required:
                    raise ParameterError(parameter.name, f"is required ({describe_type(parameter.type)})")
                continue
            if parameter.enum and value not in parameter.enum:
                raise ParameterError(parameter.name, f"must be one of {', '.join(parameter.enum)}, not {value!r}")
            bound[parameter.variable] = to_term(parameter.name, parameter.type, value)
        return bound

    def defaults(self) -> dict[str, str]:
        """The parameters' default (example) values."""
        return {p.name: p.default for p in self.parameters if p.default is not None}

    def as_dict(self, *, endpoint: str | None = None) -> dict:
        return {"name": self.name, "summary": self.summary, "description": self.description,
                "tags": list(self.tags), "form": self.form,
                "parameters": [p.as_dict() for p in self.parameters],
                "query": self.text(endpoint=endpoint),
                "chart": self.chart.as_dict() if self.chart else None}


def describe_type(kind: str) -> str:
    return {"iri": "an absolute http, https or urn IRI", "integer": "a whole number",
            "date": "a date as YYYY-MM-DD", "en": "text (in English)", "string": "text"}[kind]


def to_term(name: str, kind: str, value: str) -> ox.NamedNode | ox.Literal:
    """``value`` as the RDF term of type ``kind``; ParameterError naming ``name`` if it is not one."""
    if len(value) > 2000:
        raise ParameterError(name, "is too long")
    if kind == "iri":
        if not _IRI.match(value):
            raise ParameterError(name, f"must be {describe_type(kind)}, not {value!r}")
        try:
            return ox.NamedNode(value)
        except ValueError:
            raise ParameterError(name, f"must be {describe_type(kind)}, not {value!r}") from None
    if kind == "integer":
        if not _INTEGER.match(value):
            raise ParameterError(name, f"must be {describe_type(kind)}, not {value!r}")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind == "date":
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            raise ParameterError(name, f"must be {describe_type(kind)}, not {value!r}") from None
        return ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if kind == "en":
        return ox.Literal(value, language="en")
    return ox.Literal(value)


def _headers(text: str) -> dict:
    """The ``#+`` header lines at the top of ``text``: key -> string, or list of items."""
    headers: dict = {}
    key = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        item = _ITEM.match(stripped)
        header = _HEADER.match(stripped)
        if item and key is not None:
            current = headers[key]
            headers[key] = (current if isinstance(current, list) else ([current] if current else [])) + [item.group(1).strip()]
        elif header:
            key = header.group(1).lower()
            headers[key] = header.group(2).strip()
    return headers


def _pairs(path: Path, key: str, items) -> dict[str, str]:
    pairs = {}
    for item in items if isinstance(items, list) else ([items] if items else []):
        name, colon, value = item.partition(":")
        if not colon or not name.strip():
            raise SavedQueryError(f"{path.name}: #+ {key}: items are '- name: value', not {item!r}")
        pairs[name.strip()] = value.strip()
    return pairs


def _chart(path: Path, value: str) -> Chart | None:
    if not value:
        return None
    kind, *options = value.split()
    settings = dict(option.partition("=")[::2] for option in options)
    if kind not in CHART_KINDS or not settings.get("x") or not settings.get("y") \
            or set(settings) - {"x", "y", "series"}:
        raise SavedQueryError(f"{path.name}: #+ chart: is 'KIND x=VAR y=VAR [series=VAR]' "
                              f"with KIND one of {', '.join(CHART_KINDS)}, not {value!r}")
    return Chart(kind, settings["x"], settings["y"], settings.get("series"))


def _parameters(path: Path, body: str, defaults: dict, enums: dict) -> tuple[Parameter, ...]:
    found: dict[str, Parameter] = {}
    for underscores, rest in _PARAMETER.findall(body):
        base, _, suffix = rest.rpartition("_")
        kind = suffix if base and suffix in TYPES else "string"
        name = base if base and suffix in TYPES else rest
        variable = underscores + rest
        if name in found and found[name].variable != variable:
            raise SavedQueryError(f"{path.name}: parameter {name!r} is used as two variables")
        enum = tuple(v.strip() for v in enums.get(name, "").split(",") if v.strip())
        found[name] = Parameter(name, variable, kind, underscores == "_", defaults.get(name), enum)
    unknown = (set(defaults) | set(enums)) - set(found)
    if unknown:
        raise SavedQueryError(f"{path.name}: #+ defaults or enumerate name no parameter: {', '.join(sorted(unknown))}")
    return tuple(found.values())


def parse(path: Path) -> SavedQuery:
    """Read one ``.rq`` file; SavedQueryError if it has no summary or a malformed header."""
    name = path.stem
    if not _NAME.match(name):
        raise SavedQueryError(f"{path.name}: a saved query's name is lower-case letters, digits and hyphens")
    source = path.read_text(encoding="utf-8")
    headers = _headers(source)
    summary = headers.get("summary")
    if not isinstance(summary, str) or not summary:
        raise SavedQueryError(f"{path.name}: no '#+ summary:' header")
    tags = headers.get("tags") or []
    if isinstance(tags, str):
        tags = tags.split(",")
    body = _STRINGS.sub(" ", source)  # comments, strings and IRIs hold no parameters or keywords
    form = _FORM.search(body)
    if form is None:
        raise SavedQueryError(f"{path.name}: not a SELECT, CONSTRUCT, ASK or DESCRIBE query")
    defaults = _pairs(path, "defaults", headers.get("defaults"))
    enums = _pairs(path, "enumerate", headers.get("enumerate"))
    return SavedQuery(
        name=name, path=path, source=source, summary=summary,
        description=str(headers.get("description") or ""),
        tags=tuple(t.strip() for t in tags if t.strip()),
        form=form.group(1).upper(),
        parameters=_parameters(path, body, defaults, enums),
        chart=_chart(path, str(headers.get("chart") or "")),
        headers=headers,
    )


def load_all(folder: Path | None = None) -> dict[str, SavedQuery]:
    """Every saved query in ``folder`` (the shipped ``queries/`` by default), by name, sorted."""
    folder = resources.queries_dir() if folder is None else folder
    return {path.stem: parse(path) for path in sorted(folder.glob("*.rq"))}


def get(name: str, folder: Path | None = None) -> SavedQuery:
    """The saved query called ``name``; UnknownQuery if there is none."""
    folder = resources.queries_dir() if folder is None else folder
    if not _NAME.match(name) or name not in {path.stem for path in folder.glob("*.rq")}:
        raise UnknownQuery(f"no saved query called {name!r}")
    return parse(folder / f"{name}.rq")


def shown_columns(names: list[str]) -> list[str]:
    """The result columns shown to a reader (web tables, ``pmkg query``'s table): a variable named
    with a leading ``_`` carries a parameter (``?_officer_iri``, ``?__since_date``) and is left out."""
    return [name for name in names if not name.startswith("_")]
