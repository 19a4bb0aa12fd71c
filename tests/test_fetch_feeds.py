"""`pmkg follow`: RSS and Atom feeds from a real server on 127.0.0.1, the filter, and the state in the store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from fetch_server import FixtureServer, article_html, page
from kg.cli import main
from kg.fetch.feeds import load_words, matcher, parse_feed

FOOTBALL = """<!doctype html><html><head><title>Town win the cup</title></head><body><article><h1>Town win the cup</h1>
<p>The home side scored twice in the second half to lift the county cup in front of a large crowd on Saturday.</p>
</article></body></html>"""


def rss(base: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(f"<item><title>{title}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
                      f"<description>{summary}</description></item>" for path, title, summary in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Fixture News</title>{entries}</channel></rss>'


def atom(items: list[tuple[str, str]]) -> str:
    entries = "".join(f'<entry><id>tag:fixture,2024:{path}</id><title>{title}</title><link href="{path}"/>'
                      f"<updated>2024-03-01T09:00:00Z</updated></entry>" for path, title in items)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Fixture Atom</title><id>tag:fixture,2024:feed</id><updated>2024-03-01T09:00:00Z</updated>{entries}</feed>")


ITEMS = [("/a", "Constable faces gross misconduct hearing", "An officer will appear before a panel."),
         ("/b", "Town win the cup", "Two late goals decide the final."),
         ("/c", "Watchdog report", "The IOPC found a case to answer for a sergeant.")]


@pytest.fixture
def server():
    with FixtureServer() as srv:
        srv.routes["/a"] = page(article_html(1))
        srv.routes["/b"] = page(FOOTBALL)
        srv.routes["/c"] = page(article_html(2))
        srv.routes["/d"] = page(article_html(3))
        srv.routes["/rss"] = page(rss(srv.base, ITEMS), content_type="application/rss+xml")
        yield srv


def follow(store_dir, *args):
    return CliRunner().invoke(main, ["follow", "--store", str(store_dir), *args], env={"PMKG_FETCH_DELAY": "0"})


def test_follow_with_filter_reads_only_matching_new_items(server, store_dir):
    result = follow(store_dir, "--filter", server.url("/rss"))
    assert result.exit_code == 0, result.output
    assert "feeds: 1 read, 0 not modified, 0 failed; 3 item(s), 3 new, 2 kept by the filter" in result.output
    assert "addresses: 2 read" in result.output
    assert "/b" not in server.paths()
    state = json.loads((store_dir / "feeds.json").read_text())
    assert set(state["feeds"][server.url("/rss")]["seen"]) == {server.url(p) for p, _, _ in ITEMS}


def test_second_run_reads_only_new_items(server, store_dir):
    follow(store_dir, "--filter", server.url("/rss"))
    pages_before = [p for p in server.paths() if p in ("/a", "/c")]
    server.routes["/rss"] = page(rss(server.base, ITEMS + [("/d", "Officer sacked after misconduct panel", "")]),
                                 content_type="application/rss+xml")
    result = follow(store_dir, "--filter", server.url("/rss"))
    assert result.exit_code == 0, result.output
    assert "4 item(s), 1 new, 1 kept by the filter" in result.output and "addresses: 1 read" in result.output
    assert [p for p in server.paths() if p in ("/a", "/c")] == pages_before


def test_without_filter_every_item_is_read(server, store_dir):
    result = follow(store_dir, server.url("/rss"))
    assert "3 new, 3 kept" in result.output and "addresses: 3 read" in result.output


def test_atom_feed_with_relative_links(server, store_dir):
    server.routes["/atom"] = page(atom([("/a", "Misconduct hearing set"), ("/c", "Constable cleared")]),
                                  content_type="application/atom+xml")
    result = follow(store_dir, "--filter", server.url("/atom"))
    assert result.exit_code == 0, result.output
    assert "addresses: 2 read" in result.output


def test_failed_item_is_tried_again_and_a_bad_feed_is_one_line(server, store_dir):
    server.routes["/rss"] = page(rss(server.base, [("/missing", "Police officer charged", "")]),
                                 content_type="application/rss+xml")
    server.routes["/junk"] = page("<html><body>no feed here</body></html>")
    result = follow(store_dir, server.url("/rss"), server.url("/junk"))
    assert result.exit_code == 1
    assert f"skipped: {server.url('/junk')}: not an RSS or Atom feed" in result.output
    assert f"skipped: {server.url('/missing')}: HTTP 404 Not Found" in result.output
    server.routes["/missing"] = page(article_html(4))
    again = follow(store_dir, server.url("/rss"))
    assert again.exit_code == 0 and "addresses: 1 read" in again.output


def test_words_file_overrides_the_default_list(server, store_dir, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("# only football\ncup\n")
    result = follow(store_dir, "--words", str(words), server.url("/rss"))
    assert "1 kept by the filter" in result.output and "/a" not in server.paths()


def test_default_words_match_whole_words_in_any_case():
    keep = matcher(load_words())
    assert keep("Met Police constable DISMISSED after gross   misconduct hearing")
    assert keep("IOPC opens inquiry")
    assert not keep("Town win the cup") and not keep("Misconducting")  # not a whole word


def test_parse_feed_refuses_what_is_not_a_feed():
    from kg.errors import PmkgError

    with pytest.raises(PmkgError, match="not an RSS or Atom feed"):
        parse_feed("http://127.0.0.1/x", b"\x00\x01binary")


def test_unchanged_feed_is_asked_for_conditionally_and_not_read_again(server, store_dir):
    body = rss(server.base, ITEMS).encode()
    asked = []

    def conditional(request):
        asked.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body
    server.routes["/rss"] = conditional
    assert follow(store_dir, "--filter", server.url("/rss")).exit_code == 0
    again = follow(store_dir, "--filter", server.url("/rss"))
    assert again.exit_code == 0, again.output
    assert "feeds: 0 read, 1 not modified, 0 failed; 0 item(s)" in again.output
    assert asked == [None, '"v1"']
