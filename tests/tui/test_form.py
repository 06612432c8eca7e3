"""The evidence form by keys: every binding on a new and an edit form, the full flow from a
paste to a commit, imports from a file and a URL (and cancelling one), and the recovery draft
that keeps what was typed when the workbench meets an unexpected error."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, OptionList, TextArea

from tests.conftest import evidence_toml, write_evidence
from tests.tui.helpers import SIZE, field_value, make_app, set_input, settle, text_of
from tracker.tui import recovery
from tracker.tui.screens.form import AssessmentBlock, EvidenceForm
from tracker.workspace import open_workspace

ARTICLE = """Minsk pardons 23 political prisoners

BELTA, 12 March 2025. The president pardoned 23 political prisoners on Tuesday, the press
service said. Relations with the West and relations with Russia were discussed.

A second paragraph that must survive the paste."""

QUOTE = "The president pardoned 23 political prisoners on Tuesday"


@pytest.fixture
def project(mini: Path) -> Path:
    write_evidence(mini, evidence_toml())
    write_evidence(
        mini,
        evidence_toml(
            "2025-06-10-west-talks", date="2025-06-10", recommendation="balance-west", impact=-3
        ),
    )
    return mini


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "config", "user.name", "Ana Analyst")
    git(root, "config", "user.email", "ana@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")


async def open_form(pilot, kind: str) -> EvidenceForm:
    """A new form (n on the main screen) or an edit form (e on an evidence screen)."""
    if kind == "new":
        await pilot.press("n")
    else:
        pilot.app.main.open_evidence("2025-03-01-an-event")
        await pilot.pause()
        await pilot.press("e")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, EvidenceForm)
    return form


def blocks(app) -> list[AssessmentBlock]:
    return list(app.screen.query(AssessmentBlock))


async def type_into(pilot, widget, text: str) -> None:
    widget.focus()
    await pilot.pause()
    if isinstance(widget, Input):
        widget.value = ""
    await pilot.press(*text)


# --- every binding, on a new and an edit form ---------------------------------------------------


@pytest.mark.parametrize("kind", ["new", "edit"])
async def test_ctrl_n_adds_an_assessment_and_picks_its_recommendation(project, kind) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, kind)
        area = form.query_one("#f-quote", TextArea)
        await type_into(pilot, area, "typed ")
        before = len(blocks(app))
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert type(app.screen).__name__ == "RecommendationPicker"
        await pilot.press(*"relations west")
        await pilot.pause()
        assert app.screen.query_one("#pick-list", OptionList).option_count >= 1
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form  # no crash, nothing lost
        assert "typed" in form.query_one("#f-quote", TextArea).text
        added = blocks(app)[-1]
        wanted = before + (1 if kind == "edit" else 0)  # a new form fills its blank one
        assert len(blocks(app)) == wanted
        assert added.field("recommendation").value == "balance-west"
        assert "Relations with the West" in str(added.query_one(".a-title").render())
        assert app.focused is added.field("impact")
        await pilot.press("ctrl+n", "escape")  # a picker left alone: the field takes focus
        await settle(pilot)  # the new block is mounted before it is looked at
        assert app.screen is form and app.focused is blocks(app)[-1].field("recommendation")


@pytest.mark.parametrize("kind", ["new", "edit"])
async def test_ctrl_g_picks_the_recommendation_by_title(project, kind) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, kind)
        first = blocks(app)[0]
        first.field("impact").focus()
        await pilot.press("ctrl+g")
        await pilot.pause()
        picker = app.screen
        assert type(picker).__name__ == "RecommendationPicker"
        query = picker.query_one("#pick-query", Input)
        query.value = ""
        await pilot.press(*"russia")
        await pilot.pause()
        assert picker.query_one("#pick-list", OptionList).get_option_at_index(0).id == (
            "balance-russia"
        )
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        assert first.field("recommendation").value == "balance-russia"
        assert first.border_title == "assessment: balance-russia"


@pytest.mark.parametrize("kind", ["new", "edit"])
async def test_ctrl_r_fills_from_the_article_and_lists_suggestions(project, kind) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, kind)
        form.query_one("#article", TextArea).load_text(ARTICLE)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await settle(pilot)
        suggestions = form.query_one("#suggestions", OptionList)
        assert suggestions.display and suggestions.option_count >= 1
        ids = [suggestions.get_option_at_index(i).id for i in range(suggestions.option_count)]
        assert "reboot" in ids
        # enter on a suggestion: an assessment for it (a node already assessed is not doubled)
        wanted = next(
            i for i in ids if i not in [b.field("recommendation").value for b in blocks(app)]
        )
        suggestions.focus()
        suggestions.highlighted = ids.index(wanted)
        before = len(blocks(app))
        await pilot.press("enter")
        await settle(pilot)
        assert blocks(app)[-1].field("recommendation").value == wanted
        assert len(blocks(app)) == (before if kind == "new" else before + 1)
        if kind == "new":
            assert field_value(app, "#f-title") == "Minsk pardons 23 political prisoners"
            assert field_value(app, "#f-date") == "2025-03-12"
        else:  # what the analyst has written is never overwritten by an import
            assert field_value(app, "#f-title") == "An event"


@pytest.mark.parametrize("kind", ["new", "edit"])
async def test_ctrl_o_imports_a_chosen_file(project, tmp_path, kind) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, "utf-8")
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, kind)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert type(app.screen).__name__ == "FileScreen"
        set_input(app, "#path", str(tmp_path / "nothing-here.txt"))
        await pilot.press("enter")
        await pilot.pause()
        assert "no such file" in text_of(app, "#path-error")
        set_input(app, "#path", str(article))
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#suggestions", OptionList).option_count >= 1
        if kind == "new":
            assert "A second paragraph" in field_value(app, "#article")


class ArticleHandler(BaseHTTPRequestHandler):
    delay = 0.0

    def do_GET(self) -> None:
        time.sleep(self.delay)
        body = ARTICLE.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serving(delay: float = 0.0) -> Iterator[str]:
    handler = type("Handler", (ArticleHandler,), {"delay": delay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/2025/03/12/pardon"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", ["new", "edit"])
async def test_ctrl_l_fetches_a_url_in_a_worker(project, kind) -> None:
    app = make_app(project)
    with serving(delay=0.5) as url:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            form = await open_form(pilot, kind)
            await pilot.press("ctrl+l")
            await pilot.pause()
            assert type(app.screen).__name__ == "AskScreen"
            set_input(app, "#answer", url)
            await pilot.press("enter")
            await pilot.pause()
            # the fetch runs in its thread: the form keeps taking keys meanwhile
            assert [w for w in form.workers if w.group == "import" and not w.is_finished]
            await type_into(pilot, form.query_one("#f-claimant", Input), "x")
            assert field_value(app, "#f-claimant") == "x"
            await settle(pilot)
            await settle(pilot)
            assert app.screen is form
            assert form.query_one("#suggestions", OptionList).option_count >= 1
            if kind == "new":
                assert field_value(app, "#f-url") == url


async def test_escape_cancels_a_fetch_and_keeps_the_form(project) -> None:
    app = make_app(project)
    with serving(delay=1.0) as url:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            form = await open_form(pilot, "new")
            set_input(app, "#f-title", "Mine")
            await pilot.press("ctrl+l")
            await pilot.pause()
            set_input(app, "#answer", url)
            await pilot.press("enter")
            await pilot.pause(0.2)
            await pilot.press("escape")  # cancels the fetch, does not close the form
            await pilot.pause()
            assert app.screen is form
            assert form.import_cancel is not None and form.import_cancel.is_set()
            assert not form.query("#import-progress")
            await pilot.pause(1.5)  # the server answers after the cancel: nothing is applied
            await settle(pilot)
            assert field_value(app, "#article") == ""
            assert field_value(app, "#f-title") == "Mine"
            assert not form.query_one("#suggestions", OptionList).option_count


@pytest.mark.parametrize("kind", ["new", "edit"])
async def test_f1_escape_and_ctrl_s_on_the_form(project, kind) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, kind)
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form
        if kind == "new":
            await pilot.press("ctrl+s")  # nothing valid yet: told, not saved, not closed
            await pilot.pause()
            assert app.screen is form
            await pilot.press("escape")  # nothing typed: closes at once
            await pilot.pause()
            assert type(app.screen).__name__ == "MainScreen"
            return
        set_input(app, "#f-title", "An event, retitled")
        await pilot.pause(0.3)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
    saved = open_workspace(project, speed=False).evidence_file("2025-03-01-an-event")
    assert saved is not None and saved.item.title == "An event, retitled"


# --- the full flow ----------------------------------------------------------------------------


async def test_paste_two_suggestions_scales_save_commit(project) -> None:
    """Paste an article, take two suggestions with one key each, set the scales, save,
    commit: then `tracker check` is clean and git's log has the commit."""
    make_repo(project)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "new")
        app.post_message(events.Paste(ARTICLE))  # as the terminal delivers a paste
        await settle(pilot)
        await settle(pilot)
        suggestions = form.query_one("#suggestions", OptionList)
        assert app.focused is suggestions
        ids = [suggestions.get_option_at_index(i).id for i in range(suggestions.option_count)]
        first, second = ids[0], ids[1]
        await pilot.press("enter")  # one key: an assessment for the highlighted suggestion
        await pilot.press("down", "enter")  # and one for the next
        await settle(pilot)
        taken = blocks(app)
        assert [b.field("recommendation").value for b in taken] == [first, second]
        assert all(b.field("analyst").value == "Ana Analyst" for b in taken)  # git's user
        # the id followed the title and the date the import found
        assert field_value(app, "#f-id") == "2025-03-12-minsk-pardons-23-political-prisoners"
        for block, impact in zip(taken, ("2", "-1"), strict=True):
            await type_into(pilot, block.field("impact"), impact)
            await type_into(pilot, block.field("confidence"), "moderate")
            await type_into(
                pilot, block.query_one(".a-rationale", TextArea), "A pardon, a formal step."
            )
        await type_into(pilot, taken[1].field("treatment"), "lasting")
        await type_into(pilot, form.query_one("#f-publisher", Input), "BELTA")
        await type_into(pilot, form.query_one("#f-reliability", Input), "B")
        await type_into(pilot, form.query_one("#f-credibility", Input), "2")
        form.query_one("#f-quote", TextArea).load_text(QUOTE)
        await pilot.pause(0.3)
        assert "valid" in text_of(app, "#errors"), text_of(app, "#errors")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
        assert recovery.load(project) is None  # saved: nothing left to recover
        await pilot.press("c")
        await settle(pilot)
        assert "2025-03-12-minsk-pardons-23-political-prisoners" in text_of(app, "#changes")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
    check = subprocess.run(
        [sys.executable, "-m", "tracker", "check", "-C", str(project)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 errors" in check.stdout
    assert "2025-03-12-minsk-pardons-23" in git(project, "log", "-1", "--stat")
    saved = open_workspace(project, speed=False).evidence_file(
        "2025-03-12-minsk-pardons-23-political-prisoners"
    )
    assert saved is not None
    assessments = saved.item.assessments
    assert [(a.recommendation, a.impact, a.analyst) for a in assessments] == [
        (first, 2, "Ana Analyst"),
        (second, -1, "Ana Analyst"),
    ]
    assert [a.treatment for a in assessments] == [None, "lasting"]


async def test_a_second_analyst_adds_a_parallel_assessment(project) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "edit")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"reboot", "enter")
        await settle(pilot)
        block = blocks(app)[-1]
        await type_into(pilot, block.field("impact"), "1")
        await type_into(pilot, block.field("confidence"), "low")
        await type_into(pilot, block.query_one(".a-rationale", TextArea), "Less sure.")
        await type_into(pilot, block.field("analyst"), "Second Analyst")
        await pilot.pause(0.3)
        assert "valid" in text_of(app, "#errors"), text_of(app, "#errors")
        assert form.item is not None
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = open_workspace(project, speed=False).evidence_file("2025-03-01-an-event")
    assert [(a.recommendation, a.analyst) for a in saved.item.assessments] == [
        ("reboot", None),
        ("reboot", "Second Analyst"),
    ]


