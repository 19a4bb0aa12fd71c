"""What a reviewer may write into a fact, checked: one clear line for anything else.

A value is given as people write it and kept as the code the graph uses:
a rank as ``constable`` or "Police Constable", a force or body by its key,
name or an alias ("the Met", "IOPC"), a category or outcome type by its code
or label, a date as YYYY, YYYY-MM or YYYY-MM-DD.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import pyoxigraph as ox

from kg.errors import PmkgError
from kg.namespaces import PREFIXES, VOCAB

MAX_TEXT = 200

# (kind, field) -> how to check the value
FIELDS = {
    ("officer", "name"): "name", ("officer", "rank"): "rank", ("officer", "force"): "force",
    ("officer", "status"): "status", ("officer", "age"): "age",
    ("group", "size"): "size", ("group", "force"): "force", ("group", "status"): "status",
    ("investigation", "body"): "body", ("investigation", "kind"): "investigation-kind",
    ("allegation", "category"): "allegation",
    ("outcome", "type"): "outcome", ("outcome", "date"): "date",
    ("quote", "speaker"): "name", ("quote", "role"): "text",
}
# what `add` may create: kind -> its main field
ADDABLE = {"officer": "name", "allegation": "category", "outcome": "type", "investigation": "body",
           "quote": "speaker"}


@lru_cache(maxsize=1)
def _concepts() -> dict[str, dict[str, str]]:
    """scheme -> {lower-case code or label: code}, from the shipped vocabularies."""
    from kg.resources import ontology_files

    label = ox.NamedNode(PREFIXES["skos"] + "prefLabel")
    alt = ox.NamedNode(PREFIXES["skos"] + "altLabel")
    schemes: dict[str, dict[str, str]] = {}
    for path in ontology_files():
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            iri = quad.subject
            if not isinstance(iri, ox.NamedNode) or not iri.value.startswith(VOCAB):
                continue
            scheme, _, code = iri.value[len(VOCAB):].partition("/")
            if not code or "/" in code:
                continue
            names = schemes.setdefault(scheme, {})
            names[code.lower()] = code
            if quad.predicate in (label, alt):
                names[quad.object.value.lower()] = code
    return schemes


def codes(scheme: str) -> list[str]:
    return sorted(set(_concepts().get(scheme, {}).values()))


def _concept(scheme: str, value: str, what: str) -> str:
    names = _concepts().get(scheme, {})
    code = names.get(value.strip().lower()) or names.get(value.strip().lower().replace(" ", "-"))
    if code is None:
        raise PmkgError(f"{value!r} is not a known {what}; use one of: {', '.join(codes(scheme))}")
    return code


def _organisation(value: str, *, force: bool) -> str:
    from kg.reference import by_key

    wanted = value.strip().lower().removeprefix("the ")
    for org in by_key().values():
        if force and not org.is_force:
            continue
        if wanted in (org.key, org.name.lower()) or wanted in (a.lower().removeprefix("the ") for a in org.aliases):
            return org.key
    what = "police force" if force else "force or investigating body"
    raise PmkgError(f"{value!r} is not a known {what} (give its name, key or a usual short form)")


def _text(value: str, what: str) -> str:
    text = " ".join(value.split())
    if not text or len(text) > MAX_TEXT or not any(c.isalpha() for c in text):
        raise PmkgError(f"{what} must be 1 to {MAX_TEXT} characters with letters, not {value!r}")
    return text


def _number(value: str, what: str, low: int, high: int) -> str:
    if not re.fullmatch(r"\d{1,6}", value.strip()) or not low <= int(value) <= high:
        raise PmkgError(f"{what} must be a whole number from {low} to {high}, not {value!r}")
    return str(int(value))


def _date(value: str) -> str:
    value = value.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            return value
        if re.fullmatch(r"\d{4}-\d{2}", value):
            date.fromisoformat(value + "-01")
            return value
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise PmkgError(f"a date is YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")


def check(kind: str, field: str, value: str | None) -> str:
    """The value as the graph keeps it, or a PmkgError saying what is wrong."""
    rule = FIELDS.get((kind, field))
    if rule is None:
        fields = sorted(f for k, f in FIELDS if k == kind)
        raise PmkgError(f"a {kind} fact has no field {field!r}; it has: {', '.join(fields)}")
    if value is None or not str(value).strip():
        raise PmkgError(f"give the new {field} (--value)")
    value = str(value)
    if rule in ("name", "text"):
        return _text(value, field)
    if rule in ("rank", "status", "investigation-kind", "outcome"):
        return _concept(rule, value, field)
    if rule == "allegation":
        found = [_concept("allegation", v, "allegation category") for v in value.split(",") if v.strip()]
        return ",".join(sorted(set(found)))
    if rule in ("force", "body"):
        return _organisation(value, force=rule == "force")
    if rule == "age":
        return _number(value, "an age", 16, 100)
    if rule == "size":
        return _number(value, "a group size", 1, 100000)
    return _date(value)
