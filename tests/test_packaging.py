"""The distribution a user installs holds every module and data file pmkg needs."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_contains_code_data_and_templates(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("pmkg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ROOT.glob("kg/**/*.py"):
        if "__pycache__" not in path.parts:
            assert path.relative_to(ROOT).as_posix() in names, path
    for path in ROOT.glob("web/**/*.py"):   # web/ is kg.web, with its subpackages (web/pages)
        if "__pycache__" not in path.parts:
            assert "kg/" + path.relative_to(ROOT).as_posix() in names, path
    expected = ["kg/ontology/pmkg.ttl", "kg/ontology/shapes.ttl", "kg/queries/officers.rq",
                "kg/data/organisations.csv", "kg/data/patterns/outcomes.jsonl", "kg/data/boilerplate.jsonl",
                "kg/web/templates/base.html", "kg/web/sparql.py", "kg/java/DLProfileCheck.java"]
    for name in expected:
        assert name in names, name
    assert not any(n.startswith("web/") for n in names), "no top-level module named web"


def test_no_file_keeps_the_markers_of_an_unresolved_merge():
    """A merge conflict committed by mistake ships a README or module with <<<<<<< in it."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    markers = ("<" * 7 + " ", ">" * 7 + " ")
    found = []
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if path.suffix.lower() in {".png", ".jpg", ".gz", ".sqlite", ".warc", ".whl", ".zip"} or not path.is_file():
            continue
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        found += [f"{name}:{n}" for n, line in enumerate(lines, 1) if line.startswith(markers)]
    assert not found, found
