"""The published pages: the monitoring page, the quarterly briefing (HTML and Markdown) and the
history, read as a reader would: in a real browser at a phone's and a desktop's width, printed,
with hostile text, and as files that ask the network for nothing."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.reports.conftest import look
from tracker.cli import main

GOLDEN = Path(__file__).parent / "golden"
WIDTHS = [390, 1280]
HOSTILE_TITLE = "<script>alert(1)</script> [bold]x[/] **b** =1+1"
HOSTILE_QUOTE = "<img src=x onerror=alert(1)> &lt;b&gt; `code` | # h\nsecond line"
LONG_WORD = "Lukashenka" * 30  # no space to break at: must not push the page sideways


def hostile_bundled(root: Path) -> Path:
    """The bundled data and two items that try to break the page."""
    text = evidence_toml(
        "2025-09-20-hostile",
        date="2025-09-20",
        recommendation="balance-west",
        impact=3,
        url="javascript:alert(1)",
    )
    text = text.replace('title = "An event"', f"title = {json.dumps(HOSTILE_TITLE)}")
    text = text.replace('quote = "Something happened."', f"quote = {json.dumps(HOSTILE_QUOTE)}")
    text = text.replace('publisher = "Outlet"', 'publisher = "Пресса <b>bold</b>"')
    write_evidence(root, text)
    long = evidence_toml(
        "2025-09-21-long",
        date="2025-09-21",
        recommendation="open-belarus",
        impact=-1,
        url="https://example.org/" + "a" * 300,
    )
    long = long.replace('title = "An event"', f'title = "{LONG_WORD}"')
    write_evidence(root, long)
    return root


def briefing_project(root: Path) -> Path:
    """A quarter with every kind of change: a lasting step reported twice (one event), a
    formal step away assessed by two analysts, and a statement that fades out of
    'progressing' with no new evidence."""
    fading = evidence_toml(
        "2025-01-01-statement", date="2025-01-01", recommendation="reboot", impact=1
    )
    write_evidence(root, fading.replace('confidence = "high"', 'confidence = "moderate"'))
    write_evidence(
        root,
        evidence_toml(
            "2025-07-10-law",
            date="2025-07-10",
            recommendation="balance-west",
            impact=3,
            event="west-law",
            url="https://example.org/news_(2025)/law?a=1&b=2",
        ),
    )
    retold = evidence_toml(
        "2025-07-11-law-retold",
        date="2025-07-11",
        recommendation="balance-west",
        impact=3,
        event="west-law",
        url="https://example.org/retold",
    )
    write_evidence(root, retold.replace('reliability = "B"', 'reliability = "D"'))
    two = evidence_toml(
        "2025-08-01-russia",
        date="2025-08-01",
        recommendation="balance-russia",
        impact=-2,
        extra=(
            '\n[[assessment]]\nrecommendation = "balance-russia"\nimpact = -3\n'
            'confidence = "low"\nrationale = "A second reading."\nanalyst = "Bob"\n'
        ),
    )
    write_evidence(
        root, two.replace('rationale = "Because."', 'rationale = "Because."\nanalyst = "Alice"')
    )
    return root


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def render(argv: list[str], out: Path) -> str:
    assert main([*argv, "-o", str(out)]) == 0
    return out.read_text("utf-8")


# --- the files themselves -----------------------------------------------------------------


def test_every_page_is_one_self_contained_file(bundled, tmp_path, umask_022):
    hostile_bundled(bundled)
    pages = {
        "status.html": ["status", "-C", str(bundled), "--as-of", "2025-10-01"],
        "briefing.html": [
            "changes",
            "-C",
            str(bundled),
            "--since",
            "2025-07-01",
            "--until",
            "2025-09-30",
        ],
        "history.html": ["history", "-C", str(bundled), "--from", "2025-01", "--to", "2025-10"],
        "briefing.md": [
            "changes",
            "-C",
            str(bundled),
            "--since",
            "2025-07-01",
            "--until",
            "2025-09-30",
        ],
    }
    for name, argv in pages.items():
        text = render(argv, tmp_path / name)
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
        assert "<script" not in text and "<img" not in text, name
        assert 'href="javascript' not in text and "](javascript" not in text, name
        if name.endswith(".html"):
            assert "default-src 'none'" in text  # even a slip fetches nothing
            for pattern in (r"<link\b", r"<[^>]*\bsrc=", r"@import", r"url\("):
                assert not re.search(pattern, text), (name, pattern)
            if name != "history.html":  # the history names no evidence
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_monitoring_page_says_what_a_reader_needs(bundled, tmp_path):
    text = render(["status", "-C", str(bundled), "--as-of", "2025-10-01"], tmp_path / "s.html")
    # the paper: title, authors, date, summary
    assert "R. Astapenia and P. Matsukevich" in text and "December 2022" in text
    assert "dead end" in text  # the summary in recommendations.toml
    # the headline: counts by status, and what moved in the window
    assert 'class="tiles"' in text and "What moved in the last 90 days" in text
    assert "Of the 7 recommendations in the paper, 6 have evidence" in text
    assert "4 regressing, 2 with no clear movement" in text
    # a node without evidence is one quiet line and has no card
    assert 'class="row k-measure quiet"' in text
    assert 'id="n-open-belarus-wto"' not in text and 'id="n-reboot-political-system"' in text
    # a card: chart with labelled axes and values on hover, evidence with quotes and sources
    card = text[text.index('id="n-reboot-political-system"') :]
    card = card[: card.index("</article>\n")]
    assert "<svg" in card and ">standing</text>" in card and "Oct 2025" in card
    assert re.search(r"<title>1 October 2025: standing −0\.23 \(some regression\)</title>", card)
    assert "Euromaidan Press" in card and "<blockquote>" in card and "also reported by" in card
    assert "MENAFN (Ukrinform)" in card  # the other report, by name, counted once
    # the legend and the method, in a reader's words
    for words in (
        "Legend",
        "no clear movement",
        "w = R × C × K",
        "Lasting and transient",
        "One event, counted once",
        "last 90 days",
        "half its weight every 180 days",
    ):
        assert words in text, words


def test_a_filtered_page_says_it_is_filtered(bundled, tmp_path):
    out = tmp_path / "f.html"
    text = render(
        [
            "status",
            "-C",
            str(bundled),
            "--as-of",
            "2025-10-01",
            "--status",
            "regressing",
            "--format",
            "html",
        ],
        out,
    )
    assert "Of the 4 recommendations shown, 4 have evidence" in text
    assert "Filtered (statuses: regressing)" in text


def test_the_briefing_is_a_document(tmp_path, mini):
    briefing_project(mini)
    text = render(
        ["changes", "-C", str(mini), "--since", "2025-06-30", "--until", "2025-09-30"],
        tmp_path / "b.html",
    )
    for words in (
        "What changed, 30 June to 30 September 2025",
        "In brief",
        "What moved, and why",
        "Status changes",
        "New evidence, by recommendation",
        "How to read this",
    ):
        assert words in text, words
    assert "Changed only as older statements faded" in text  # reboot: progressing, then not
    assert "Another report of" in text  # the retold law: counted once
    assert 'href="https://example.org/news_(2025)/law?a=1&amp;b=2"' in text
    assert "(Alice)" in text and "(Bob)" in text  # both analysts' readings


def test_golden_markdown_briefing(tmp_path, mini, capsys, monkeypatch):
    briefing_project(mini)
    monkeypatch.setattr("tracker.cli.commands.reports.commit_of", lambda root: None)
    argv = [
        "changes",
        "-C",
        str(mini),
        "--since",
        "2025-06-30",
        "--until",
        "2025-09-30",
        "--format",
        "md",
    ]
    assert main(argv) == 0
    text = capsys.readouterr().out
    golden = GOLDEN / "briefing.md"
    if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
        golden.write_text(text, "utf-8")
    assert text == golden.read_text("utf-8"), "differs from tests/reports/golden/briefing.md"
    # what the golden file shows, said in words
    assert "## What moved, and why" in text and "### Away from them" in text
    assert "Changed only as older statements faded" in text
    assert "[Outlet](https://example.org/news_%282025%29/law?a=1&b=2)" in text
    assert "Another report of the event in `2025-07-10-law`, counted once." in text


def test_history_page_has_dates_and_values(bundled, tmp_path):
    text = render(
        ["history", "-C", str(bundled), "--from", "2025-01", "--to", "2025-10"], tmp_path / "h.html"
    )
    assert "Standing over time" in text and "Jan 2025" in text and "Oct 2025" in text
    assert "<details" in text and "<td>31 October 2025</td>" in text
    assert "No evidence in this period" in text  # the quiet lines, not empty charts


# --- in a real browser --------------------------------------------------------------------


@pytest.fixture
def pages(bundled, tmp_path):
    hostile_bundled(bundled)
    out = tmp_path / "pages"
    out.mkdir()
    render(["status", "-C", str(bundled), "--as-of", "2025-10-01"], out / "status.html")
    render(
        ["changes", "-C", str(bundled), "--since", "2025-07-01", "--until", "2025-09-30"],
        out / "briefing.html",
    )
    render(
        ["history", "-C", str(bundled), "--from", "2025-01", "--to", "2025-10"],
        out / "history.html",
    )
    return out


@pytest.mark.parametrize("width", WIDTHS)
def test_monitoring_page_in_a_browser(browser, pages, tmp_path, width):
    seen = look(browser, pages / "status.html", width, tmp_path)
    assert seen.overflow <= 0, f"the page runs {seen.overflow}px off the side at {width}px"
    assert seen.requests == [] and seen.scripts == 0
    # the first screen: what it is, the paper, by whom
    assert "MONITORING THE RECOMMENDATIONS" in seen.first_screen.upper()
    assert "Briefing Paper | December 2022" in seen.first_screen
    assert "R. Astapenia and P. Matsukevich" in seen.first_screen
    # further down: the headline, the statuses in words, the legend, the method
    for words in (
        "At a glance",
        "What moved in the last 90 days",
        "regressing",
        "no clear movement",
        "no evidence yet",
        "Legend",
        "Method",
    ):
        assert words in seen.text, words
    assert HOSTILE_TITLE in seen.text  # shown as text, never run
    assert seen.shot.stat().st_size > 10_000


@pytest.mark.parametrize("width", WIDTHS)
def test_briefing_page_in_a_browser(browser, pages, tmp_path, width):
    seen = look(browser, pages / "briefing.html", width, tmp_path)
    assert seen.overflow <= 0, f"the briefing runs {seen.overflow}px off the side at {width}px"
    assert seen.requests == [] and seen.scripts == 0
    assert "What changed, 1 July to 30 September 2025" in seen.first_screen
    assert "In brief" in seen.first_screen
    for words in (
        "What moved, and why",
        "regressing",
        "New evidence, by recommendation",
        "How to read this",
        "Status changes",
    ):
        assert words in seen.text, words


@pytest.mark.parametrize("width", WIDTHS)
def test_history_page_in_a_browser(browser, pages, tmp_path, width):
    seen = look(browser, pages / "history.html", width, tmp_path)
    assert seen.overflow <= 0, f"the history runs {seen.overflow}px off the side at {width}px"
    assert seen.requests == [] and seen.scripts == 0
    assert "Standing over time" in seen.first_screen
    assert "Legend" in seen.text and "no clear movement" in seen.text


def test_values_on_hover(browser, pages):
    """Hovering a point shows its date and value (the SVG title every browser shows)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((pages / "status.html").as_uri())
    point = page.locator("#n-reboot-political-system svg.chart circle.point").last
    point.hover()
    assert point.locator("title").text_content() == (
        "1 October 2025: standing −0.23 (some regression)"
    )
    ticks = page.locator("#n-reboot-political-system svg.chart text.axis").all_text_contents()
    assert "Sep 2023" in ticks and "Oct 2025" in ticks and "0" in ticks  # the first evidence on
    context.close()