async def test_the_id_follows_date_and_title_until_typed(project) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "new")
        await type_into(pilot, form.query_one("#f-title", TextArea), "Border reopens")
        await pilot.pause()
        assert field_value(app, "#f-id") == "border-reopens"  # no date: none invented
        await type_into(pilot, form.query_one("#f-date", Input), "2025-04-02")
        await pilot.pause()
        assert field_value(app, "#f-id") == "2025-04-02-border-reopens"
        await type_into(pilot, form.query_one("#f-id", Input), "my-own-id")
        await type_into(pilot, form.query_one("#f-date", Input), "2025-04-03")
        await pilot.pause()
        assert field_value(app, "#f-id") == "my-own-id"


async def test_a_treatment_follows_the_impact_until_set(project) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot, "new")
        block = blocks(app)[0]
        await type_into(pilot, block.field("impact"), "3")
        await pilot.pause()
        hint = block.field("treatment").parent.query_one(".hint")
        assert "lasting, from impact +3" in str(hint.render())
        await type_into(pilot, block.field("impact"), "1")
        await pilot.pause()
        assert "transient, from impact +1" in str(hint.render())
        await type_into(pilot, block.field("treatment"), "lasting")
        await pilot.pause()
        assert "lasting (set here" in str(hint.render())


# --- nothing typed is lost ----------------------------------------------------------------------


