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

# Names under pytest (however pytest is imported: "import pytest as pt" too).
SKIPPING = {"skip", "xfail", "importorskip", "mark.skip", "mark.skipif", "mark.xfail"}
# Where pytest reads the reason from when it is not given by keyword.
POSITIONAL = {"skip": 0, "xfail": 0, "mark.skip": 0, "mark.xfail": 1}
# A reason names a missing external thing: something not installed, or a binary at a path.
EXTERNAL = re.compile(r"\bnot installed\b|\bno [\w .-]+ (?:at|in|on) (?:/|PATH\b)|\bnot on PATH\b",
                      re.IGNORECASE)


def _dotted(node: ast.expr) -> str:
    """The dotted name of an attribute chain ("pytest.mark.skip"); "?" for a part that is no plain name."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else "?"


def _reason(call: ast.Call, name: str) -> ast.expr | None:
    """The reason argument of a skipping call (keyword, or the position pytest reads it from)."""
    for kw in call.keywords:
        if kw.arg in ("reason", "msg"):
            return kw.value
    index = POSITIONAL.get(name)
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
    aliases = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names if alias.name == "pytest"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("pytest", "_pytest.outcomes"):
            for alias in node.names:
                if alias.name in SKIPPING or alias.name == "mark":
                    found.append(f"line {node.lineno}: imports {alias.name} from pytest; use it as pytest.{alias.name}")
        if not isinstance(node, ast.Attribute):
            continue
        head, _, name = _dotted(node).partition(".")
        if head not in aliases or name not in SKIPPING:
            continue
        call = calls.get(id(node))
        if call is None:
            found.append(f"line {node.lineno}: {name} without a reason")
        elif name == "importorskip":
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
    'import pytest as pt\n\ndef test_x():\n    pt.xfail("the entity pages are not served yet")\n',
    'import pytest as pt\n\ndef test_x():\n    pt.skip()\n',
    'import pytest as pt\n\n@pt.mark.skip\ndef test_x():\n    pass\n',
    'import pytest as pt\n\n@pt.mark.skipif(True, reason="flaky")\ndef test_x():\n    pass\n',
    'import pytest as pt\n\n@pt.mark.xfail(reason="known bug")\ndef test_x():\n    pass\n',
    'import pytest as pt\npytestmark = [pt.mark.skipif(True, reason="slow")]\n',
    'from pytest import xfail\n',
    'import pytest as pt\nname = "x"\nmod = pt.importorskip(name)\n',
])
def test_the_meta_test_catches_a_reason_that_is_not_external(source):
    assert problems(source)


@pytest.mark.parametrize("source", [
    'import pytest as pt\n\n@pt.mark.skipif(True, reason="node_modules is not installed: run scripts/setup.sh")\n'
    'def test_x():\n    pass\n',
    'import pytest as pt\npytestmark = pt.mark.skipif(True, reason="no Chromium at /usr/bin/chromium")\n',
    'import pytest as pt\napi = pt.importorskip("playwright.sync_api")\n',
    'import pytest as pt\n\ndef test_x():\n    pt.skip(f"no {NAME} on PATH")\n',
])
def test_the_meta_test_accepts_a_missing_package_or_binary(source):
    assert problems(source) == []
