"""Issue 11, point 3: the review web app's accounts, sessions and CSRF, as attacks on a real ``pmkg serve``.

The server runs on loopback with ``PMKG_REVIEW=true``; accounts are made with
``pmkg users add --password-stdin``. Each test names the request and the answer:

* every route under ``/review`` but the sign-in page (taken from the app's
  ``url_map``, so a new route is covered without editing this file) answers a
  request without a session with 401 or a redirect to the sign-in page;
* a POST without its CSRF token (or with a forged one) is refused with 400,
  even with a valid session, and so is a sign-in without one;
* passwords are stored as scrypt hashes, never as text;
* a wrong password and an unknown name get the same answer;
* failed sign-ins are limited per account and per client (429, ``Retry-After``);
* the session cookie is HttpOnly, SameSite=Strict, scoped to ``/review``; an
  ``https`` BASE_URL makes it Secure; a removed account's session ends;
* after sign-in the app only redirects within ``/review`` (no open redirect);
* the public endpoint still answers an anonymous ``POST /sparql`` (both POST
  forms) and sets no cookie;
* the review app does not start without a SECRET_KEY (one line, no traceback),
  and with ``REVIEW`` off there is no review route at all.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from werkzeug.security import check_password_hash

from kg.store import Store
from kg.web import create_app
from test_web_server import free_port, wait_until_serving

PASSWORD = "a long test password 1"
SECRET = "k" * 48
ACCOUNT_LIMIT, CLIENT_LIMIT = 3, 6
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMKG_")}
    env.update({"PMKG_REVIEW": "true", "PMKG_SECRET_KEY": SECRET, "PMKG_SIGNIN_ATTEMPTS": str(ACCOUNT_LIMIT),
                "PMKG_SIGNIN_CLIENT_ATTEMPTS": str(CLIENT_LIMIT), "PMKG_REQUIRE_ISOLATION": "false"})
    env.update(extra)
    return env


def pmkg(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], input=stdin, capture_output=True, text=True,
                          timeout=60, env=env or _env())


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("review-auth") / "store"
    Store.create(path).close()
    for name in ("alice", "bob", "frank"):
        made = pmkg("users", "add", name, "--store", str(path), "--password-stdin", stdin=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
    return path


@pytest.fixture(scope="module")
def server(store):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(base + "/sparql", process)
    yield base
    process.terminate()
    process.wait(timeout=10)


def client(base: str, address: str = "127.0.0.1") -> httpx.Client:
    """A client with its own cookie jar, connecting from ``address`` (a loopback address: another client)."""
    return httpx.Client(base_url=base, timeout=30, follow_redirects=False,
                        transport=httpx.HTTPTransport(local_address=address))


def token(http: httpx.Client, path: str = "/review/sign-in") -> str:
    answer = http.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return TOKEN.search(answer.text).group(1)


def sign_in(http: httpx.Client, name: str = "alice", password: str = PASSWORD, **extra) -> httpx.Response:
    return http.post("/review/sign-in", data={"name": name, "password": password, "csrf_token": token(http),
                                              **extra})


def review_routes(store: Path) -> list[tuple[str, str]]:
    """(method, path) of every route under /review but the sign-in page, from the app's own url_map."""
    from kg.web.signin import PUBLIC_ENDPOINTS

    app = create_app({"STORE": str(store), "REVIEW": True, "SECRET_KEY": SECRET})
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/review") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = re.sub(r"<[^>]+>", "x", rule.rule)  # any value for a variable part
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_every_review_route_needs_a_session(server, store):
    routes = review_routes(store)
    paths = {path for _, path in routes}
    assert {"/review/", "/review/article", "/review/decide", "/review/add", "/review/withdraw",
            "/review/sign-out"} <= paths
    with client(server) as http:
        for method, path in routes:
            answer = http.request(method, path, data={"article": "https://w3id.org/pmkg/id/article/x"})
            if answer.status_code in (302, 303):
                assert answer.headers["Location"].startswith("/review/sign-in"), (method, path)
            else:
                assert answer.status_code == 401, (method, path, answer.status_code)
            assert "set-cookie" not in answer.headers or "pmkg_review=;" not in answer.headers["set-cookie"]


