"""Every test can fail: a test is skipped or expected to fail only for a missing external thing.

Reads the test modules' syntax trees (they are not imported) and finds every use of pytest's
skip, xfail and importorskip, as calls or as marks. Each must give a reason that names a
missing package or binary ("node_modules is not installed", "no Chromium at /usr/bin/chromium"),
or, for importorskip, the package it imports. A reason such as "not served yet" hides a
regression as a skip or an XFAIL and keeps the suite green, so it fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
MODULES = sorted(p for p in TESTS.rglob("*.py") if ".venv" not in p.parts)

SKIPPING = {"skip", "xfail", "importorskip"}            # pytest.<name>(...)
SKIPPING_MARKS = {"skip", "skipif", "xfail"}             # pytest.mark.<name>
# A reason names a missing external thing: something not installed, or a binary at a path.
EXTERNAL = re.compile(r"\bnot installed\b|\bno [\w .-]+ (?:at|in|on) (?:/|PATH\b)|\bnot on PATH\b",
                      re.IGNORECASE)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def _reason(call: ast.Call, name: str) -> ast.expr | None:
    """The reason argument of a skipping call (keyword, or the position pytest reads it from)."""
    keyword = "msg" if name == "pytest.xfail" else "reason"
    for kw in call.keywords:
        if kw.arg in (keyword, "reason"):
            return kw.value
    positional = {"pytest.skip": 0, "pytest.xfail": 0, "pytest.mark.skip": 0, "pytest.mark.xfail": 1}
    index = positional.get(name)
    if index is not None and len(call.args) > index:
        return call.args[index]
    return None


def _text(node: ast.expr | None) -> str:
    """The literal text of a reason (an f-string's values as "X"), or '' when not literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    return ""


def problems(source: str) -> list[str]:
    """Each skip, xfail or importorskip in ``source`` whose reason names no missing external thing."""
    tree = ast.parse(source)
    calls = {id(node.func): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "pytest":
            for alias in node.names:
                if alias.name in SKIPPING:
                    found.append(f"line {node.lineno}: imports {alias.name} from pytest; write pytest.{alias.name}")
        if not isinstance(node, ast.Attribute):
            continue
        name = _dotted(node)
        if not ((name.startswith("pytest.") and name[7:] in SKIPPING)
                or (name.startswith("pytest.mark.") and name[12:] in SKIPPING_MARKS)):
            continue
        call = calls.get(id(node))
        if call is None:
            found.append(f"line {node.lineno}: {name} without a reason")
        elif name == "pytest.importorskip":
            if not (call.args and _text(call.args[0])):
                found.append(f"line {node.lineno}: {name} of a package not named literally")
        elif not EXTERNAL.search(_text(_reason(call, name))):
            found.append(f"line {node.lineno}: {name} with reason {_text(_reason(call, name))!r}, "
                         "which names no missing package or binary")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(TESTS)))
def test_skips_and_xfails_name_a_missing_external_thing(path):
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    'import pytest\n\ndef test_x():\n    pytest.xfail("the entity pages are not served yet")\n',
    'import pytest\n\ndef test_x():\n    pytest.skip()\n',
    'import pytest\n\n@pytest.mark.skip\ndef test_x():\n    pass\n',
    'import pytest\n\n@pytest.mark.skipif(True, reason="flaky")\ndef test_x():\n    pass\n',
    'import pytest\n\n@pytest.mark.xfail(reason="known bug")\ndef test_x():\n    pass\n',
    'import pytest\npytestmark = [pytest.mark.skipif(True, reason="slow")]\n',
    'from pytest import xfail\n',
    'import pytest\nname = "x"\nmod = pytest.importorskip(name)\n',
])
def test_the_meta_test_catches_a_reason_that_is_not_external(source):
    assert problems(source)


@pytest.mark.parametrize("source", [
    'import pytest\n\n@pytest.mark.skipif(True, reason="node_modules is not installed: run scripts/setup.sh")\n'
    'def test_x():\n    pass\n',
    'import pytest\npytestmark = pytest.mark.skipif(True, reason="no Chromium at /usr/bin/chromium")\n',
    'import pytest\napi = pytest.importorskip("playwright.sync_api")\n',
    'import pytest\n\ndef test_x():\n    pytest.skip(f"no {NAME} on PATH")\n',
])
def test_the_meta_test_accepts_a_missing_package_or_binary(source):
    assert problems(source) == []
