"""Extraction from text, Markdown and HTML, and every bad input an analyst can paste."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.model import check_text
from tracker.ingest import (
    MAX_TEXT_CHARS,
    IngestError,
    extract_bytes,
    extract_file,
    extract_html,
    extract_text,
    find_date,
)
from tracker.ingest.extract import Article
from tracker.textclean import clean_text, for_terminal, visible_controls

FIXTURES = Path(__file__).parent / "fixtures"


def test_dev_article_format_title_url_dateline():
    article = extract_file(FIXTURES / "dev-009.txt")
    assert article.title == "Ryzhenkov announces major rotation in diplomatic corps"
    assert article.url.startswith("https://eng.belta.by/politics/view/ryzhenkov")
    assert article.publisher == "BelTA"  # the "(BelTA)" signature on its own site
    # "MINSK, 4 November (BelTA)" has no year; the URL's "-2024" supplies it.
    assert article.published == dt.date(2024, 11, 4)
    assert article.text.startswith("MINSK, 4 November (BelTA)")
    assert article.language == "en"


def test_seed_raw_format_date_line_and_boilerplate_tail_removed():
    article = extract_file(FIXTURES / "seed-001.txt")
    assert article.title == "Lukashenko Regime Bets On Trade With TOT - Intel"
    assert article.published == dt.date(2025, 9, 24)
    assert article.text.rstrip().endswith("exports falling by 10%.")
    for furniture in (
        "Legal Disclaimer",
        "Most popular stories",
        "Kucoin",
        "Read also",
        "Illustrative photo",
        "CommentsNo comment",
    ):
        assert furniture not in article.text
    assert "toxic partner for most markets" in article.text


def test_seed_without_title_or_date_uses_first_sentence_and_says_so():
    article = extract_file(FIXTURES / "seed-004.txt")
    assert article.title.startswith("The Belarusian regime bets on trade")
    assert article.published is None
    assert any("first sentence" in note for note in article.notes)


def test_weekly_digest_dateline_gives_week_precision():
    text = (
        "by\nJanuary 20 – January 26, 2025\nBelarus-West relations\n\n"
        "The Shift from West to East Turned into a Fiasco\n\n" + "Minsk failed again. " * 10
    )
    article = extract_text(text)
    assert article.published == dt.date(2025, 1, 20)  # a Monday
    assert article.date_precision == "week"
    assert article.title == "The Shift from West to East Turned into a Fiasco"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Posted: 14.01.2025 15:15:00", dt.date(2025, 1, 14)),
        ("28 Feb 2024 11:06", dt.date(2024, 2, 28)),
        ("Published September 06, 2023 | 01:50 AM", dt.date(2023, 9, 6)),
        ("Минск, 4 ноября 2024 года", dt.date(2024, 11, 4)),
        ("Мінск, 15 верасня 2025", dt.date(2025, 9, 15)),
        ("2025-09-24", dt.date(2025, 9, 24)),
    ],
)
def test_find_date_formats(text, expected):
    assert find_date(text)[0] == expected


def test_markdown_headings_and_links_become_plain_text():
    text = (
        "# Belarus joins the SCO\n\nhttps://example.org/sco\n\n"
        "Belarus became the **tenth member** of the [Shanghai Cooperation Organization]"
        "(https://example.org/sco-wiki) at the Astana summit on 4 July 2024.\n"
    )
    article = extract_text(text, filename="sco.md")
    assert article.title == "Belarus joins the SCO"
    assert article.url == "https://example.org/sco"
    assert article.source_kind == "markdown"
    assert "tenth member of the Shanghai Cooperation Organization at" in article.text
    assert "**" not in article.text and "](" not in article.text
    # A date in the text is taken when it is recent news, not when it lies months back.
    assert article.published is None
    assert any("2024-07-04, more than 45 days before" in note for note in article.notes)
    recent = extract_text(text, filename="sco.md", today=dt.date(2024, 7, 7))
    assert (recent.published, recent.date_source) == (dt.date(2024, 7, 4), "text")


def test_plain_paste_without_header():
    article = extract_text(
        "Лукашенко назначил новых послов в Казахстане и Турции. Они должны наращивать экспорт.",
        kind="paste",
    )
    assert article.language == "ru"
    assert article.title.startswith("Лукашенко назначил")
    assert article.source_kind == "paste"


def test_belarusian_language_guess():
    article = extract_text(
        "Лукашэнка прызначыў новых паслоў у Казахстане і Турцыі. "
        "Яны павінны павялічваць экспарт беларускіх тавараў у свеце."
    )
    assert article.language == "be"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\t\n  ", "\x1b[2J\x1b[H"])
def test_empty_paste_is_refused(text):
    with pytest.raises(IngestError, match="empty"):
        extract_text(text)


def test_binary_paste_is_refused():
    with pytest.raises(IngestError, match="binary"):
        extract_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(IngestError, match="binary"):
        extract_text("abc\x00\x01\x02\x03" * 100)
    with pytest.raises(IngestError, match="PDF"):
        extract_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")


def test_huge_paste_is_cut_and_says_so():
    text = "Big headline about Minsk\n\n" + (
        "The ministry said the embassy would reopen. " * 10_000
    )
    article = extract_text(text)
    assert len(article.text) <= MAX_TEXT_CHARS
    assert any("cut" in note for note in article.notes)


def test_too_short_text_is_refused():
    with pytest.raises(IngestError, match="too short"):
        extract_text("Hello\n\nhi")


def test_markup_and_terminal_escapes_are_literal_text_without_controls():
    text = (
        "Evil [bold red]title[/] <script>alert(1)</script>\n\n"
        "The minister \x1b[31msaid\x1b[0m the embassy \x1b]0;pwned\x07would reopen;\x07 "
        "[link=https://evil.example]click[/link] and \x00more\x9b2J text here."
    )
    article = extract_text(text)
    for value in (article.title, article.text):
        check_text(value)  # the strict model accepts it: no control characters survive
        assert "\x1b" not in value and "\x07" not in value and "\x9b" not in value
    assert article.title == "Evil [bold red]title[/] <script>alert(1)</script>"
    assert "[link=https://evil.example]click[/link]" in article.text
    assert "said the embassy would reopen;" in article.text
    assert "pwned" not in article.text  # an OSC title sequence is removed whole
    assert for_terminal("[red]x[/red]") == "\\[red]x\\[/red]"
    assert visible_controls("a\x1bb") == "a\\x1bb"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_clean_text_never_leaves_control_characters(value):
    check_text(clean_text(value))


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=0, max_size=400))
def test_extract_text_either_succeeds_cleanly_or_raises_ingest_error(value):
    try:
        article = extract_text(value)
    except IngestError as err:
        assert "\n" not in str(err)
        return
    check_text(article.text)
    check_text(article.title)


# --- HTML ------------------------------------------------------------------------------------


def test_html_file_main_text_and_metadata_without_navigation():
    article = extract_file(FIXTURES / "article.html")
    assert article.title == "Belarus stops embassies issuing passports"
    assert article.published == dt.date(2023, 9, 6)
    assert article.author == "Jane Reporter"
    assert article.publisher == "Example News"
    assert "must apply on Belarusian territory" in article.text
    for furniture in ("Home", "Sport", "crypto", "All rights reserved", "Privacy"):
        assert furniture not in article.text


def test_html_without_article_is_refused():
    with pytest.raises(IngestError, match="no article text"):
        extract_file(FIXTURES / "no-article.html")


def test_html_in_windows_1251_declared_in_meta():
    article = extract_file(FIXTURES / "cp1251.html")
    assert article.title == "Лукашенко назначил новых послов"
    assert "наращивать экспорт белорусских товаров" in article.text
    assert article.language == "ru"


def test_html_string_paste_is_recognised():
    html = (FIXTURES / "article.html").read_text("utf-8")
    assert extract_text(html).source_kind == "html"
    assert extract_html(html, url="https://www.example.org/a").url == "https://www.example.org/a"


def test_file_errors(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        extract_file(tmp_path / "missing.txt")
    with pytest.raises(IngestError, match="folder"):
        extract_file(tmp_path)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(range(256)))
    with pytest.raises(IngestError, match="PDF"):
        extract_file(pdf)


# --- metadata from a paste ---------------------------------------------------------------------

BODY = (
    "Belarus and Poland held talks on reopening border crossings, officials said. "
    "The delegations agreed to meet again next month in Brest."
)


@pytest.mark.parametrize(
    ("opening", "publisher"),
    [
        ("MINSK, 4 November (BelTA) - ", "BelTA"),
        ("МИНСК, 4 ноября. /БЕЛТА/. ", "BelTA"),
        ("МОСКВА, 4 ноября. /ТАСС/. ", "TASS"),
        ("TALLINN, Estonia (AP) — ", "AP"),
        ("WARSAW, Nov 4 (Reuters) - ", "Reuters"),
        ("MINSK. Feb 28 (Interfax) - ", "Interfax"),
        ("MOSCOW, Nov. 4 (Xinhua) -- ", "Xinhua"),
        ("KYIV, 4 November (Ukrinform) – ", "Ukrinform"),
        ("МОСКВА, 4 ноября - РИА Новости. ", "RIA Novosti"),
        ("KYIV, 5 November (Ukrainska Pravda) – ", "Ukrainska Pravda"),  # kept as written
    ],
)
def test_paste_publisher_from_the_datelines_agency_mark(opening, publisher):
    article = extract_text(f"Border talks resume in Brest\n\n{opening}{BODY}")
    assert article.publisher == publisher


@pytest.mark.parametrize(
    ("text", "publisher"),
    [
        (f"Border talks resume in Brest\nBy Jane Doe, AFP\n\n{BODY}", "AFP"),
        (f"Border talks resume in Brest\n\n{BODY}\n— Reuters", "Reuters"),
        (
            f"Border talks resume in Brest\n\n{BODY} This was reported by the FIS, writes UNN.",
            "UNN",
        ),
        (f"Border talks resume in Brest\n\n{BODY} BelTA has learned.", "BelTA"),
        (f"Border talks resume in Brest\n\n{BODY}", None),
    ],
)
def test_paste_publisher_from_bylines_and_self_reference(text, publisher):
    assert extract_text(text).publisher == publisher


def test_url_site_with_a_wire_agency_and_a_citation():
    signed = extract_text(
        f"Border talks resume in Brest\nhttps://wtop.com/world/2024/06/x/\n\n"
        f"TALLINN, Estonia (AP) — {BODY}"
    )
    assert signed.publisher == "wtop.com (AP)"
    cited = extract_text(
        f"Border talks resume in Brest\nhttps://kyivindependent.com/x\n\n{BODY} "
        "According to TASS, the talks were constructive; TASS reports more later."
    )
    assert cited.publisher == "kyivindependent.com"  # citing an agency is not publishing
    credited = extract_text(
        f"Border talks resume in Brest\nhttps://kyivindependent.com/x\n\n{BODY}\n"
        "Lukashenko in Minsk (Reuters/Vasily Fedosenko). Earlier, the Associated Press (AP) "
        "reported the talks."
    )
    assert credited.publisher == "kyivindependent.com"  # a photo credit, a citation
    named = extract_text(
        f"Border talks resume in Brest\nhttps://theeuropetoday.com/?p=1\n\n"
        f"Minsk, November 4, 2024 – The Europe Today: {BODY}"
    )
    assert named.publisher == "The Europe Today"


def test_title_is_not_a_masthead_navigation_or_caption():
    text = (
        "The Kyiv Independent\n"
        "Home › World › Europe\n"
        "News Feed | Ukraine | Belarus | Opinion\n"
        "Photo: Getty Images\n"
        "Фото: БЕЛТА\n"
        "Polish border guards at Kuznica. (Wojtek Radwanski / AFP via Getty Images)\n"
        "Poland closes all border crossings with Belarus\n"
        "\n" + BODY
    )
    article = extract_text(text, today=dt.date(2025, 9, 15))
    assert article.title == "Poland closes all border crossings with Belarus"
    assert article.publisher == "The Kyiv Independent"
    for furniture in ("Getty", "Home ›", "News Feed", "БЕЛТА", "Kyiv Independent"):
        assert furniture not in article.text
    assert not any("first sentence" in note for note in article.notes)


def test_title_is_the_headline_not_the_rubric_above_it():
    text = "Обзор внешней политики\nБеларусь - Запад\n\nПоворот на Восток обернулся провалом\n\n"
    article = extract_text(text + "Минск долго делал ставку на далекие страны. " * 3)
    assert article.title == "Поворот на Восток обернулся провалом"


def test_front_matter_is_metadata_not_text():
    text = (
        "---\n"
        'title: "Belarus drops WTO accession"\n'
        "date: 2024-02-28\n"
        "publisher: Interfax\n"
        "url: https://interfax.com/newsroom/top-stories/99871/\n"
        "author: [A. Reporter, B. Reporter]\n"
        "tags: [wto, belarus]\n"
        "---\n\n" + BODY
    )
    article = extract_text(text, filename="wto.md", today=dt.date(2024, 3, 2))
    assert article.title == "Belarus drops WTO accession"
    assert (article.published, article.date_source) == (dt.date(2024, 2, 28), "metadata")
    assert article.publisher == "Interfax"
    assert article.url == "https://interfax.com/newsroom/top-stories/99871/"
    assert article.author == "A. Reporter, B. Reporter"
    assert "title:" not in article.text and "---" not in article.text
    assert article.text.startswith("Belarus and Poland held talks")


@pytest.mark.parametrize(
    ("block", "note"),
    [
        ("title: Belarus: a new law\ndate: 2024-02-28", "not valid YAML (line 2)"),
        ("title: [unclosed\ndate: 2024-02-28", "not valid YAML"),
        ("title: !!python/object/apply:os.system ['echo pwned']", "not valid YAML"),
        ("date: 2024-13-45", "not valid YAML"),
        ("title: " + "[" * 5000, "not valid YAML"),
    ],
)
def test_front_matter_that_is_not_yaml_is_a_note_not_a_crash(block, note, capfd):
    article = extract_text(f"---\n{block}\n---\n{BODY}", filename="a.md")
    assert any(note in n for n in article.notes), article.notes
    assert article.text.startswith("Belarus and Poland held talks")
    assert "pwned" not in capfd.readouterr().out


def test_front_matter_read_line_by_line_when_not_yaml():
    article = extract_text(
        f"---\ntitle: Belarus: a new law\ndate: 2024-02-28\nsource: BelTA\n---\n{BODY}",
        today=dt.date(2024, 3, 1),
    )
    assert article.title == "Belarus: a new law"
    assert article.published == dt.date(2024, 2, 28)
    assert article.publisher == "BelTA"


def test_front_matter_alias_bomb_stays_small():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    article = extract_text(f"---\n{bomb}author: *u\n---\n{BODY}")
    assert article.author is None or len(article.author) <= 300


def test_text_between_two_rules_is_text_not_front_matter():
    text = f"---\nBorder talks resume in Brest\n\n{BODY}\n---\nThe next meeting is in Brest."
    article = extract_text(text, filename="a.md")
    assert article.title == "Border talks resume in Brest"
    assert "held talks" in article.text and "next meeting" in article.text
    assert not any("front matter" in note for note in article.notes)


def test_a_lone_rule_at_the_top_is_not_front_matter():
    article = extract_text(f"---\nBorder talks resume in Brest\n\n{BODY}", filename="a.md")
    assert article.title == "Border talks resume in Brest"


def test_controls_and_markup_in_front_matter_and_titles_stay_inert():
    text = (
        "---\n"
        'title: "Evil \\e[31m[bold red]title[/] <script>alert(1)</script>\\a"\n'
        'author: "\\e]0;pwned\\a[link=https://evil.example]x[/link]"\n'
        "---\n" + BODY
    )
    article = extract_text(text)
    for value in (article.title, article.author or ""):
        check_text(value)
        assert "\x1b" not in value and "\x07" not in value
    assert article.title == "Evil [bold red]title[/] <script>alert(1)</script>"
    header_title = extract_text("Evil \x1b[2J<b>title</b> [red]x[/red] here\n\n" + BODY).title
    assert header_title == "Evil <b>title</b> [red]x[/red] here"


def test_a_headline_with_a_date_stays_the_title_and_a_by_sentence_stays_body():
    article = extract_text(
        "Belarus votes on 26 January 2025\n\nBy the end of the day, turnout was reported high.\n"
        + BODY,
        today=dt.date(2025, 1, 28),
    )
    assert article.title == "Belarus votes on 26 January 2025"
    assert article.author is None
    assert article.text.startswith("By the end of the day")
    byline = extract_text(f"Border talks resume in Brest\nBy Jane Doe | June 27, 2024\n\n{BODY}")
    assert byline.author == "Jane Doe"
    assert byline.published == dt.date(2024, 6, 27)


def test_html_date_line_above_the_text_is_the_dateline():
    page = (
        "<html><head><title>Border talks resume in Brest</title></head><body><article>"
        "<h1>Border talks resume in Brest</h1><p>4 November 2024, 14:20</p>"
        f"<p>{BODY}</p><p>{BODY}</p></article></body></html>"
    )
    article = extract_html(page, today=dt.date(2025, 6, 1))  # long after: not a text date
    assert (article.published, article.date_source) == (dt.date(2024, 11, 4), "dateline")


def test_a_short_headline_is_the_title_when_no_longer_one_follows():
    article = extract_text(
        "Экспорт вырос\n\nПо итогам года экспорт белорусских товаров вырос на пять процентов, "
        "сообщили в министерстве, а импорт сократился."
    )
    assert article.title == "Экспорт вырос"


@pytest.mark.parametrize(
    ("published", "precision", "day", "span"),
    [
        (dt.date(2024, 6, 27), "day", dt.date(2024, 6, 27), None),
        (dt.date(2024, 6, 1), "month", None, "2024-06"),
        (dt.date(2025, 1, 20), "week", None, "the week of 2025-01-20"),
        (None, "day", None, None),
    ],
)
def test_a_month_or_a_week_is_a_span_not_a_day_of_publication(published, precision, day, span):
    article = Article(title="t", text="x", published=published, date_precision=precision)
    assert (article.publication_day, article.span) == (day, span)