def test_a_forged_session_cookie_is_no_session(server, store):
    with client(server) as http:
        http.cookies.set("pmkg_review", "eyJfdXNlcl9pZCI6ImFsaWNlIn0.forged.signature", path="/review")
        assert http.get("/review/").status_code == 302
        assert http.post("/review/decide", data={}).status_code == 401


def test_a_post_without_its_csrf_token_is_refused_even_with_a_session(server, store):
    with client(server) as http:
        assert sign_in(http).status_code == 303
        for method, path in review_routes(store):
            if method != "POST":
                continue
            data = {"article": "https://w3id.org/pmkg/id/article/x", "key": "f-000000000000",
                    "action": "confirm", "reason": "r"}
            missing = http.post(path, data=data)
            assert missing.status_code == 400, (path, missing.status_code)
            assert "CSRF" in missing.text
            forged = http.post(path, data={**data, "csrf_token": "IjEyMyI.forged.token"})
            assert forged.status_code == 400, (path, forged.status_code)
        assert http.get("/review/sign-in").status_code == 302  # still signed in: sent on to the queue


def test_sign_in_needs_its_csrf_token(server):
    with client(server, "127.0.0.11") as http:
        http.get("/review/sign-in")
        answer = http.post("/review/sign-in", data={"name": "bob", "password": PASSWORD})
        assert answer.status_code == 400
        assert "pmkg_review" not in http.cookies or http.get("/review/").status_code == 302


def test_passwords_are_stored_hashed(store):
    path = store / "private" / "users.sqlite"
    assert PASSWORD.encode() not in path.read_bytes()
    rows = dict(sqlite3.connect(path).execute("SELECT name, hash FROM users").fetchall())
    assert {"alice", "bob", "frank"} <= set(rows)
    for stored in rows.values():
        assert stored.startswith("scrypt:") and check_password_hash(stored, PASSWORD)
    assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(path.parent.stat().st_mode & 0o777) == "0o700"


