"""The seams between modules: no import circles in ``kg``, and no spaCy where nothing is extracted.

The import graph is read from the source (every ``import`` and ``from ... import``, at module
level or inside a function), so a circle is found even when one side imports lazily. ``kg``
lives in ``kg/`` and ``kg.web`` in ``web/``. Loading spaCy takes seconds, so commands that
extract nothing (``link``, ``query``, ``--help``) must not load it: checked in a real
subprocess by looking at ``sys.modules``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"kg": ROOT / "kg", "kg.web": ROOT / "web"}


def modules() -> dict[str, Path]:
    """Every module of ``kg`` by dotted name (a package by the name of its ``__init__``)."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if package == "kg" and parts[:1] == ("web",):
                continue
            found[".".join((package, *parts))] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``kg`` that module ``name`` imports, anywhere in its code."""
    is_package = path.name == "__init__.py"
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # "from kg import config" imports the module kg.config; "from kg.x import f", kg.x.
                candidate = f"{base}.{alias.name}"
                targets.add(candidate if candidate in known else base)
    return {target for target in targets if target in known and target != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    graph = {name: imports(name, path, set(found)) for name, path in found.items()}
    # kg.cli_group imports the command groups of LAZY_COMMANDS by name, when they are used: edges all the same.
    from kg.cli_group import LAZY_COMMANDS

    graph["kg.cli_group"] |= {module for module, _, _ in LAZY_COMMANDS.values()}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each as a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(_circle(graph, sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _circle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One path from the component's first module back to itself, for the message."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & members):
            if target == start:
                return paths[node] + [start]
            if target not in paths:
                paths[target] = paths[node] + [target]
                queue.append(target)
    return component


def test_the_walk_sees_the_packages():
    graph = import_graph()
    assert {"kg.cli", "kg.reader", "kg.extract", "kg.extract.nlp", "kg.web", "kg.web.sparql"} <= set(graph)
    assert "kg.cli_group" in graph["kg.cli"] and "kg.web.cli" in graph["kg.cli_group"]
    assert "kg.extract.nlp" in graph["kg.batch"]


def test_the_walk_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_kg():
    found = cycles(import_graph())
    assert not found, "import circles: " + "; ".join(" -> ".join(circle) for circle in found)


def test_linking_and_the_command_line_import_nothing_from_the_extractor():
    graph = import_graph()
    for name in graph:
        if name.startswith(("kg.link", "kg.web")) or name in ("kg.cli", "kg.cli_group"):
            extractor = {target for target in graph[name] if target.startswith("kg.extract")}
            if name == "kg.cli":  # the extract command itself, inside its function
                extractor -= {"kg.extract"}
            assert not extractor, f"{name} imports {sorted(extractor)}"


def _modules_after(code: str, *argv: str) -> set[str]:
    """The top-level modules a fresh interpreter has loaded after running ``code``."""
    wrapped = ("import sys, json\n"
               f"sys.argv = {['pmkg', *argv]!r}\n"
               "try:\n"
               f"    {code}\n"
               "except SystemExit:\n"
               "    pass\n"
               "sys.stdout.write('\\n' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n")
    result = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True, timeout=120,
                            cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("imports") / "store"
    Store.create(path).close()
    return path


def test_importing_the_command_line_does_not_load_spacy():
    loaded = _modules_after("import kg.cli")
    assert {"kg", "click", "pyoxigraph"} <= loaded and "spacy" not in loaded


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["link", "--help"],
    ["query", "--help"],
])
def test_commands_that_extract_nothing_do_not_load_spacy(argv):
    loaded = _modules_after("from kg.cli import main; main()", *argv)
    assert "kg" in loaded and "click" in loaded
    assert "spacy" not in loaded


def test_a_query_and_a_link_review_do_not_load_spacy(store, tmp_path):
    query = tmp_path / "count.rq"
    query.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    for argv in (["query", "--store", str(store), str(query)],
                 ["link", "--store", str(store), "--offline", "--review"]):
        loaded = _modules_after("from kg.cli import main; main()", *argv)
        assert "pyoxigraph" in loaded
        assert "spacy" not in loaded, argv


def test_extracting_loads_spacy():
    # The check above can see spaCy: extracting one article in the same way loads it.
    loaded = _modules_after("from kg.cli import main; main()", "extract", "samples/articles/"
                            + sorted(p.name for p in (ROOT / "samples" / "articles").glob("*.txt"))[0])
    assert "spacy" in loaded


HEAVY = {"spacy", "rdflib", "owlready2", "flask"}


def test_the_command_line_and_the_query_path_load_no_heavy_module(store, tmp_path):
    # pmkg starts in a fraction of a second (benchmarks/bench_start.py) because none of these is loaded.
    query = tmp_path / "ask.rq"
    query.write_text("ASK { ?s ?p ?o }")
    assert not _modules_after("import kg.cli") & HEAVY
    for argv in (["--help"], ["query", "--store", str(store), str(query)], ["query", "--help"]):
        loaded = _modules_after("from kg.cli import main; main()", *argv)
        assert "click" in loaded and not loaded & HEAVY, (argv, sorted(loaded & HEAVY))


def test_the_commands_imported_on_use_are_listed_with_their_own_help():
    import importlib

    from click.testing import CliRunner

    from kg.cli import LAZY_COMMANDS, main

    width = 80 - 6 - max(len(name) for name in main.list_commands(None))   # as click lays out --help
    for name, (module, attribute, short_help) in LAZY_COMMANDS.items():
        command = getattr(importlib.import_module(module), attribute)
        assert command.get_short_help_str(width) == short_help, name
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and f" {name} [OPTIONS]" in result.output, name
