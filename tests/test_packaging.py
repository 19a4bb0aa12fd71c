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
