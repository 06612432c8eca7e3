"""Reading feeds: every format from real articles, and hostile bytes refused in one line."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.inbox.feeds import Item, atom, dev_articles, from_real, json_feed, rss10, rss20
from tracker.inbox.parse import MAX_ENTRIES, FeedError, html_text, parse_feed

ARTICLES = dev_articles()
BASE = "https://news.example.org/feed"


def items(words: int = 60) -> list[Item]:
    dates = {"009": "Mon, 04 Nov 2024 14:05:00 +0300", "023": "Wed, 28 Feb 2024 11:06:00 +0300"}
    return [
        from_real(ARTICLES[key], f"https://news.example.org/{key}", words=words, date=dates[key])
        for key in ("009", "023")
    ]


@pytest.mark.parametrize(
    ("maker", "version"),
    [(rss20, "rss20"), (rss10, "rss10"), (atom, "atom10"), (json_feed, "json11")],
)
def test_every_format_gives_the_same_entries(maker, version):
    entries = items()
    if maker in (rss10, atom, json_feed):  # these formats write dates as ISO 8601
        entries[0].date, entries[1].date = "2024-11-04T14:05:00+03:00", "2024-02-28T11:06:00+03:00"
    feed = parse_feed(maker(entries, "Wire").encode(), url=BASE)
    assert feed.format == version
    assert feed.title == "Wire"
    assert [e.title for e in feed.entries] == [ARTICLES["009"].title, ARTICLES["023"].title]
    assert [e.url for e in feed.entries] == [
        "https://news.example.org/009",
        "https://news.example.org/023",
    ]
    first = feed.entries[0]
    assert first.text.startswith("MINSK, 4 November (BelTA)")
    assert "<p>" not in first.text
    assert first.date == dt.date(2024, 11, 4)
    assert first.date_raw and "2024" in first.date_raw


def test_rss_091_is_read():
    data = (
        b"<?xml version='1.0'?><rss version='0.91'><channel><title>Old</title>"
        b"<item><title>One</title><link>https://x.example/1</link>"
        b"<description>Belarus and Poland talk about the border.</description></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(data, url=BASE)
    assert feed.format.startswith("rss09")
    assert feed.entries[0].title == "One"


def test_relative_links_resolve_against_the_feed_and_other_schemes_are_dropped():
    feed = parse_feed(
        rss20(
            [
                Item("Relative", "/news/1", "text one"),
                Item("Script", "javascript:alert(1)", "text two"),
                Item("Mail", "mailto:editor@example.org", "text three"),
            ]
        ).encode(),
        url="https://news.example.org/rss/all.xml",
    )
    assert [e.url for e in feed.entries] == ["https://news.example.org/news/1", None, None]


def test_an_html_page_names_the_feed_it_advertises():
    page = (
        b"<!DOCTYPE html><html><head><title>News</title>"
        b"<link rel='alternate' type='application/rss+xml' href='/rss.xml'></head>"
        b"<body><h1>Front page</h1></body></html>"
    )
    with pytest.raises(FeedError) as err:
        parse_feed(page, url="https://news.example.org/", content_type="text/html")
    assert str(err.value) == (
        "this is a web page (HTML), not a feed; the page names its feed: "
        "https://news.example.org/rss.xml (list that address instead)"
    )


def test_an_html_page_without_a_feed_link():
    with pytest.raises(FeedError, match="web page \\(HTML\\), not a feed: give the address"):
        parse_feed(b"<html><body>Hello</body></html>", url=BASE)


def test_a_feed_served_as_text_html_is_still_read():
    feed = parse_feed(rss20(items()).encode(), url=BASE, content_type="text/html")
    assert len(feed.entries) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty answer"),
        (b"   \n ", "empty answer"),
        (b"<rss version='2.0'><channel><item><title>cut he", "XML is malformed"),
        (b"<?xml version='1.0'?><note><to>x</to></note>", "neither RSS, Atom nor JSON Feed"),
        (b"plain words, no markup at all", "XML is malformed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary data"),
        (b'{"version": "1", "items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "'items' must be a list"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"version": ', "JSON is malformed"),
    ],
)
def test_what_is_not_a_feed_is_refused_in_one_line(data, message):
    with pytest.raises(FeedError) as err:
        parse_feed(data, url=BASE)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_malformed_xml_that_still_yields_entries_is_read_with_a_note():
    broken = rss20(items()).replace("</channel></rss>", "<item><title>cut").encode()
    feed = parse_feed(broken, url=BASE)
    assert [e.title for e in feed.entries][:2] == [ARTICLES["009"].title, ARTICLES["023"].title]
    assert any("not well-formed" in note for note in feed.notes)


def test_entities_are_not_expanded_without_bound_and_external_ones_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", "utf-8")
    laughs = (
        "<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY a 'aaaaaaaaaa'>"
        + "".join(
            f"<!ENTITY {c} '&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};'>"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + f"<!ENTITY x SYSTEM 'file://{secret}'>]>"
        "<rss version='2.0'><channel><title>t</title>"
        "<item><title>&i;</title><description>&x; text</description></item>"
        "</channel></rss>"
    )
    try:
        feed = parse_feed(laughs.encode(), url=BASE)
    except FeedError:
        return  # refused outright: fine
    for entry in feed.entries:
        assert len(entry.title) <= 500
        assert "TOP-SECRET" not in entry.text and "TOP-SECRET" not in entry.title


def test_entries_without_dates_titles_or_links():
    feed = parse_feed(
        rss20(
            [
                Item(None, "https://x.example/1", "Belarus closed its border. Poland protested."),
                Item("No link, no date", None, "Text of the second entry."),
                Item(None, None, ""),  # nothing at all: skipped
            ]
        ).encode(),
        url=BASE,
    )
    assert [e.title for e in feed.entries] == ["Belarus closed its border.", "No link, no date"]
    assert feed.entries[0].notes == ("the feed gives no title: the first sentence stands in",)
    assert feed.entries[1].url is None and feed.entries[1].date is None
    assert any("neither title nor text" in note for note in feed.notes)


HOSTILE_TITLE = "<script>alert(1)</script> [bold]Belarus[/bold] \x1b]0;pwned\x07\x1b[31mred"


def test_markup_scripts_and_escapes_stay_text_and_never_reach_a_terminal():
    data = json_feed(
        [
            Item(
                HOSTILE_TITLE,
                "https://x.example/1",
                "Lead \x1b[2J paragraph with [link=https://evil.example]click[/link].",
            )
        ]
    ).encode()
    entry = parse_feed(data, url=BASE).entries[0]
    assert entry.title == "<script>alert(1)</script> [bold]Belarus[/bold] red"
    assert "\x1b" not in entry.text and "[link=https://evil.example]click[/link]" in entry.text


def test_an_html_summary_loses_its_scripts_and_styles_with_their_content():
    data = rss20([Item("t", "https://x.example/1", "")]).replace(
        "<description></description>",
        "<description>"
        + "&lt;p&gt;Visible &amp;amp; kept.&lt;/p&gt;&lt;script&gt;steal(document.cookie)"
        "&lt;/script&gt;&lt;style&gt;p{color:red}&lt;/style&gt;&lt;p&gt;Second.&lt;/p&gt;"
        + "</description>",
    )
    entry = parse_feed(data.encode(), url=BASE).entries[0]
    assert entry.text == "Visible & kept.\n\nSecond."


def test_html_text_survives_deep_nesting_and_broken_markup():
    assert html_text("<div>" * 5000 + "deep" + "</div>" * 5000).strip() == "deep"
    assert "text" in html_text("<p>text<b><i></p></div></span>")
    assert html_text("a &lt;b&gt; c") == "a <b> c"


def test_a_feed_of_too_many_entries_is_cut_with_a_note():
    many = [Item(f"Entry {i}", f"https://x.example/{i}", "text") for i in range(MAX_ENTRIES + 5)]
    feed = parse_feed(json_feed(many).encode(), url=BASE)
    assert len(feed.entries) == MAX_ENTRIES
    assert any(f"{MAX_ENTRIES + 5:,} entries" in note for note in feed.notes)


def test_json_feed_items_that_are_not_objects_are_skipped():
    data = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "items": [1, "x", None, {"id": 7, "title": "Kept", "content_html": "<p>Body</p>"}],
        }
    ).encode()
    feed = parse_feed(data, url=BASE)
    assert [(e.guid, e.title, e.text) for e in feed.entries] == [("7", "Kept", "Body")]
    assert any("not objects" in note for note in feed.notes)