async def test_an_unexpected_error_keeps_the_form_in_a_recovery_draft(project) -> None:
    app = make_app(project)

    def explode() -> None:
        raise RuntimeError("forced failure in the form")

    with pytest.raises(RuntimeError, match="forced failure"):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            form = await open_form(pilot, "new")
            await type_into(pilot, form.query_one("#f-title", TextArea), "Half typed title")
            block = blocks(app)[0]
            await type_into(pilot, block.field("impact"), "-2")
            await type_into(pilot, block.query_one(".a-rationale", TextArea), "My reasons")
            form.call_later(explode)  # an error in the form's own message queue
            await pilot.pause()
            await pilot.pause()
    assert app.return_code == 1  # the workbench exits non-zero
    assert app.crash_note and "kept in" in app.crash_note
    draft = recovery.load(project)
    assert draft is not None
    assert draft.title == "Half typed title"
    assert draft.assessments[0].fields["impact"] == "-2"
    assert draft.assessments[0].rationale == "My reasons"
    assert draft.fields["id"] == "half-typed-title"

    # The next start offers it; opening it gives the form back as it was.
    again = make_app(project)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(again.screen).__name__ == "RecoveryScreen"
        await pilot.press("o")
        await settle(pilot)
        form = again.screen
        assert isinstance(form, EvidenceForm)
        assert field_value(again, "#f-title") == "Half typed title"
        assert form.query(AssessmentBlock).first().field("impact").value == "-2"
        assert form.dirty
        await pilot.press("escape", "y")  # discard: the draft goes with it
        await pilot.pause()
    assert recovery.load(project) is None


