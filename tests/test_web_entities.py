"""Entity pages, ontology documentation, downloads and VoID through Flask's test client, on a real store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF

from kg import void
from kg.ingest import ingest
from kg.store import Store
from kg.web import create_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "web_entities"
ID = "https://w3id.org/pmkg/id/"
PMKG = rdflib.Namespace("https://w3id.org/pmkg/ontology#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
OFFICER = ID + "officer/kent-police/rowan-ashby"
SCRIPT_OFFICER = ID + "officer/kent-police/eve-script"
SAMPLE_ARTICLE = ID + "article/fenland-ledger-2020-02-11"
HTML = {"Accept": "text/html"}
RDFLIB = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt"}
MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json", "nt": "application/n-triples"}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("entities") / "store"
    with Store.create(path) as store:
        store.load(ROOT / "samples" / "sample-case.trig", format="trig")
        store.load(FIXTURES / "script.trig", format="trig")
        store.load(FIXTURES / "links.trig", format="trig")
        report = ingest(store, [ROOT / "tests" / "fixtures" / "extract"])
        assert report.articles.read >= 4 and report.articles.failed == 0
    return path


@pytest.fixture(scope="module")
def app(store_path, tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs") / "ontology"
    app = create_app({"STORE": str(store_path), "TESTING": True, "QUERY_TIMEOUT": 10, "DOCS_DIR": str(docs)})
    yield app
    app.extensions["pmkg.executor"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def local(iri: str) -> str:
    return "/" + iri.removeprefix("https://w3id.org/pmkg/")


def store_triples(store_path: Path, iri: str) -> set[tuple]:
    """The entity's own triples, read from the store with rdflib terms."""
    with Store(store_path, read_only=True) as store:
        data = store.dump(format="nquads")
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format="nquads")
    return {(s, p, o) for s, p, o, _ in dataset.quads((rdflib.URIRef(iri), None, None, None))}


# -- HTML pages ---------------------------------------------------------------------

def test_officer_page_shows_facts_articles_and_supporting_sentence(client):
    response = client.get(local(OFFICER), headers=HTML)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Rowan Ashby</h1>" in page
    assert "PC Rowan Ashby, 35, was dismissed without notice" in page       # the sentence supporting a fact
    assert "Kent constable sacked over WhatsApp messages" in page            # the article it is in
    assert 'href="/id/org/kent-police"' in page                              # local links for minted IRIs
    assert 'href="https://w3id.org/pmkg/id/' not in page
    assert "Linked from" in page and "allegation/a1" in page                 # inverse links


def test_pages_of_article_parts_with_further_path_segments(client):
    sentence = client.get(local(SAMPLE_ARTICLE + "/sentence/2"), headers=HTML)
    assert sentence.status_code == 200
    assert "Police Constable Harriet Voss, 29" in sentence.get_data(as_text=True)
    outcome = client.get(local(SAMPLE_ARTICLE + "/outcome/1"), headers=HTML)
    assert outcome.status_code == 200
    assert 'href="/vocab/outcome/restricted-duties"' in outcome.get_data(as_text=True)
    article = client.get(local(SAMPLE_ARTICLE), headers=HTML)
    assert "Norfolk officers on restricted duties" in article.get_data(as_text=True)


def test_page_links_to_its_alternates(client):
    response = client.get(local(OFFICER), headers=HTML)
    page = response.get_data(as_text=True)
    for ext, media in MEDIA.items():
        assert f'<link rel="alternate" type="{media}" href="{local(OFFICER)}.{ext}"' in page
        assert f"<{local(OFFICER)}.{ext}>" in response.headers["Link"]
    article = client.get(local(SAMPLE_ARTICLE), headers=HTML).get_data(as_text=True)
    assert f'href="{local(SAMPLE_ARTICLE)}.trig"' in article


def test_literal_with_script_is_text_everywhere(client):
    for path in (local(SCRIPT_OFFICER), "/id/org/kent-police", local(ID + "article/test-script")):
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "<script" not in page, path
        assert "&lt;script&gt;" in page, path
        assert "script-src" not in response.headers["Content-Security-Policy"]
    page = client.get(local(SCRIPT_OFFICER), headers=HTML).get_data(as_text=True)
    assert "She wrote &lt;script&gt;alert(2)&lt;/script&gt; twice." in page


