"""The polite fetcher against a real HTTP server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import time

import pytest

from fetch_server import FixtureServer, article_html, page
from kg.fetch.client import Fetcher, FetchError, GoneError


class Clock:
    """A clock that only moves when the fetcher sleeps: waits are recorded, never slept."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def server():
    with FixtureServer() as srv:
        srv.routes["/robots.txt"] = page("User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        srv.routes["/a"] = page(article_html(1))
        srv.routes["/b"] = page(article_html(2))
        yield srv


def fetcher(clock: Clock | None = None, **options) -> Fetcher:
    clock = clock or Clock()
    return Fetcher(clock=clock, sleep=clock.sleep, **{"delay": 0, **options})


def test_user_agent_names_the_project_and_contact(server):
    with fetcher(contact="desk@example.org") as f:
        got = f.get(server.url("/a"))
    assert got.status == 200 and b"misconduct hearing" in got.body
    agents = {headers.get("User-Agent") for _, headers in server.hits}
    assert len(agents) == 1
    agent = agents.pop()
    assert agent.startswith("pmkg/") and "desk@example.org" in agent


def test_robots_txt_is_read_once_per_host_and_honoured(server):
    with fetcher() as f:
        f.get(server.url("/a"))
        f.get(server.url("/b"))
        with pytest.raises(FetchError, match=r"/private/x: refused by the site's robots.txt"):
            f.get(server.url("/private/x"))
    assert server.paths().count("/robots.txt") == 1
    assert "/private/x" not in server.paths()


def test_robots_txt_that_fails_with_5xx_refuses_everything():
    with FixtureServer() as srv:
        srv.routes["/robots.txt"] = page("down", status=500, content_type="text/plain")
        srv.routes["/a"] = page(article_html(1))
        with fetcher() as f, pytest.raises(FetchError, match="refused by the site's robots.txt"):
            f.get(srv.url("/a"))
        assert "/a" not in srv.paths()


def test_missing_robots_txt_allows_everything():
    with FixtureServer() as srv:
        srv.routes["/a"] = page(article_html(1))
        with fetcher() as f:
            assert f.get(srv.url("/a")).status == 200


def test_waits_between_two_requests_to_the_same_host(server):
    clock = Clock()
    with fetcher(clock, delay=5) as f:
        f.get(server.url("/a"))          # robots.txt, then /a: one wait of 5 s between them
        f.get(server.url("/b"))
    assert clock.sleeps == [5, 5]


def test_robots_txt_crawl_delay_is_kept_when_longer():
    with FixtureServer() as srv:
        srv.routes["/robots.txt"] = page("User-agent: pmkg\nCrawl-delay: 3\nDisallow:\n", content_type="text/plain")
        srv.routes["/a"] = page(article_html(1))
        srv.routes["/b"] = page(article_html(2))
        clock = Clock()
        with fetcher(clock, delay=1) as f:
            f.get(srv.url("/a"))
            f.get(srv.url("/b"))
    assert clock.sleeps == [3, 3]


def test_429_and_503_are_retried_honouring_retry_after(server):
    answers = iter([(429, {"Retry-After": "7"}, b"slow down"), (503, {}, b"busy"),
                    (200, {"Content-Type": "text/html"}, article_html(3).encode())])
    server.routes["/busy"] = lambda request: next(answers)
    clock = Clock()
    with fetcher(clock, backoff=2) as f:
        got = f.get(server.url("/busy"))
    assert got.status == 200
    assert clock.sleeps == [7, 4]        # Retry-After, then back-off 2 * 2**1


def test_gives_up_after_the_retries(server):
    server.routes["/down"] = page("busy", status=503, content_type="text/plain")
    clock = Clock()
    with fetcher(clock, retries=2, backoff=1) as f, pytest.raises(FetchError, match=r"/down: HTTP 503 .* after 3 attempts"):
        f.get(server.url("/down"))
    assert clock.sleeps == [1, 2]


def test_retry_after_over_the_limit_fails_at_once(server):
    server.routes["/later"] = page("later", status=429, content_type="text/plain", headers={"Retry-After": "86400"})
    clock = Clock()
    with fetcher(clock) as f, pytest.raises(FetchError, match="asks to wait 86400 s"):
        f.get(server.url("/later"))
    assert clock.sleeps == []


def test_redirects_are_followed_then_the_canonical_link(server):
    server.routes["/old"] = page("", status=301, headers={"Location": "/new?utm=1"})
    server.routes["/new?utm=1"] = page(article_html(4, canonical="/stories/four"))
    with fetcher() as f:
        got = f.get(server.url("/old"))
    assert got.final_url == server.url("/new?utm=1")
    assert got.canonical == server.url("/stories/four")


def test_redirect_loops_fail_with_one_line(server):
    server.routes["/loop"] = page("", status=302, headers={"Location": "/loop"})
    with fetcher() as f, pytest.raises(FetchError, match=r"/loop: too many redirects$"):
        f.get(server.url("/loop"))


def test_slow_page_times_out(server):
    def slow(request):
        time.sleep(3)
        return 200, {"Content-Type": "text/html"}, b"<p>late</p>"
    server.routes["/slow"] = slow
    with fetcher(timeout=0.5) as f, pytest.raises(FetchError, match=r"/slow: timed out after 0.5 s"):
        f.get(server.url("/slow"))


def test_twenty_megabyte_page_is_refused(server):
    big = b"<html><body>" + b"<p>word word word word</p>" * 800_000 + b"</body></html>"
    assert len(big) > 20_000_000
    server.routes["/big"] = page(big)
    with fetcher() as f, pytest.raises(FetchError, match=r"/big: page is 20,800,026 bytes, over the 10,000,000 byte"):
        f.get(server.url("/big"))


def test_page_without_length_is_cut_at_the_limit(server):
    def endless(request):
        request.send_response(200)
        request.send_header("Content-Type", "text/html")
        request.send_header("Connection", "close")
        request.end_headers()
        try:
            for _ in range(2000):
                request.wfile.write(b"x" * 10_000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        request.close_connection = True
        return None, {}, b""
    server.routes["/endless"] = endless
    with fetcher(max_bytes=1_000_000) as f, pytest.raises(FetchError, match=r"/endless: page is over the 1,000,000 byte limit"):
        f.get(server.url("/endless"))


def test_content_type_not_read_is_refused(server):
    server.routes["/photo"] = page(b"\x89PNG....", content_type="image/png")
    with fetcher() as f, pytest.raises(FetchError, match=r"/photo: content type image/png is not one read here"):
        f.get(server.url("/photo"))


def test_404_and_410_are_gone(server):
    server.routes["/removed"] = page("gone", status=410, content_type="text/plain")
    with fetcher() as f:
        with pytest.raises(GoneError, match=r"/removed: HTTP 410 Gone") as caught:
            f.get(server.url("/removed"))
        assert caught.value.page.status == 410
        with pytest.raises(GoneError, match=r"/nothing: HTTP 404"):
            f.get(server.url("/nothing"))


@pytest.mark.parametrize("address", ["ftp://127.0.0.1/a", "file:///etc/passwd", "not a url"])
def test_only_web_addresses_are_fetched(address):
    with fetcher() as f, pytest.raises(FetchError, match="not an http or https address"):
        f.get(address)


def test_unreachable_host_is_one_line():
    with fetcher(timeout=2) as f, pytest.raises(FetchError) as caught:
        f.get("http://127.0.0.1:9/a")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("http://127.0.0.1:9/a: cannot fetch: ConnectError")