async def test_typing_writes_the_recovery_draft_and_later_keeps_it(project) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "new")
        await type_into(pilot, form.query_one("#f-title", TextArea), "Typed")
        await pilot.pause(1.3)  # a second after the last change
        assert recovery.load(project).title == "Typed"
    again = make_app(project)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")  # later
        await pilot.pause()
        assert type(again.screen).__name__ == "MainScreen"
    assert recovery.load(project).title == "Typed"  # still kept
    third = make_app(project)
    async with third.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")  # discard
        await pilot.pause()
    assert recovery.load(project) is None


def test_a_damaged_recovery_file_is_ignored(project) -> None:
    target = recovery.path_for(project)
    target.parent.mkdir(parents=True, exist_ok=True)
    for content in ("not json", "[1, 2]", '{"fields": {"id": 3}, "assessments": [7]}'):
        target.write_text(content, "utf-8")
        draft = recovery.load(project)
        assert draft is None or (draft.fields == {} and draft.assessments == [])


async def test_quit_with_an_unsaved_form_asks(project) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "new")
        set_input(app, "#f-title", "Unsaved")
        await pilot.pause()
        await app.run_action("quit")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is form and field_value(app, "#f-title") == "Unsaved"


async def test_a_block_still_being_mounted_reads_as_what_it_was_given(project) -> None:
    """The form validates on a timer, which can fire while a new assessment's fields are
    still being composed: it reads the block as given, and never crashes."""
    from tracker.tui.screens.form import AssessmentBlock

    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "edit")
        block = AssessmentBlock(form.session, recommendation="reboot", analyst="Second")
        mounting = form.query_one("#assessments").mount(block)  # not awaited yet
        assert form.data()["assessment"][-1]["recommendation"] == "reboot"
        assert form.draft().assessments[-1].fields["analyst"] == "Second"
        form.validate_now()
        await mounting
        await settle(pilot)
        assert block.field("recommendation").value == "reboot"


async def test_a_month_from_the_url_fills_the_date_but_not_the_day_of_publication(
    project,
) -> None:
    """A URL's /2025/03/ dates the event to March; the source's day of publication is left
    for the analyst, never filled with the first of the month."""
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await open_form(pilot, "new")
        text = ARTICLE.replace(
            "Minsk pardons 23 political prisoners\n",
            "Minsk pardons 23 political prisoners\nhttps://example.org/2025/03/pardons/\n",
            1,
        ).replace("BELTA, 12 March 2025. ", "")
        form.query_one("#article", TextArea).load_text(text)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await settle(pilot)
        assert field_value(app, "#f-date") == "2025-03-01"
        assert field_value(app, "#f-date_precision") == "month"
        assert field_value(app, "#f-published") == ""