# -- RDF ------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", sorted(RDFLIB))
def test_each_rdf_format_by_suffix_and_accept_holds_the_entity_triples(client, store_path, ext):
    expected = store_triples(store_path, OFFICER)
    assert expected
    by_suffix = client.get(f"{local(OFFICER)}.{ext}")
    by_accept = client.get(local(OFFICER), headers={"Accept": MEDIA[ext]})
    for response in (by_suffix, by_accept):
        assert response.status_code == 200
        assert response.mimetype == MEDIA[ext]
        graph = rdflib.Graph().parse(data=response.data, format=RDFLIB[ext])
        assert expected <= set(graph)
        assert (rdflib.URIRef(OFFICER), PMKG.name, rdflib.Literal("Rowan Ashby")) in graph
    assert by_accept.headers["Content-Location"] == f"{local(OFFICER)}.{ext}"
    assert "Accept" in by_accept.headers["Vary"]


def test_description_includes_provenance_and_inverse_links(client):
    graph = rdflib.Graph().parse(data=client.get(f"{local(OFFICER)}.ttl").data, format="turtle")
    officer = rdflib.URIRef(OFFICER)
    assert any(graph.triples((None, RDF.subject, officer)))                 # reified statements
    assert any(graph.triples((None, PMKG.hasSubject, officer)))             # inverse links


def test_article_graph_download_keeps_its_graph(client, store_path):
    for ext, fmt in (("trig", "trig"), ("nq", "nquads")):
        response = client.get(f"{local(SAMPLE_ARTICLE)}.{ext}")
        assert response.status_code == 200
        dataset = rdflib.Dataset()
        dataset.parse(data=response.data, format=fmt)
        graph = dataset.graph(rdflib.URIRef(SAMPLE_ARTICLE))
        with Store(store_path, read_only=True) as store:
            assert len(graph) == sum(1 for _ in store.quads(SAMPLE_ARTICLE))
    assert client.get(local(OFFICER) + ".trig").status_code == 404       # not a graph


# -- errors -----------------------------------------------------------------------------