def test_printed_as_a_clean_document(browser, pages, tmp_path):
    """The browser's "Save as PDF": navigation and folded tables left out, links spelled out."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((pages / "status.html").as_uri())
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    pdf = tmp_path / "status.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_chart_s_date_labels_never_overlap(browser, bundled, tmp_path, width):
    """At a phone's width the labels are drawn larger to stay readable; only the two ends
    are shown then, so no two dates run into each other (two years: "Dec 2024", "Jun 2025")."""
    history = tmp_path / "history.html"
    render(["history", "-C", str(bundled), "--from", "2024-12", "--to", "2026-12"], history)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(history.as_uri())
    overlaps = page.evaluate(
        """() => {
            let found = 0;
            for (const svg of document.querySelectorAll('svg.chart')) {
                const boxes = [...svg.querySelectorAll('text.axis')]
                    .filter(t => getComputedStyle(t).display !== 'none')
                    .map(t => t.getBoundingClientRect())
                    .filter(r => r.width > 0 && r.bottom > svg.getBoundingClientRect().bottom - 40);
                for (let i = 0; i < boxes.length; i++)
                    for (let j = i + 1; j < boxes.length; j++) {
                        const a = boxes[i], b = boxes[j];
                        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
                            found++;
                    }
            }
            return found;
        }"""
    )
    shown = page.locator("svg.chart text.axis").first.is_visible()
    context.close()
    assert overlaps == 0, f"{overlaps} date labels overlap at {width}px"
    assert shown
