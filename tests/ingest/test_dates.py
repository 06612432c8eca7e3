"""Publication dates an analyst can trust: where each kind of source gives its date, and every
way a date in an article can mislead (deadlines, the future, background, two dates at once)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.ingest import IngestError, extract_file, extract_html, extract_text, find_date
from tracker.ingest.dates import (
    NO_DATE_NOTE,
    dateline_prefix,
    html_metadata_date,
    latest_past,
    mentions,
    publication_date,
    url_date,
)

FIXTURES = Path(__file__).parent / "fixtures" / "dates"
EXPECTED = tomllib.loads((FIXTURES / "expected.toml").read_text("utf-8"))["article"]


# --- crafted articles, each a hard case -------------------------------------------------------


@pytest.mark.parametrize("case", EXPECTED, ids=[case["file"] for case in EXPECTED])
def test_crafted_article_gets_its_date_or_none(case):
    article = extract_file(FIXTURES / case["file"], today=case["today"])
    assert article.published == case.get("published")
    if "published" in case:
        assert article.date_source == case["source"]
        assert article.date_precision == case.get("precision", "day")
        assert article.date_snippet
    else:
        assert article.date_source is None and article.date_snippet is None
        assert NO_DATE_NOTE in article.notes
    if "publisher" in case:
        assert article.publisher == case["publisher"]
    if "note" in case:
        assert any(case["note"] in note for note in article.notes), article.notes


def test_crafted_set_is_large_and_covers_every_source():
    assert len(EXPECTED) >= 15
    assert {case.get("source") for case in EXPECTED} >= {"metadata", "url", "dateline", "text"}
    assert sum("published" not in case for case in EXPECTED) >= 4


# --- reading dates in text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "month", "day", "year", "precision"),
    [
        ("MINSK, October 31 (BelTA) -", 10, 31, None, "day"),
        ("MINSK, 4 November (BelTA) –", 11, 4, None, "day"),
        ("Sept. 12", 9, 12, None, "day"),
        ("МИНСК, 31 октября. /БЕЛТА/.", 10, 31, None, "day"),
        ("Мінск, 4 лістапада", 11, 4, None, "day"),
        ("Minsk, 4 listapada 2025", 11, 4, 2025, "day"),
        ("Vilnia, 12 kastryčnika", 10, 12, None, "day"),
        ("Kyjiŭ, 3 žniŭnia 2025", 8, 3, 2025, "day"),
        ("Київ, 5 листопада 2025 року", 11, 5, 2025, "day"),
        ("November 4, 2024", 11, 4, 2024, "day"),
        ("6th Sep, 2023", 9, 6, 2023, "day"),
        ("4 ноября 2024 года", 11, 4, 2024, "day"),
        ("Posted: 14.01.2025 15:15:00", 1, 14, 2025, "day"),
        ("2025-09-24T10:00", 9, 24, 2025, "day"),
        ("27/06/2024", 6, 27, 2024, "day"),
        ("06/27/2024", 6, 27, 2024, "day"),
        ("January 20-26, 2025", 1, 20, 2025, "week"),
        ("January 20 – January 26, 2025", 1, 20, 2025, "week"),
        ("20–26 января 2025 года", 1, 20, 2025, "week"),
        ("27 January – 2 February 2025", 1, 27, 2025, "week"),
    ],
)
def test_date_formats(text, month, day, year, precision):
    [found] = mentions(text)
    assert (found.month, found.day, found.year, found.precision) == (month, day, year, precision)


@pytest.mark.parametrize(
    "text",
    [
        "04/11/2024",  # reads both ways
        "they may 10 times",  # a modal verb, not May
        "31 February 2025",
        "Summary 5 of the report",
        "article 1746901",
        "the 2025 election",
    ],
)
def test_not_dates(text):
    assert [m for m in mentions(text) if m.year or m.month] == []


def test_week_precision_files_under_the_monday():
    found = publication_date(text="x", header="January 22-28, 2025", today=dt.date(2025, 2, 1))
    assert (found.date, found.precision) == (dt.date(2025, 1, 20), "week")


# --- deadlines, the future, background ---------------------------------------------------------

TODAY = dt.date(2025, 11, 24)


@pytest.mark.parametrize(
    "lead",
    [
        "The regime stays in force until December 31, 2025, the decree says.",
        "Applications are accepted till 1 November 2025.",
        "Embassies must report by 15 October 2025 on exports.",
        "Hotels must register guests no later than 1 March 2025.",
        "The deadline is 1 October 2025 for all firms.",
        "Режим продлен до 1 сентября 2025 года.",
        "Отчитаться необходимо не позднее 1 октября 2025 года.",
        "Программа рассчитана по 31 октября 2025 года включительно.",
        "К 1 ноября 2025 года посольства должны подготовить планы.",
        "Рэжым падоўжаны да 31 кастрычніка 2025 года.",
        "Справаздачу трэба падаць не пазней за 1 лістапада 2025 года.",
        "Režym padoŭžany da 31 kastryčnika 2025 hoda.",
        "Termin — nie paźniej 1 listapada 2025.",
    ],
)
def test_a_deadline_is_never_the_publication_date(lead):
    found = publication_date(text=lead, today=TODAY)
    assert found.date is None
    assert any("after a deadline word; not taken" in note for note in found.notes)
    assert NO_DATE_NOTE in found.notes


@pytest.mark.parametrize(
    "lead",
    [
        "The new rules take effect from 1 November 2025 for all travellers.",
        "Начиная с 1 ноября 2025 года правила меняются.",
        "The summit will be held on 20 November 2025 in Minsk.",
        "Саміт адбудзецца 20 лістапада 2025 года ў Мінску.",
    ],
)
def test_a_start_or_an_announced_date_is_not_the_publication_date(lead):
    assert publication_date(text=lead, today=TODAY).date is None


def test_a_date_after_the_import_day_is_never_taken_silently():
    found = publication_date(text="Minsk, 2 January 2026 - The ministry said.", today=TODAY)
    assert found.date is None
    assert "a date in the future (2026-01-02) was not taken" in found.notes
    from_url = publication_date(text="x", url="https://x.org/2026/01/02/a", today=TODAY)
    assert from_url.date is None
    assert any("2026-01-02" in note and "future" in note for note in from_url.notes)
    declared = publication_date(text="x", metadata="2027-01-02", today=TODAY)
    assert declared.date is None
    assert any("(2027-01-02) was not taken" in note for note in declared.notes)


def test_a_background_date_months_back_is_not_taken_but_named():
    lead = "Tsikhanouskaya, who left after the election of 9 August 2020, spoke in Vilnius."
    found = publication_date(text=lead, today=TODAY)
    assert found.date is None
    assert any("2020-08-09, more than 45 days" in note for note in found.notes)


def test_an_update_date_alone_is_taken_and_said():
    found = publication_date(text="x", header="Updated: 6 November 2025", today=TODAY)
    assert found.date == dt.date(2025, 11, 6)
    assert any("only an update date" in note for note in found.notes)


def test_no_date_is_none_never_today():
    found = publication_date(text="Belarus and Poland talked about the border.", today=TODAY)
    assert (found.date, found.source, found.notes) == (None, None, (NO_DATE_NOTE,))


# --- datelines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2025, 11, 2), dt.date(2025, 10, 31)),
        (dt.date(2025, 10, 31), dt.date(2025, 10, 31)),  # the import day itself
        (dt.date(2025, 10, 30), dt.date(2024, 10, 31)),  # not yet this year: last year's
    ],
)
def test_yearless_dateline_is_the_latest_past_occurrence(today, expected):
    found = publication_date(text="MINSK, October 31 (BelTA) - The president said.", today=today)
    assert (found.date, found.source) == (expected, "dateline")
    assert any("gives no year" in note for note in found.notes)


def test_yearless_dateline_takes_the_urls_year_unless_that_is_in_the_future():
    text = "MINSK, 31 July (BelTA) – The president met ambassadors."
    url = "https://eng.belta.by/president/view/lukashenko-170082-2024"
    found = publication_date(text=text, url=url, today=dt.date(2025, 8, 3))
    assert found.date == dt.date(2024, 7, 31)
    assert any("the URL's year" in note for note in found.notes)
    assert latest_past(7, 31, dt.date(2025, 7, 1), year_hint=2025) == dt.date(2024, 7, 31)
    assert latest_past(2, 29, dt.date(2025, 3, 1)) == dt.date(2024, 2, 29)


def test_two_dates_in_a_dateline_the_publication_not_the_event():
    text = "WASHINGTON, Oct. 3, 2025 (Reuters) - The talks held on Oct. 1, 2025 failed."
    assert publication_date(text=text, today=TODAY).date == dt.date(2025, 10, 3)
    text = "MINSK, 4 November (BelTA) – Talks held on 31 October ended without a deal."
    assert publication_date(text=text, today=TODAY).date == dt.date(2025, 11, 4)
    header = "Updated: 14.03.2025 18:02 | Published: 12.03.2025 09:15"
    assert publication_date(text="x", header=header, today=TODAY).date == dt.date(2025, 3, 12)
    header = "Опубликовано 12 марта 2025, обновлено 14 марта 2025"
    assert publication_date(text="x", header=header, today=TODAY).date == dt.date(2025, 3, 12)


@pytest.mark.parametrize(
    ("line", "prefix"),
    [
        ("MINSK, 4 November (BelTA) – A large rotation", "MINSK, 4 November (BelTA) –"),
        ("МОСКВА, 4 ноября. /ТАСС/. Правительство", "МОСКВА, 4 ноября. /ТАСС/"),
        ("Minsk, November 4, 2024 – The Europe Today: Belarus", "Minsk, November 4, 2024 –"),
        ("Vilnia, 12 kastryčnika. Abjadnany kabinet", "Vilnia, 12 kastryčnika"),
        ("Belarus freed 52 prisoners on Sept. 11, officials said.", ""),
    ],
)
def test_dateline_prefix(line, prefix):
    assert dateline_prefix(line) == prefix


def test_a_date_deep_in_the_first_line_is_text_not_dateline():
    found = publication_date(
        text="Poland closed all crossings overnight on Sept. 12, officials said.",
        today=dt.date(2025, 9, 15),
    )
    assert (found.date, found.source) == (dt.date(2025, 9, 12), "text")
    deeper = publication_date(
        text="Poland closed the border.\nThe drills began on 15 September.",
        today=dt.date(2025, 9, 20),
    )
    assert deeper.date is None  # a yearless day beyond the first line: year unknown


# --- URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected", "precision"),
    [
        ("https://x.com/news/2024/6/7/belarus", dt.date(2024, 6, 7), "day"),
        ("https://x.com/news/2024/06/27/belarus", dt.date(2024, 6, 27), "day"),
        ("https://x.com/news/2024/06/27", dt.date(2024, 6, 27), "day"),
        ("https://x.com/belarus-2024-06-27-talks", dt.date(2024, 6, 27), "day"),
        ("https://x.com/news_2024_6_7.html", dt.date(2024, 6, 7), "day"),
        ("https://x.com/a/20240627-talks", dt.date(2024, 6, 27), "day"),
        ("https://www.rbc.ru/politics/27/06/2024/66cd", dt.date(2024, 6, 27), "day"),
        ("https://x.com/ru/2024/06/belarus-talks/", dt.date(2024, 6, 1), "month"),
        ("https://x.com/news/1730716800", dt.date(2024, 11, 4), "day"),
        ("https://x.com/news?id=5&ts=1730716800000", dt.date(2024, 11, 4), "day"),
        ("https://x.com/news?date=2024-11-04", dt.date(2024, 11, 4), "day"),
    ],
)
def test_url_date_shapes(url, expected, precision):
    found = url_date(url, TODAY)
    assert (found.date, found.precision) == (expected, precision)


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/news/9999999999",  # 2286
        "https://x.com/news/0000000001",  # 1970
        "https://x.com/news/4102444800",  # 2100
        "https://x.com/news/99999999999999",  # fourteen digits
        "https://x.com/news/1746901",  # an article id
        "https://x.com/politics/04/11/2024/abc",  # on a .com, reads both ways
        "https://x.com/2024/13/45/abc",
        "https://x.com/20241345-talks",
        "not a url at all",
        "https://[::1",
    ],
)
def test_url_without_a_date_to_trust(url):
    assert url_date(url, TODAY).date is None


def test_an_epoch_that_disagrees_with_the_dateline_yields_to_it():
    found = publication_date(
        text="MINSK, 4 November 2025 (BelTA) - The ministry said.",
        url="https://x.by/news/1600000000",  # 2020-09-13: an id that looks like an epoch
        today=TODAY,
    )
    assert (found.date, found.source) == (dt.date(2025, 11, 4), "dateline")
    assert any("reads as 2020-09-13" in note for note in found.notes)


def test_url_month_is_refined_by_a_dateline_day_within_it():
    found = publication_date(
        text="TALLINN, June 27 (AP) — The leader named a new minister.",
        url="https://wtop.com/world/2024/06/belarus-minister/",
        today=dt.date(2024, 6, 30),
    )
    assert (found.date, found.precision, found.source) == (dt.date(2024, 6, 27), "day", "dateline")


def test_url_day_beats_a_dateline_that_disagrees_and_says_so():
    found = publication_date(
        text="MINSK, 1 June 2024 (BelTA) - x",
        url="https://x.com/2024/06/27/a",
        today=dt.date(2024, 7, 1),
    )
    assert (found.date, found.source) == (dt.date(2024, 6, 27), "url")
    assert any("the URL's date was taken" in note for note in found.notes)


# --- the page's metadata ----------------------------------------------------------------------


def test_metadata_date_comes_from_metadata_only_never_the_body():
    body_only = (
        "<html><head><title>Talks until 31 December 2026</title></head><body><article>"
        "<p>Published 4 November 2025. Talks last until 31 December 2026.</p>"
        "<time>5 November 2025</time></article></body></html>"
    )
    assert html_metadata_date(body_only) is None
    meta = body_only.replace(
        "<head>", '<head><meta property="article:published_time" content="2025-11-03T10:00">'
    )
    assert html_metadata_date(meta) == "2025-11-03"
    time_tag = body_only.replace("<time>", '<time datetime="2025-11-02" pubdate>')
    assert html_metadata_date(time_tag) == "2025-11-02"


def test_metadata_prefers_the_publication_over_the_modification():
    page = (
        '<html><head><meta property="article:modified_time" content="2025-06-29">'
        '<meta property="article:published_time" content="2025-06-27"></head><body></body></html>'
    )
    assert html_metadata_date(page) == "2025-06-27"


@pytest.mark.parametrize(
    "page",
    [
        "",
        "<html>",
        "<html><head><meta content='2025-01-01'></head></html>",
        '<script type="application/ld+json">{"datePublished": </script>',
        "<html><head>" + '<meta name="date" content="x">' * 5000 + "</head></html>",
        "\x00\x01<html><body>\ufffd</body></html>",
    ],
)
def test_metadata_on_hostile_pages_never_raises(page):
    html_metadata_date(page)


def test_html_page_with_url_date_only():
    page = (FIXTURES / "html-no-metadata.html").read_text("utf-8")
    page = page.replace("<link rel", "<link data-x")  # no canonical address in the page
    article = extract_html(page, url="https://x.com/world/2025/7/31/mfa", today=dt.date(2025, 8, 3))
    assert (article.published, article.date_source) == (dt.date(2025, 7, 31), "url")


# --- bad input --------------------------------------------------------------------------------


def test_a_five_megabyte_paste_is_bounded():
    sentence = "Until 31 December 2026 the regime said on 4 November 2025 (BelTA) that. "
    text = "Huge paste about Minsk talks\n\n" + sentence * (5_000_000 // len(sentence))
    started = time.perf_counter()
    article = extract_text(text, today=TODAY)
    assert time.perf_counter() - started < 5
    assert article.published == dt.date(2025, 11, 4)
    one_line = "x" * 5_000_000
    started = time.perf_counter()
    with pytest.raises(IngestError):
        extract_text(one_line[:10])
    extract_text("Title of the long line here\n" + one_line, today=TODAY)
    assert time.perf_counter() - started < 5


def test_dates_packed_without_spaces_stay_fast():
    hostile = "1 January 2025 " * 20_000 + "1-" * 50_000 + "January " * 20_000
    started = time.perf_counter()
    publication_date(text=hostile, header=hostile, url="https://x.com/" + "1" * 5000)
    assert time.perf_counter() - started < 3


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.text(max_size=120))
def test_never_a_date_after_the_import_day(text, header):
    found = publication_date(text=text, header=header, today=TODAY)
    assert found.date is None or found.date <= TODAY
    assert (found.date is None) == (found.source is None)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_url_date_never_raises(url):
    url_date("https://x.com/" + url, TODAY)
    url_date(url, TODAY)


# --- the old helper, kept for same-event matching ---------------------------------------------


def test_find_date_skips_deadlines_and_the_future():
    assert find_date("until 31 December 2026, then on 4 November 2025") == (
        dt.date(2025, 11, 4),
        "day",
    )
    assert find_date("on 4 November 2027") is None  # tests pin today to 2026-11-24
    assert find_date("MINSK, 4 November (BelTA)", year_hint=2024) == (dt.date(2024, 11, 4), "day")


def test_heavy_libraries_are_imported_only_when_needed():
    code = (
        "import sys, tracker.ingest.extract, tracker.ingest.dates; "
        "print(sorted(m for m in ('htmldate', 'yaml', 'dateparser', 'trafilatura') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_numbers_inside_ids_and_hashes_are_not_dates():
    for url in (
        "https://apnews.com/article/belarus-3f1730716800ab9c",
        "https://x.com/a/ab20240627cd",
        "https://x.com/a/17307168001.5",
    ):
        assert url_date(url, TODAY).date is None, url
    assert url_date("https://belsat.eu/en/news/27-06-2024-talks", TODAY).date == dt.date(
        2024, 6, 27
    )
    assert url_date("https://belsat.eu/en/news/04-11-2024-talks", TODAY).date == dt.date(
        2024, 11, 4
    )  # a country's domain writes the day first
    assert url_date("https://example.com/news/04-11-2024-talks", TODAY).date is None


def test_metadata_that_disagrees_with_the_url_is_taken_and_said():
    found = publication_date(
        text="x", url="https://x.com/2025/06/20/a", metadata="2025-06-27", today=TODAY
    )
    assert (found.date, found.source) == (dt.date(2025, 6, 27), "metadata")
    assert any("the URL says 2025-06-20" in note for note in found.notes)