def test_a_password_is_never_taken_from_the_command_line(store):
    assert pmkg("users", "add", "carol", "--store", str(store), "--password", PASSWORD).returncode != 0
    short = pmkg("users", "add", "carol", "--store", str(store), "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr and "Traceback" not in short.stderr
    bad = pmkg("users", "add", "../etc", "--store", str(store), "--password-stdin", stdin=PASSWORD + "\n")
    assert bad.returncode == 1 and "not a valid account name" in bad.stderr


def _without_token(text: str) -> str:
    return TOKEN.sub('name="csrf_token" value=""', text)


def test_wrong_password_and_unknown_user_get_the_same_answer(server):
    with client(server, "127.0.0.12") as one, client(server, "127.0.0.13") as two:
        wrong = sign_in(one, "bob", "not the password of bob")
        unknown = sign_in(two, "nobody-here", "not the password of bob")
    assert wrong.status_code == unknown.status_code == 401
    assert "The name or password is wrong." in wrong.text
    assert _without_token(wrong.text).replace("bob", "N") == _without_token(unknown.text).replace("nobody-here", "N")
    assert sorted(wrong.headers.keys()) == sorted(unknown.headers.keys())


def test_failed_sign_ins_are_limited_per_account(server):
    with client(server, "127.0.0.21") as attacker:
        for _ in range(ACCOUNT_LIMIT):
            assert sign_in(attacker, "frank", "guess guess guess").status_code == 401
        refused = sign_in(attacker, "frank", PASSWORD)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # the account is held from every client, the right password included; an unknown name is held the same way
    with client(server, "127.0.0.22") as other:
        assert sign_in(other, "frank", PASSWORD).status_code == 429
        for _ in range(ACCOUNT_LIMIT):
            assert sign_in(other, "nobody-at-all", "guess guess guess").status_code == 401
        assert sign_in(other, "nobody-at-all", "guess guess guess").status_code == 429
    # other accounts are not held
    with client(server, "127.0.0.23") as third:
        assert sign_in(third, "alice").status_code == 303


def test_failed_sign_ins_are_limited_per_client(server):
    with client(server, "127.0.0.31") as attacker:
        for n in range(CLIENT_LIMIT):
            assert sign_in(attacker, f"name{n}", "guess guess guess").status_code == 401
        refused = sign_in(attacker, "alice", PASSWORD)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
    with client(server, "127.0.0.32") as other:
        assert sign_in(other, "alice").status_code == 303


def test_the_session_cookie_is_httponly_strict_and_scoped(server):
    with client(server, "127.0.0.41") as http:
        answer = sign_in(http)
        assert answer.status_code == 303 and answer.headers["Location"] == "/review/"
        cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("pmkg_review="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/review" in cookie
        assert "Secure" not in cookie  # plain http on loopback


def test_an_https_base_url_makes_the_cookie_secure(store):
    app = create_app({"STORE": str(store), "REVIEW": True, "SECRET_KEY": SECRET,
                      "BASE_URL": "https://pmkg.example.org/kg"})
    http = app.test_client()
    page = http.get("/review/sign-in", base_url="https://pmkg.example.org")
    cookie = page.headers["Set-Cookie"]
    assert "Secure" in cookie and "Path=/kg/review" in cookie


def test_after_sign_in_only_review_paths(server):
    for target in ("https://evil.example/", "//evil.example/review", "/\\evil.example", "/sparql"):
        with client(server, "127.0.0.42") as http:
            answer = sign_in(http, next=target)
            assert answer.status_code == 303 and answer.headers["Location"] == "/review/", target


def test_a_removed_account_is_signed_out(server, store):
    assert pmkg("users", "add", "dora", "--store", str(store), "--password-stdin",
                stdin=PASSWORD + "\n").returncode == 0
    with client(server, "127.0.0.43") as http:
        assert sign_in(http, "dora").status_code == 303
        assert http.get("/review/sign-in").status_code == 302  # signed in: sent on
        removed = pmkg("users", "remove", "dora", "--store", str(store))
        assert removed.returncode == 0, removed.stderr
        assert http.get("/review/sign-in").status_code == 200  # the session no longer names an account
        assert http.post("/review/decide", data={}).status_code == 401


def test_review_pages_have_a_strict_policy_and_are_not_cached(server):
    with client(server, "127.0.0.44") as http:
        page = http.get("/review/sign-in")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert page.headers["Cache-Control"] == "no-store"


def test_the_public_endpoint_stays_anonymous_with_review_on(server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with client(server, "127.0.0.51") as http:
        form = http.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
        direct = http.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query",
                                                              "Accept": "application/sparql-results+json"})
        download = http.get("/downloads/pmkg.nq")
    for answer in (form, direct, download):
        assert answer.status_code == 200, answer.text
        assert "set-cookie" not in answer.headers
        assert "Cookie" not in answer.headers.get("Vary", "")
    assert "results" in form.json() and "results" in direct.json()


def test_the_review_app_needs_a_secret_key(store):
    env = _env()
    del env["PMKG_SECRET_KEY"]
    started = pmkg("serve", "--store", str(store), "--port", str(free_port()), env=env)
    assert started.returncode == 1
    assert "SECRET_KEY is required when REVIEW is on" in started.stderr and "Traceback" not in started.stderr
    weak = pmkg("serve", "--store", str(store), "--port", str(free_port()), env={**env, "PMKG_SECRET_KEY": "short"})
    assert weak.returncode == 1 and "at least 32 characters" in weak.stderr


def test_review_is_off_by_default(store):
    app = create_app({"STORE": str(store)})
    assert not [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/review")]
    assert app.config["REVIEW"] is False
