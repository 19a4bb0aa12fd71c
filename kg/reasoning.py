"""Consistency checks with an OWL 2 DL reasoner (HermiT, through owlready2).

owlready2 runs HermiT in a Java subprocess; Java 17 is enough. Its bundled
Pellet needs a newer Java, so only HermiT is used here.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import rdflib

from kg.namespaces import BASE, PREFIXES


@dataclass
class ReasoningResult:
    """What HermiT found: whether the ontology (and data) is consistent, and
    which named classes are unsatisfiable (can have no members)."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable


def check(paths: list[Path] | list[str], *, java: str | None = None) -> ReasoningResult:
    """Load the RDF files in `paths` into one owlready2 world and run HermiT.

    The files are merged with rdflib and handed to owlready2 as N-Triples,
    since owlready2 does not read Turtle.
    """
    import owlready2  # imported here: it touches its own globals at import

    if java:
        owlready2.JAVA_EXE = java
    merged = rdflib.Graph()
    for path in paths:
        merged.parse(str(path))
    with tempfile.TemporaryDirectory(prefix="pmkg-reason-") as tmp:
        nt = Path(tmp) / "merged.nt"
        merged.serialize(nt, format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(nt.as_uri()).load(format="ntriples")
        try:
            with world.get_ontology(BASE + "reasoner-output#"):
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            detail = str(exc).strip() or "HermiT found the ontology and data inconsistent"
            return ReasoningResult(consistent=False, message=detail.splitlines()[0][:300])
        unsat = sorted(c.iri for c in world.inconsistent_classes() if c.iri != PREFIXES["owl"] + "Nothing")
        return ReasoningResult(consistent=True, unsatisfiable=unsat)


def _hermit_jar() -> Path:
    import owlready2

    return Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"


def dl_profile_violations(paths: list[Path] | list[str], *, java: str = "java") -> list[str]:
    """Return the OWL 2 DL profile violations of the merged files (empty = OWL 2 DL).

    Uses the OWL API inside owlready2's HermiT.jar through a small Java class
    shipped in kg/java, compiled into a temporary folder on each call (javac
    takes about a second).
    """
    import subprocess

    source = Path(__file__).parent / "java" / "DLProfileCheck.java"
    merged = rdflib.Graph()
    for path in paths:
        merged.parse(str(path))
    with tempfile.TemporaryDirectory(prefix="pmkg-dl-") as tmp:
        owl = Path(tmp) / "merged.owl"
        merged.serialize(owl, format="xml", encoding="utf-8")
        classpath = str(_hermit_jar())
        subprocess.run([java + "c", "-cp", classpath, "-d", tmp, str(source)], check=True, capture_output=True)
        run = subprocess.run([java, "-cp", f"{classpath}:{tmp}", "DLProfileCheck", str(owl)],
                             capture_output=True, text=True)
        if run.returncode not in (0, 1):
            raise RuntimeError(f"DL profile check failed: {run.stderr.strip()[:300]}")
        return [line for line in run.stdout.splitlines() if line.strip()]
