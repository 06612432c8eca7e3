"""The workbench's inbox screen, driven headless: rows best first with the article and its
suggestions beside them, fetch with progress, dismiss, and draft into the evidence form."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList, TextArea

from tests.inbox.feeds import Item, dev_articles, from_real, page, site, without_the_dev_articles
from tests.tui.helpers import SIZE, make_app, settle, text_of
from tracker.inbox import Inbox
from tracker.tui.screens.form import EvidenceForm
from tracker.tui.screens.inbox import InboxScreen

ARTICLES = dev_articles()
HOSTILE = "[bold]Belarus[/bold] [link=https://evil.example]click[/link] \x1b[31mred"


@pytest.fixture
def web():
    with site() as served:
        yield served


@pytest.fixture
def project(bundled: Path, web) -> Path:
    a = ARTICLES
    web.put("/art/wto", page(a["023"]))
    web.feed(
        "/wire.xml",
        "rss20",
        [
            from_real(
                a["023"], f"{web.base}/art/wto", words=80, date="Wed, 28 Feb 2024 11:06:00 +0300"
            ),
            from_real(a["014"], f"{web.base}/art/border", date="Fri, 12 Sep 2025 08:00:00 +0000"),
            from_real(a["029"], f"{web.base}/art/tennis", date="Sun, 07 Sep 2025 22:00:00 +0000"),
            Item(
                HOSTILE, f"{web.base}/art/hostile", "The weather in Minsk was warm and sunny. " * 40
            ),
        ],
        title="Wire",
    )
    without_the_dev_articles(bundled)
    config = (bundled / "tracker.toml").read_text("utf-8")
    config += f'\n[[inbox.feed]]\nurl = "{web.base}/wire.xml"\nname = "Wire"\n'
    (bundled / "tracker.toml").write_text(config, "utf-8")
    return bundled


async def open_inbox(pilot) -> InboxScreen:
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    assert isinstance(pilot.app.screen, InboxScreen)
    return pilot.app.screen


async def fetch(pilot) -> None:
    await pilot.press("f")
    for _ in range(200):
        await settle(pilot)
        if not pilot.app.screen.query("#inbox-progress"):
            break
        await asyncio.sleep(0.05)
    await settle(pilot)


def table_titles(screen: InboxScreen) -> list[str]:
    table = screen.query_one("#inbox-rows", DataTable)
    return [str(table.get_row_at(i)[4]) for i in range(table.row_count)]


async def test_an_empty_inbox_says_how_to_fill_it(bundled: Path):
    app = make_app(bundled)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        assert "The inbox is empty" in text_of(app, "#inbox-summary")
        assert screen.rows == []
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, InboxScreen)


async def test_fetch_shows_the_rows_best_first_with_text_and_suggestions(project: Path):
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await fetch(pilot)
        titles = table_titles(screen)
        assert sorted(titles[:2]) == sorted(
            [ARTICLES["023"].title[:90], ARTICLES["014"].title[:90]]
        )
        assert titles[-1] == ARTICLES["029"].title[:90]  # bears on none: last
        assert "[bold]Belarus[/bold] [link=https://evil.example]click[/link] red" in titles
        assert "bear on none" in text_of(app, "#inbox-summary")
        wto = next(i for i, r in enumerate(screen.rows) if r.title == ARTICLES["023"].title)
        screen.query_one("#inbox-rows", DataTable).move_cursor(row=wto)
        await settle(pilot)
        head = text_of(app, "#inbox-head")
        assert ARTICLES["023"].title in head and "Wire" in head
        assert "open-belarus-wto" in text_of(app, "#inbox-suggestions")
        assert "Text (the feed's summary" in text_of(app, "#inbox-text")
        assert "revisit the accession procedure" in text_of(app, "#inbox-text")

        table = screen.query_one("#inbox-rows", DataTable)
        table.move_cursor(row=table.row_count - 1)  # the tennis final
        await settle(pilot)
        assert "bears on none" in text_of(app, "#inbox-head")
        assert text_of(app, "#inbox-suggestions").strip() == ""


async def test_hostile_text_is_shown_literally(project: Path):
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await fetch(pilot)
        index = next(i for i, r in enumerate(screen.rows) if "evil.example" in r.title)
        screen.query_one("#inbox-rows", DataTable).move_cursor(row=index)
        await settle(pilot)
        head = text_of(app, "#inbox-head")
        assert "[bold]Belarus[/bold] [link=https://evil.example]click[/link] red" in head
        assert "\x1b" not in head


async def test_dismiss_removes_the_row_for_good(project: Path):
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await fetch(pilot)
        first = screen.rows[0]
        await pilot.press("x")
        await settle(pilot)
        assert first.n not in [r.n for r in screen.rows]
        assert screen.current().n == screen.rows[0].n
    with Inbox.open(project) as inbox:
        assert [r.n for r in inbox.rows(("dismissed",))] == [first.n]


async def test_draft_opens_the_form_filled_with_suggestions_and_saving_marks_the_row(
    project: Path, web
):
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inbox(pilot)
        await fetch(pilot)
        wto = next(r for r in screen.rows if r.title == ARTICLES["023"].title)
        index = screen.rows.index(wto)
        screen.query_one("#inbox-rows", DataTable).move_cursor(row=index)
        await settle(pilot)
        await pilot.press("d")
        for _ in range(100):
            await settle(pilot)
            if isinstance(app.screen, EvidenceForm):
                break
            await asyncio.sleep(0.05)
        form = app.screen
        assert isinstance(form, EvidenceForm)
        await settle(pilot)
        assert form.query_one("#f-title", TextArea).text == ARTICLES["023"].title
        assert form.query_one("#f-url", Input).value == f"{web.base}/art/wto"
        assert form.query_one("#f-date", Input).value == "2024-02-28"
        offered = form.query_one("#suggestions", OptionList)
        ids = [str(offered.get_option_at_index(i).prompt) for i in range(offered.option_count)]
        wanted = next(i for i, text in enumerate(ids) if "open-belarus-wto" in text)
        offered.focus()
        offered.highlighted = wanted
        await pilot.press("enter")  # one key: an assessment of the suggested recommendation
        await settle(pilot)
        assert form.query(".a-recommendation").first(Input).value == "open-belarus-wto"
        article = form.query_one("#article", TextArea).text
        assert "accession" in article and len(article) > 1500  # the page, fetched for the draft

        form.set_field("reliability", "B")
        form.set_field("credibility", "2")
        form.set_field("publisher", "Interfax")
        quote = "Belarus has urged the World Trade Organization (WTO)"
        form.query_one("#f-quote", TextArea).load_text(quote)
        block = form.query(".assessment").first()
        block.query(".a-impact").first(Input).value = "1"
        block.query(".a-confidence").first(Input).value = "moderate"
        block.query(".a-rationale").first(TextArea).load_text("Minsk still seeks accession.")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen), form.query_one("#errors").render()
        assert wto.n not in [r.n for r in app.screen.rows]
        await pilot.press("escape")
        await settle(pilot)
    with Inbox.open(project) as inbox:
        [drafted] = inbox.rows(("drafted",))
    assert drafted.n == wto.n and drafted.draft.startswith("2024-02-28-")
    assert (project / "evidence" / "2024" / f"{drafted.draft}.toml").is_file()
