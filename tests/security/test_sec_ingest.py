"""`pmkg ingest` under hostile or unusual input (issue 8, points 6, 9 and 12).

Each test runs the real command line in a subprocess (under a
pseudo-terminal where the terminal matters) against a real store.
"""

from __future__ import annotations

import hashlib
import os
import pty
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from kg.reader import read_path
from kg.store import Store

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "samples" / "articles"
PMKG = str(Path(sys.executable).parent / "pmkg")
PMKG_NS = "https://w3id.org/pmkg/ontology#"


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PMKG_STORE", "PMKG_LOCK_WAIT")}


def pmkg(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PMKG, *args], capture_output=True, text=True, env=env(), timeout=timeout)


def under_terminal(*args: str) -> tuple[int, str]:
    """Run pmkg with standard input, output and error on a pseudo-terminal (of size 0x0, as many are)."""
    main, child = pty.openpty()
    process = subprocess.Popen([PMKG, *args], stdin=child, stdout=child, stderr=child, env=env())
    os.close(child)
    out = b""
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:   # EIO: the other side closed
            break
        if not data:
            break
        out += data
    os.close(main)
    return process.wait(timeout=600), out.decode("utf-8", "replace")


def sample(n: int) -> list[Path]:
    return sorted(ARTICLES.glob("*.txt"))[:n]


# -- point 9: --graph is an IRI, never SPARQL text ---------------------------------------

def test_graph_option_cannot_drop_the_store(store_dir, tmp_path):
    """The attack of the issue: an empty RDF file and a --graph that closes the IRI and adds DROP ALL."""
    empty = tmp_path / "empty.nt"
    empty.write_text("")
    with Store(store_dir, read_only=True) as store:
        before = len(store)
    result = pmkg("ingest", "--store", str(store_dir), "--graph", "urn:x> ; DROP ALL ; #", str(empty))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--graph': not a valid absolute IRI: 'urn:x> ; DROP ALL ; #'"
        " (Invalid IRI code point '>')")
    with Store(store_dir, read_only=True) as store:
        assert len(store) == before > 1000
    ok = pmkg("ingest", "--store", str(store_dir), "--graph", "urn:pmkg:test", str(empty))
    assert ok.returncode == 0, ok.stderr


# -- point 6: an over-long article is parsed in pieces, with its offsets right --------------

def long_article(path: Path) -> Path:
    """A real article, then over a million characters of exhibit register, then another real article."""
    first, last = sample(6)[4], sample(6)[5]
    register = "".join(f"Exhibit {n} reference {hashlib.sha256(str(n).encode()).hexdigest() * 2}\n\n"
                       for n in range(7000))
    path.write_text(first.read_text(encoding="utf-8").rstrip() + "\n\nExhibit register\n\n" + register
                    + last.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    return path


def test_an_over_long_article_is_read_with_the_others(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for path in sample(3):
        (folder / path.name).write_bytes(path.read_bytes())
    long = long_article(folder / "99_long.txt")
    text = read_path(long).text
    assert len(text) > 1_000_000
    store = tmp_path / "store"
    result = pmkg("ingest", "--store", str(store), str(folder))
    assert result.returncode == 0, result.stderr
    assert "articles: 4 read, 0 skipped, 0 failed" in result.stdout
    assert "Traceback" not in result.stderr
    with Store(store, read_only=True) as db:
        rows = list(db.query(f"""SELECT ?text ?start ?end WHERE {{ GRAPH ?g {{
              ?g <{PMKG_NS}contentHash> "{hashlib.sha256(text.encode()).hexdigest()}" .
              ?s a <{PMKG_NS}Sentence> ; <{PMKG_NS}text> ?text ; <{PMKG_NS}startOffset> ?start ;
                 <{PMKG_NS}endOffset> ?end }} }}"""))
        graphs = [g for g in db.named_graphs() if "/id/article/" in g]
    assert len(graphs) == 4
    offsets = [(int(r["start"].value), int(r["end"].value), r["text"].value) for r in rows]
    assert any(start > 1_000_000 for start, _, _ in offsets)          # facts of the article's last part
    assert all(text[start:end] == words for start, end, words in offsets)


# -- point 12: sources name files, never the folders of the machine ---------------------------

def test_sources_name_the_file_not_its_folder(tmp_path):
    folder = tmp_path / "private-folder-of-the-reporter"
    folder.mkdir()
    article = sample(1)[0]
    (folder / article.name).write_bytes(article.read_bytes())
    store = tmp_path / "store"
    assert pmkg("ingest", "--store", str(store), str(folder)).returncode == 0
    with Store(store, read_only=True) as db:
        sources = [r["source"] for r in db.query(
            f"SELECT ?source WHERE {{ GRAPH ?g {{ ?a <{PMKG_NS}retrievedFrom> ?source }} }}")]
        dump = db.dump(format="nquads")
    assert sources == [ox.NamedNode(f"file:///{article.name}")]
    assert b"private-folder-of-the-reporter" not in dump and str(tmp_path).encode() not in dump


# -- point 12: the progress bar --------------------------------------------------------------

def test_progress_bar_shows_on_a_terminal_and_stays(tmp_path):
    status, out = under_terminal("ingest", "--store", str(tmp_path / "store"), *map(str, sample(2)))
    assert status == 0, out
    final = out.split("articles: 2 read")[0].rsplit("\r", 2)[-2]     # the bar as left on screen
    assert "100%" in final and "2/2" in final, out


def test_progress_forced_into_a_pipe_and_quiet_on_a_terminal(tmp_path):
    forced = pmkg("ingest", "--progress", "--store", str(tmp_path / "a"), *map(str, sample(2)))
    assert forced.returncode == 0 and "2/2" in forced.stderr, forced.stderr
    status, out = under_terminal("ingest", "--quiet", "--store", str(tmp_path / "b"), *map(str, sample(2)))
    assert status == 0 and "articles: 2 read" in out
    assert "%|" not in out and "/2 [" not in out
    plain = pmkg("ingest", "--store", str(tmp_path / "c"), *map(str, sample(2)))   # not a terminal: no bar
    assert plain.returncode == 0 and "%|" not in plain.stderr
