"""The article reader: cleaned text, metadata, dates, bylines, publishers and bad inputs.

Fixture articles in tests/fixtures/articles/ are fictional and written for these tests.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kg.reader import STDIN_LOCATION, Article, ArticleError, iter_paths, read_bytes, read_html, read_path, read_text

ARTICLES = Path(__file__).parent / "fixtures" / "articles"
TEXT_FIXTURES = sorted(ARTICLES.glob("*.txt"))
BODY = ("An inspector has been dismissed after a misconduct panel found she lied to investigators "
        "about a collision in a marked police car.")


def article(text: str) -> Article:
    return read_text(text, location="urn:test")


def zone(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


def test_fixture_globs_find_files():
    assert len(TEXT_FIXTURES) >= 6
    assert len(sorted(ARTICLES.glob("*.html"))) >= 3


# --- plain text with page noise ---------------------------------------------------------------

def test_updated_timestamp_caption_and_read_more_lines():
    got = read_path(ARTICLES / "radio-style-updated.txt")
    assert got.headline == "Two Sussex officers under investigation over messages mocking domestic abuse victims"
    assert got.authors == ("Tobias Wren",)
    assert got.published == datetime(2022, 2, 3, 9, 5)
    assert got.updated == datetime(2022, 2, 3, 11, 47)
    assert got.publisher is None
    assert "sacked after gross misconduct" not in got.text          # READ MORE trap about a sacked officer
    assert "READ MORE" not in got.text and "Brighton seafront" not in got.text
    assert got.text.count("The messages were shared in a group chat") == 1
    assert "Picture: File" not in got.text
    assert "notifications" not in got.text.lower()
    assert "By Tobias Wren" not in got.text and "2022" not in got.text


def test_notification_prompt_before_headline_names_publisher():
    got = read_path(ARTICLES / "notification-first-role-line.txt")
    assert got.headline == "Met detectives face misconduct hearing over lost evidence in assault case"
    assert got.publisher == "The Harbour Gazette"
    assert got.authors == ("Corin Ashdown",)                       # name line, then a role line
    assert got.published == datetime(2019, 9, 9, 12, 1, tzinfo=zone(-4))
    assert got.published.tzname() == "EDT"
    assert "Watchdog says exhibits were left" in got.text            # the standfirst is article text
    assert "(Getty)" not in got.text
    assert got.text.count("The hearing will take place in central London") == 1
    assert "Correspondent" not in got.text and "refresh" not in got.text.lower()


def test_copyright_footer_newsletter_and_cookies():
    got = read_path(ARTICLES / "footer-publisher.txt")
    assert got.publisher == "The Tyneside Herald"
    assert got.authors == ("Fenella Quarry",)
    assert got.published == datetime(2022, 2, 8, 11, 32)             # 08/02/2022 is 8 February
    for noise in ("cookies", "newsletter", "Advertisement", "©", "Crime Reporter"):
        assert noise not in got.text
    assert "charged with misconduct in public office after an investigation" in got.text


def test_force_photo_credit_is_not_publisher_and_staff_reporter_is_no_author():
    got = read_path(ARTICLES / "force-credit-staff.txt")
    assert got.publisher is None
    assert got.authors == ()
    assert got.published == datetime(2021, 10, 15, 14, 10, tzinfo=zone(1))
    assert got.text.count("Dale Fincher was jailed for seven years") == 1
    assert "Thames Valley Police)" not in got.text
    assert "Officer suspended" not in got.text


def test_most_read_lists_comments_and_share_lines():
    got = read_path(ARTICLES / "lists-and-comments.txt")
    assert got.text.split("\n\n") == [
        "Police Scotland sergeant accused of leaking custody records",
        "A Police Scotland sergeant has appeared in court accused of passing custody records to a friend.",
        "The sergeant made no plea and was released on bail.",
    ]
    assert got.publisher == "Forth Valley Chronicle"
    assert got.published == datetime(2021, 4, 27, 14, 2)


def test_footer_name_line_and_footer_date():
    got = read_path(ARTICLES / "footer-name-line.txt")
    assert got.publisher == "Medway Evening Post"
    assert got.published == datetime(2021, 6, 16, 16, 20)
    assert got.authors == ()
    assert "Medway Evening Post" not in got.text
    assert "The panel heard the entry was made" in got.text          # standfirst kept


@pytest.mark.parametrize("path", TEXT_FIXTURES, ids=lambda path: path.name)
def test_text_layout_hash_and_location(path):
    got = read_path(path)
    assert got.text.startswith(got.headline + "\n\n")
    assert "\n\n\n" not in got.text and got.text == got.text.strip()
    assert got.content_hash == hashlib.sha256(got.text.encode("utf-8")).hexdigest()
    assert got.location == path.resolve().as_uri()
    assert got.encoding == "utf-8"


# --- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, published, updated", [
    ("1 October 2021, 18:13 | Updated: 1 October 2021, 18:16", datetime(2021, 10, 1, 18, 13),
     datetime(2021, 10, 1, 18, 16)),
    ("Monday 09 September 2019 12:01 EDT", datetime(2019, 9, 9, 12, 1, tzinfo=zone(-4)), None),
    ("08/02/2022", date(2022, 2, 8), None),
    ("21.05.2024 | 09:15", datetime(2024, 5, 21, 9, 15), None),
    ("April 27, 2021 2:02 pm", datetime(2021, 4, 27, 14, 2), None),
    ("First published on Wed 17 May 2023 16.20 BST", datetime(2023, 5, 17, 16, 20, tzinfo=zone(1)), None),
    ("Posted 4 March 2020, 5:06pm", datetime(2020, 3, 4, 17, 6), None),
    ("Published: 14:02 BST, 2 August 2023 | Updated: 16:40 BST, 2 August 2023",
     datetime(2023, 8, 2, 14, 2, tzinfo=zone(1)), datetime(2023, 8, 2, 16, 40, tzinfo=zone(1))),
    ("Thu, March 10, 2022 at 9:14 AM", datetime(2022, 3, 10, 9, 14), None),
    ("Tuesday 5 October 2021 18:13, UK", datetime(2021, 10, 5, 18, 13), None),
    ("Last modified on Fri 1 Oct 2021 18.20 BST", None, datetime(2021, 10, 1, 18, 20, tzinfo=zone(1))),
])
def test_date_lines(line, published, updated):
    got = article(f"Headline about a police officer\n\n{line}\n\n{BODY}")
    assert (got.published, got.updated) == (published, updated)
    assert line not in got.text
    if isinstance(published, datetime):
        assert published.tzinfo is None or got.published.utcoffset() == published.utcoffset()


def test_printed_date_is_never_shifted_to_another_zone():
    got = article(f"Headline about a police officer\n\nThursday 14 March 2019 23:05 EDT\n\n{BODY}")
    assert got.published.date() == date(2019, 3, 14)                 # 03:05 on 15 March in UTC
    assert got.published.utcoffset() == timedelta(hours=-4)


def test_date_in_body_text_is_not_the_publication_date():
    got = article(f"Headline about a police officer\n\nThe collision happened on 14 July 2019.\n\n{BODY}")
    assert got.published is None
    assert "14 July 2019" in got.text


def test_updated_only_is_not_published():
    got = article(f"Headline about a police officer\n\nUpdated\n12 May 2022\n\n{BODY}")
    assert got.published is None and got.updated == date(2022, 5, 12)


# --- bylines ----------------------------------------------------------------------------------

@pytest.mark.parametrize("byline, authors", [
    ("By Asher Quill", ("Asher Quill",)),
    ("By Rebecca Lund, Crime Reporter", ("Rebecca Lund",)),
    ("Daniel Okafor\nHome affairs correspondent", ("Daniel Okafor",)),
    ("By Staff Reporter", ()),
    ("Crime Correspondent", ()),
    ("By Jane Roe and Tom Lee", ("Jane Roe", "Tom Lee")),
    ("Vera Lindqvist Police and crime correspondent", ("Vera Lindqvist",)),
    ("By\nPriya Sandhu", ("Priya Sandhu",)),
    ("By NIAMH MCCANN FOR THE WESTGATE STANDARD", ("Niamh McCann",)),
])
def test_bylines(byline, authors):
    got = article(f"Headline about a police officer\n\n12 May 2022\n\n{byline}\n\n{BODY}")
    assert got.authors == authors
    assert got.text.split("\n\n") == ["Headline about a police officer", BODY]


def test_sentence_starting_with_by_is_text():
    line = "By the time officers arrived, the man had left the scene."
    got = article(f"Headline about a police officer\n\n{line}\n\n{BODY}")
    assert got.authors == () and line in got.text


def test_name_above_date_line_is_the_byline():
    got = article(f"Headline about a police officer\n\nMarta Grieve\n14 March 2019\n\n{BODY}")
    assert got.authors == ("Marta Grieve",) and "Marta Grieve" not in got.text


# --- publisher --------------------------------------------------------------------------------

@pytest.mark.parametrize("noise, publisher", [
    ("© Solway Observer 2023", "Solway Observer"),
    ("Sign up to The Pennine Courier's free daily newsletter here.", "The Pennine Courier"),
    ("Follow Fenland Echo on Facebook and Twitter for the latest news.", "Fenland Echo"),
    ("The officer outside court (Image: Severn Gazette)", "Severn Gazette"),
    ("The officer outside court (Image: West Midlands Police)", None),
    ("The officer outside court. Picture: Metropolitan Police", None),
    ("Sign up to our daily newsletter for the latest news.", None),
    ("Stay up to date with notifications from us", None),
])
def test_publisher_only_when_the_text_names_the_outlet(noise, publisher):
    got = article(f"Headline about a police officer\n\n{BODY}\n\n{noise}")
    assert got.publisher == publisher
    assert "newsletter" not in got.text and "©" not in got.text and "Image:" not in got.text


# --- HTML -------------------------------------------------------------------------------------

def test_html_json_ld_takes_precedence():
    got = read_path(ARTICLES / "jsonld.html")
    assert got.headline == "Dorset officer dismissed after lying to police watchdog"
    assert got.publisher == "Wessex Lantern"                        # not og:site_name "Lantern Online"
    assert got.authors == ("Mira Okafor", "Jon Achebe")             # not meta author; no Organization
    assert got.published == datetime(2022, 3, 4, 9, 30, tzinfo=zone(1))
    assert got.updated == datetime(2022, 3, 4, 11, 0, tzinfo=zone(1))
    assert got.location == (ARTICLES / "jsonld.html").resolve().as_uri()    # a file keeps its file IRI
    paragraphs = got.text.split("\n\n")
    assert paragraphs[0] == got.headline and got.text.count(got.headline) == 1
    assert "without notice after a misconduct panel" in got.text
    for noise in ("READ MORE", "Weymouth", "newsletter", "cookies", "Home", "Crime Reporter"):
        assert noise not in got.text


def test_html_open_graph_only():
    got = read_path(ARTICLES / "opengraph-only.html")
    assert got.headline == "Special constable cleared of assault at Ely court"
    assert got.publisher == "Fenland Post"
    assert got.authors == ("Ruth Pellow",)
    assert got.published == datetime(2023, 7, 21, 17, 5, tzinfo=zone(1))
    assert got.updated == datetime(2023, 7, 22, 8, 0, tzinfo=zone(1))
    assert "Comments are closed" not in got.text
    assert "found not guilty of assaulting a man" in got.text


def test_html_from_stdin_uses_the_canonical_url():
    data = (ARTICLES / "jsonld.html").read_bytes()
    assert read_bytes(data, location=STDIN_LOCATION).location == "https://lantern.example/news/officer-dismissed-lies"
    og = (ARTICLES / "opengraph-only.html").read_text(encoding="utf-8")
    assert read_html(og, location=STDIN_LOCATION).location == "https://fenland.example/news/special-constable-cleared"


def test_html_without_article_text():
    with pytest.raises(ArticleError, match="no article text found in the HTML page"):
        read_path(ARTICLES / "no-article-text.html")


# --- standard input and encodings ---------------------------------------------------------------

def test_read_bytes_sniffs_text_and_html():
    text = read_bytes(f"Headline about a police officer\n\n{BODY}\n".encode(), location=STDIN_LOCATION)
    assert text.location == STDIN_LOCATION and text.headline == "Headline about a police officer"
    page = f"<!doctype html><html><head><title>Inspector sacked</title></head><body><p>{BODY}</p></body></html>"
    html = read_bytes(page.encode(), location=STDIN_LOCATION)
    assert html.headline == "Inspector sacked" and html.location == STDIN_LOCATION
    assert "<p>" not in html.text
    forced = read_bytes(page.encode(), location=STDIN_LOCATION, media_type="text/plain")
    assert forced.headline.startswith("<!doctype html>")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encoding_is_detected_and_reported(tmp_path, encoding):
    text = ("Café owner says officer fined him £100 unfairly\n\nBy Zoë Marr\n\n"
            "The owner of a café in Hove said a constable fined him £100 and was rude to his staff, "
            "and he has complained to Sussex Police about the officer's conduct.\n")
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode(encoding))
    got = read_path(path)
    assert got.encoding == "cp1252"                                  # latin-1 text decodes the same way
    assert got.headline == "Café owner says officer fined him £100 unfairly"
    assert got.authors == ("Zoë Marr",)


def test_utf8_bom_is_removed(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(f"\ufeffHeadline about a police officer\n\n{BODY}".encode("utf-8"))
    got = read_path(path)
    assert got.headline == "Headline about a police officer" and got.encoding == "utf-8-sig"


# --- bad input --------------------------------------------------------------------------------

def test_empty_file(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(ArticleError, match="empty file"):
        read_path(tmp_path / "empty.txt")
    (tmp_path / "blank.txt").write_text(" \n\n \n")
    with pytest.raises(ArticleError, match="empty file"):
        read_path(tmp_path / "blank.txt")


def test_binary_file(tmp_path):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    with pytest.raises(ArticleError, match="binary file"):
        read_path(tmp_path / "photo.txt")


def test_undetectable_encoding(tmp_path):
    (tmp_path / "noise").write_bytes(bytes(range(1, 256)) * 4)
    with pytest.raises(ArticleError, match="encoding could not be detected"):
        read_path(tmp_path / "noise")


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(10_000_001)
    with pytest.raises(ArticleError, match=r"file is 10\.0 MB \(10,000,001 bytes\), over the 10 MB limit"):
        read_path(path)
    with pytest.raises(ArticleError, match="over the 10 MB limit"):
        read_bytes(b"x" * 10_000_001, location=STDIN_LOCATION)


def test_file_that_vanishes_after_listing(tmp_path):
    path = tmp_path / "gone.txt"
    path.write_text(f"Headline about a police officer\n\n{BODY}")
    listed = list(iter_paths([tmp_path]))
    path.unlink()
    with pytest.raises(ArticleError, match="file not found"):
        read_path(listed[0])


def test_directory_and_unreadable_file(tmp_path, monkeypatch):
    with pytest.raises(ArticleError, match="is a directory"):
        read_path(tmp_path)
    path = tmp_path / "locked.txt"
    path.write_text(f"Headline about a police officer\n\n{BODY}")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ArticleError, match="permission denied"):
        read_path(path)


def test_only_boilerplate(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_text("Thank you for registering\n\nREAD MORE: Officer sacked\n\n© Dale Herald 2021\n")
    with pytest.raises(ArticleError, match="no article text"):
        read_path(path)


# --- listing ----------------------------------------------------------------------------------

def test_iter_paths_recurses_sorted_and_skips_hidden(tmp_path):
    for name in ("b.html", "a.txt", "c", "d.htm", "image.png", ".hidden.txt", ".git/x.txt", "sub/e.txt",
                 "sub/.cache/f.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    single = tmp_path / "image.png"
    got = [path.relative_to(tmp_path).as_posix() for path in iter_paths([tmp_path, single])]
    assert got == ["a.txt", "b.html", "c", "d.htm", "sub/e.txt", "image.png"]