def test_unknown_entity_is_404_as_html_and_json(client):
    page = client.get("/id/officer/kent-police/nobody", headers=HTML)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "404" in page.get_data(as_text=True) and "Traceback" not in page.get_data(as_text=True)
    data = client.get("/id/officer/kent-police/nobody", headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.get_json()["error"]["status"] == 404
    assert client.get("/id/officer/kent-police/nobody.ttl").status_code == 404
    assert client.get("/id/not%20an%20iri", headers=HTML).status_code == 404
    assert client.get("/id/x%3E%20%3Cy", headers={"Accept": "application/json"}).status_code == 404


# -- vocabularies and the ontology --------------------------------------------------------

def test_terms_redirect_to_the_generated_documentation(client):
    concept = client.get("/vocab/rank/constable", headers=HTML)
    assert concept.status_code == 303
    assert concept.headers["Location"].endswith("/docs/ontology/vocab/rank.html#constable")
    ontology = client.get("/ontology", headers=HTML)
    assert ontology.status_code == 303 and ontology.headers["Location"].endswith("/docs/ontology/index.html")
    docs = client.get("/docs/ontology/index.html")
    assert docs.status_code == 200
    assert 'id="PoliceOfficer"' in docs.get_data(as_text=True)              # /ontology#PoliceOfficer lands
    assert client.get("/docs/ontology/vocab/rank.html").status_code == 200
    assert client.get("/docs/ontology/../../etc/passwd").status_code == 404
    turtle = client.get("/vocab/rank/constable.ttl")
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/pmkg/vocab/rank/constable"), None, None) in graph


# -- VoID -----------------------------------------------------------------------------------

def void_counts(graph: rdflib.Graph) -> tuple[rdflib.URIRef, dict]:
    dataset = rdflib.URIRef("https://w3id.org/pmkg/dataset")
    classes = {graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
               for p in graph.objects(dataset, VOID.classPartition)}
    return dataset, classes


def test_void_counts_match_the_store(client, store_path):
    response = client.get("/.well-known/void")
    assert response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    dataset, classes = void_counts(graph)
    with Store(store_path, read_only=True) as store:
        total = len(store)
        officers = int(next(iter(store.query(
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/pmkg/ontology#PoliceOfficer> }",
            union_default_graph=True)))["n"].value)
        direct = rdflib.Graph().parse(data=void.serialize(void.describe(store)), format="turtle")
    assert int(graph.value(dataset, VOID.triples)) == total
    assert classes[PMKG.PoliceOfficer] == officers > 0
    linksets = {str(s).rsplit("/", 1)[-1]: int(graph.value(s, VOID.triples))
                for s in graph.subjects(RDF.type, VOID.Linkset)}
    assert linksets["wikidata-links"] == 1
    assert linksets["wikidata-reference"] > 10 and linksets["police-uk"] > 10
    assert (dataset, VOID.sparqlEndpoint, rdflib.URIRef("http://localhost/sparql")) in graph
    assert (dataset, VOID.dataDump, rdflib.URIRef("http://localhost/downloads/pmkg.trig")) in graph
    assert graph.value(dataset, rdflib.URIRef("http://purl.org/dc/terms/license")) is not None
    # the function the CLI's export uses gives the same counts
    assert int(direct.value(dataset, VOID.triples)) == total
    assert void_counts(direct)[1] == classes


def test_void_by_accept(client):
    for media, fmt in (("application/ld+json", "json-ld"), ("application/n-triples", "nt")):
        response = client.get("/.well-known/void", headers={"Accept": media})
        assert response.mimetype == media
        graph = rdflib.Graph().parse(data=response.data, format=fmt)
        assert (None, RDF.type, VOID.Linkset) in graph


# -- downloads --------------------------------------------------------------------------------

def test_downloads_listing(client):
    listing = client.get("/downloads.json").get_json()
    names = {f["name"]: f for f in listing["files"]}
    assert {"pmkg.ttl", "pmkg.trig", "pmkg.nq", "void.ttl"} <= set(names)
    assert names["pmkg.trig"]["quads"] > 1000 and re.match(r"\d{4}-\d\d-\d\dT", names["pmkg.trig"]["modified"])
    assert any(a["graph"] == SAMPLE_ARTICLE for a in listing["articles"])
    page = client.get("/downloads/", headers=HTML)
    assert page.status_code == 200 and 'href="/downloads/pmkg.trig"' in page.get_data(as_text=True)


def test_dumps_parse_and_keep_graphs(client, store_path):
    with Store(store_path, read_only=True) as store:
        total, graphs = len(store), set(store.named_graphs())
    for ext, fmt in (("trig", "trig"), ("nq", "nquads")):
        response = client.get(f"/downloads/pmkg.{ext}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Last-Modified"]
        dataset = rdflib.Dataset()
        dataset.parse(data=response.data, format=fmt)
        assert {str(g.identifier) for g in dataset.graphs() if len(g)} == graphs
        assert sum(len(g) for g in dataset.graphs()) == total
    union = rdflib.Graph().parse(data=client.get("/downloads/pmkg.ttl").data, format="turtle")
    assert (rdflib.URIRef(OFFICER), OWL.sameAs, rdflib.URIRef("http://www.wikidata.org/entity/Q999999001")) in union


def test_dump_while_a_writer_holds_the_store_comes_from_the_snapshot(client, store_path):
    client.get("/downloads/pmkg.nq").close()              # the snapshot is loaded
    with Store(store_path, wait=0):                        # a writer holds the on-disk store
        response = client.get("/downloads/pmkg.nq")
        assert response.status_code == 200 and response.data.count(b"\n") > 100


def test_a_dump_closed_early_holds_nothing(client, store_path):
    response = client.get("/downloads/pmkg.nq", buffered=False)
    assert next(response.response)
    with Store(store_path, wait=0):                        # a writer opens it during the download
        pass
    response.close()                                       # a client that went away
    head = client.head("/downloads/pmkg.trig")             # HEAD: the body is never made
    assert head.status_code == 200
    # The download let go of the store: a writer gets it. (wait: the app's watcher may be reading the
    # store the writer above changed for a moment; a download still holding it would hold it for good.)
    Store(store_path, wait=10).close()


def test_store_graphs_dereference(client):
    response = client.get("/graph/reference")
    assert response.status_code == 200 and response.mimetype == "application/trig"
    dataset = rdflib.Dataset()
    dataset.parse(data=response.data, format="trig")
    assert len(dataset.graph(rdflib.URIRef("https://w3id.org/pmkg/graph/reference"))) > 100
    assert client.get("/graph/nothing", headers={"Accept": "application/json"}).status_code == 404
    page = client.get("/id/org/kent-police", headers=HTML).get_data(as_text=True)
    assert 'href="/graph/reference"' in page


def test_a_page_cut_at_the_row_limit_says_so(store_path):
    app = create_app({"STORE": str(store_path), "TESTING": True, "ROW_LIMIT": 5, "QUERY_WORKERS": 1})
    try:
        client = app.test_client()
        page = client.get(local(OFFICER), headers=HTML)
        assert page.status_code == 200 and "Only the first 5 rows" in page.get_data(as_text=True)
        assert client.get(local(OFFICER) + ".ttl").headers["X-PMKG-Truncated"]
        graph = client.get(local(SAMPLE_ARTICLE) + ".trig")             # a graph download is not cut
        dataset = rdflib.Dataset()
        dataset.parse(data=graph.data, format="trig")
        assert len(dataset.graph(rdflib.URIRef(SAMPLE_ARTICLE))) > 5
    finally:
        app.extensions["pmkg.executor"].close()
