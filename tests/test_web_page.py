"""The home page, its vendor route and its JSON routes, with Flask's test client."""

from __future__ import annotations

import json
import re

import pytest

from kg.namespaces import PMKG, PREFIXES
from kg.store import Store
from kg.web import create_app
from kg.web.page import PAGE_CSP, REPOSITORY, VENDOR

INSTALLED = (REPOSITORY / "node_modules" / VENDOR["yasgui"]).is_dir()


@pytest.fixture
def client(tmp_path):
    path = tmp_path / "store"
    Store.create(path).close()
    app = create_app({"STORE": str(path), "TESTING": True})
    return app.test_client()


def test_home_page_has_its_csp_and_no_third_party_urls(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert csp == PAGE_CSP
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    html = response.get_data(as_text=True)
    assert 'id="yasgui"' in html
    # Every src and href is on the page's own origin: no CDN, no third party.
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("/", "#")) and not url.startswith("//"), url   # "#content": the skip link
    assert "<style" not in html and " style=" not in html and "<script>" not in html


@pytest.mark.skipif(not INSTALLED, reason="node_modules is not installed: run scripts/setup.sh")
def test_vendor_route_serves_the_library(client):
    response = client.get("/vendor/yasgui/yasgui.min.js")
    assert response.status_code == 200
    assert "javascript" in response.content_type
    assert client.get("/vendor/chart.js/chart.umd.min.js").status_code == 200


@pytest.mark.parametrize("path", [
    "/vendor/yasgui/../package.json",
    "/vendor/yasgui/..%2Fpackage.json",
    "/vendor/yasgui/%2e%2e/%2e%2e/chart.js/package.json",
    "/vendor/yasgui//etc/passwd",
    "/vendor/yasgui/%2Fetc%2Fpasswd",
    "/vendor/chart.js/../../../pyproject.toml",
    "/vendor/nothing/yasgui.min.js",
])
def test_vendor_route_refuses_path_traversal(tmp_path, path):
    # A node_modules built here, so the test runs whether or not npm installed the real one.
    modules = tmp_path / "node_modules"
    for name, sub in VENDOR.items():
        (modules / sub).mkdir(parents=True)
        (modules / sub / "lib.js").write_text("// the library")
        (modules / sub).parent.joinpath("package.json").write_text('{"name": "%s"}' % name)
    (tmp_path / "pyproject.toml").write_text('{"name": "outside node_modules"}')
    Store.create(tmp_path / "store").close()
    client = create_app({"STORE": str(tmp_path / "store"), "NODE_MODULES": str(modules)}).test_client()
    assert client.get("/vendor/yasgui/lib.js").status_code == 200
    response = client.get(path, follow_redirects=True)  # werkzeug redirects // to /
    assert response.status_code == 404
    assert b'"name"' not in response.data and b"root:" not in response.data


def test_missing_node_modules_says_what_to_run(tmp_path):
    path = tmp_path / "store"
    Store.create(path).close()
    app = create_app({"STORE": str(path), "NODE_MODULES": str(tmp_path / "nowhere")})
    client = app.test_client()
    response = client.get("/vendor/yasgui/yasgui.min.js", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert b"scripts/setup.sh" in response.data
    page = client.get("/").get_data(as_text=True)
    assert "scripts/setup.sh" in page and "yasgui.min.js" not in page


def test_terms_json_has_the_ontologys_classes_and_properties(client):
    response = client.get("/ontology/terms.json")
    assert response.status_code == 200
    data = json.loads(response.data)
    classes = {term["iri"]: term for term in data["classes"]}
    properties = {term["iri"]: term for term in data["properties"]}
    assert classes[PMKG + "PoliceOfficer"]["label"] == "police officer"
    assert PMKG + "Allegation" in classes and PMKG + "NewsArticle" in classes
    assert PMKG + "supportedBy" in properties and PMKG + "name" in properties
    assert all(not iri.startswith("_:") for iri in classes)


def test_prefixes_json_is_the_projects_prefixes(client):
    assert json.loads(client.get("/prefixes.json").data) == PREFIXES
