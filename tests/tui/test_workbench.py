"""The workbench driven headless with the Pilot: every flow an analyst uses, on real files."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Header, OptionList, TextArea, Tree

from tests.conftest import evidence_toml, write_evidence
from tests.tui.helpers import (
    SIZE,
    field_value,
    make_app,
    select_node,
    set_input,
    settle,
    text_of,
    timeline_ids,
    tree_ids,
)
from tracker.reports.figures import signed
from tracker.tui.widgets import node_label, status_text
from tracker.workspace import open_workspace

HOSTILE = "[bold]bold[/] [/] [link=https://evil.example]click[/link] <script>x</script> \x1b[31mred"


@pytest.fixture
def project(mini: Path) -> Path:
    write_evidence(mini, evidence_toml())
    write_evidence(
        mini,
        evidence_toml(
            "2025-06-10-west-talks", date="2025-06-10", recommendation="balance-west", impact=-3
        ),
    )
    write_evidence(
        mini,
        evidence_toml("2026-02-01-later", date="2026-02-01", recommendation="reboot", impact=1),
    )
    return mini


async def test_browse_shows_tree_and_detail(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert tree_ids(app) == [
            "precondition",
            "reboot",
            "priorities",
            "balance",
            "balance-west",
            "balance-russia",
        ]
        assert app.main.current == "precondition"
        await pilot.press("down")
        await pilot.pause()
        assert app.main.current == "reboot"
        assert "Reboot the political system" in text_of(app, "#node-head")
        assert timeline_ids(app) == ["2026-02-01-later", "2025-03-01-an-event"]
        # a section's timeline gathers its descendants' evidence
        await select_node(pilot, "priorities")
        assert timeline_ids(app) == ["2025-06-10-west-talks"]


async def test_open_evidence_and_jump(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_node(pilot, "balance-west")
        app.screen.query_one("#timeline", OptionList).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "EvidenceScreen"
        record = text_of(app, "#record-text")
        assert "An event" in record and "Something happened." in record
        assert "usually reliable" in record and "probably true" in record
        assert "Because." in text_of(app, "#assessments")
        await pilot.press("j", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"
        assert app.main.current == "balance-west"


async def test_as_of_date_changes_the_picture(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_node(pilot, "reboot")
        assert len(timeline_ids(app)) == 2
        await pilot.press("left_curly_bracket")  # a quarter back: 2026-08-24
        await settle(pilot)
        assert str(app.session.as_of) == "2026-08-24"
        await pilot.press("a")
        await pilot.pause()
        set_input(app, "#as-of", "2025-12")
        await pilot.press("enter")
        await settle(pilot)
        assert str(app.session.as_of) == "2025-12-31"
        assert timeline_ids(app) == ["2025-03-01-an-event"]
        assert "2025-12-31" in app.screen.sub_title
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert str(app.session.as_of) == "2025-11-30"
        await pilot.press("a")
        await pilot.pause()
        set_input(app, "#as-of", "not a date")
        await pilot.press("enter")
        await pilot.pause()
        assert "is not a date" in text_of(app, "#as-of-error")


def _expected(project: Path, as_of: dt.date) -> dict:
    """Every node's score at `as_of`, straight from the scoring model."""
    return open_workspace(project, speed=False).scores(as_of, detail=())


def _assert_screen_shows(app, project: Path, as_of: dt.date) -> None:
    """Every tree row, the header, the detail's score, chart and timeline are `as_of`'s."""
    expected = _expected(project, as_of)
    tree = app.screen.query_one("#tree", Tree)
    stack = list(tree.root.children)
    assert stack
    while stack:
        item = stack.pop()
        stack.extend(item.children)
        score = expected[item.data]
        label = node_label(
            score.title, score.status, score.score, score.trend_arrow, words=app.main._words
        )
        assert item.label.plain == label.plain, item.data
    assert as_of.isoformat() in str(app.screen.query_one(Header).screen_sub_title)
    current = expected[app.main.current]
    shown = text_of(app, "#node-score")
    assert f"Standing {signed(current.score, 2)} ({current.band})" in shown
    assert status_text(current.status).plain in shown
    assert f"Movement {current.trend_arrow or '·'} {signed(current.trend, 2)}" in shown
    assert f"{current.evidence_count} item" in shown
    assert f"… {as_of.isoformat()}" in text_of(app, "#chart-label")
    rows, _ = app.session.entries(app.main.current)
    assert timeline_ids(app) == [row.evidence_id for row in rows]
    assert all(row.date <= as_of for row in rows)


@pytest.mark.parametrize("inline_history", [True, False])
async def test_as_of_change_redraws_every_figure(
    project: Path, monkeypatch: pytest.MonkeyPatch, inline_history: bool
) -> None:
    """Labels are updated in place, the detail once: nothing may keep the old date's figures
    (and a chart swept in its worker, for a big subtree, must follow too)."""
    if not inline_history:
        monkeypatch.setattr("tracker.tui.screens.main.INLINE_HISTORY", -1)
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_node(pilot, "priorities")
        await settle(pilot)
        _assert_screen_shows(app, project, app.session.as_of)
        await pilot.press("a")
        await pilot.pause()
        set_input(app, "#as-of", "2025-12")
        await pilot.press("enter")
        await settle(pilot)
        _assert_screen_shows(app, project, dt.date(2025, 12, 31))
        for key, date in (
            ("left_curly_bracket", dt.date(2025, 9, 30)),
            ("left_curly_bracket", dt.date(2025, 6, 30)),
            ("left_curly_bracket", dt.date(2025, 3, 30)),
            ("left_square_bracket", dt.date(2025, 2, 28)),
            ("right_curly_bracket", dt.date(2025, 5, 28)),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert app.session.as_of == date
            _assert_screen_shows(app, project, date)
        await select_node(pilot, "reboot")
        await settle(pilot)
        _assert_screen_shows(app, project, app.session.as_of)


async def test_the_detail_follows_the_cursor_after_an_as_of_change(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.main.current == "precondition"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert app.main.current == "reboot"
        assert "Reboot the political system" in text_of(app, "#node-head")
        _assert_screen_shows(app, project, app.session.as_of)


async def test_as_of_change_under_a_status_filter_rebuilds_the_tree(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.status_filter = "no-evidence"
        app.main.rebuild_tree()
        await settle(pilot)
        before = tree_ids(app)
        app.main.set_as_of(dt.date(2024, 1, 1))  # before any evidence: no node has any
        await settle(pilot)
        assert len(tree_ids(app)) == 6 and tree_ids(app) != before
        _assert_screen_shows(app, project, dt.date(2024, 1, 1))


async def test_reload_rebuilds_the_tree_and_the_detail(project: Path) -> None:
    """An as-of change only relabels the tree; a reload must show the paper as it now is."""
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_node(pilot, "reboot")
        papers = project / "recommendations.toml"
        papers.write_text(
            papers.read_text("utf-8").replace(
                "Reboot the political system.", "Reboot the political system, reworded."
            )
            + '\n[[node]]\nid = "neutrality"\nparent = "priorities"\nkind = "recommendation"\n'
            'title = "Neutrality"\n',
            "utf-8",
        )
        await pilot.press("r")
        await settle(pilot)
        assert "neutrality" in tree_ids(app)
        assert app.main.current == "reboot"
        assert "reworded" in text_of(app, "#node-text")
        _assert_screen_shows(app, project, app.session.as_of)


ARTICLE = """Minsk releases political prisoners

BELTA, 12 March 2025. The president pardoned 23 political prisoners on Tuesday,
the press service said.

A second paragraph that must survive the paste.
[bold]not markup[/bold]"""


async def open_form(pilot) -> None:
    await pilot.press("n")
    await pilot.pause()
    assert type(pilot.app.screen).__name__ == "EvidenceForm"


async def test_paste_article_keeps_every_line(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot)
        area = app.screen.query_one("#article", TextArea)
        assert app.focused is area
        app.post_message(events.Paste(ARTICLE))  # as the terminal delivers a paste
        await settle(pilot)
        await settle(pilot)
        assert area.text == ARTICLE
        # the import (tracker.ingest) filled the empty fields from the paste
        assert field_value(app, "#f-title")


async def fill_form(app, *, quote: str = "The president pardoned 23 political prisoners") -> None:
    for name, value in {
        "id": "2025-03-12-pardon",
        "title": "Minsk pardons 23",
        "date": "2025-03-12",
        "publisher": "BELTA",
        "reliability": "C",
        "credibility": "3",
    }.items():
        set_input(app, f"#f-{name}", value)
    app.screen.query_one("#f-quote", TextArea).load_text(quote)
    set_input(app, ".a-recommendation", "reboot")
    set_input(app, ".a-impact", "2")
    set_input(app, ".a-confidence", "moderate")
    set_input(app, ".a-rationale", "A formal pardon: a step toward the reboot.")


async def test_score_and_save_writes_a_valid_file(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot)
        app.screen.query_one("#article", TextArea).load_text(ARTICLE)
        await fill_form(app)
        set_input(app, ".a-impact", "9")
        await pilot.pause(0.3)
        assert "assessment[1].impact: should be less than or equal to 5, not 9" in text_of(
            app, "#errors"
        )
        set_input(app, "#f-reliability", "C")
        await pilot.pause(0.3)
        hint = app.screen.query_one("#f-reliability").parent.query_one(".hint")
        assert "C: fairly reliable" in str(hint.render())
        set_input(app, ".a-impact", "2")
        await pilot.pause(0.3)
        assert "valid" in text_of(app, "#errors")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
    loaded = open_workspace(project, speed=False)
    assert [p for p in loaded.problems if p.severity == "error"] == []
    saved = loaded.evidence_file("2025-03-12-pardon")
    assert saved is not None and saved.path == "evidence/2025/2025-03-12-pardon.toml"
    assert saved.item.assessments[0].impact == 2
    assert saved.item.source.reliability == "C"
    archive = (project / saved.path).with_suffix(".txt").read_text("utf-8")
    assert "A second paragraph that must survive the paste." in archive


async def test_unknown_recommendation_is_reported_as_check_words_it(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot)
        await fill_form(app)
        set_input(app, ".a-recommendation", "rebot")
        await pilot.pause(0.3)
        assert "unknown recommendation 'rebot'; did you mean 'reboot'?" in text_of(app, "#errors")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not (project / "evidence/2025/2025-03-12-pardon.toml").exists()


async def test_refuses_to_overwrite_a_file_changed_on_disk(project: Path) -> None:
    path = project / "evidence/2025/2025-03-01-an-event.toml"
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.open_evidence("2025-03-01-an-event")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        set_input(app, "#f-title", "My edit")
        other = path.read_text("utf-8").replace('"An event"', '"Someone else\'s edit"')
        path.write_text(other, "utf-8")
        await pilot.pause(0.3)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        assert "changed on disk" in text_of(app, "Static")
        assert path.read_text("utf-8") == other
        await pilot.press("y")  # reload
        await settle(pilot)
        assert app.session.project.evidence_file("2025-03-01-an-event").item.title == (
            "Someone else's edit"
        )


async def test_closing_with_unsaved_changes_asks(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot)
        set_input(app, "#f-title", "Half written")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")
        await pilot.pause()
        assert field_value(app, "#f-title") == "Half written"
        await pilot.press("escape", "y")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"


async def test_remove_evidence(project: Path) -> None:
    path = project / "evidence/2025/2025-06-10-west-talks.toml"
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.open_evidence("2025-06-10-west-talks")
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("n")  # keep
        await pilot.pause()
        assert path.exists()
        await pilot.press("d", "y")
        await settle(pilot)
        assert not path.exists()
        assert app.session.project.evidence_file("2025-06-10-west-talks") is None


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


async def test_commit_from_the_workbench(project: Path) -> None:
    git(project, "init", "-q")
    git(project, "config", "user.name", "Analyst")
    git(project, "config", "user.email", "analyst@example.org")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start")
    write_evidence(project, evidence_toml("2025-07-01-new", date="2025-07-01"))
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "evidence/2025/2025-07-01-new.toml" in text_of(app, "#changes")
        area = app.screen.query_one("#message", TextArea)
        assert area.text.strip()
        area.load_text("Add the July event")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
    assert git(project, "log", "-1", "--format=%s").strip() == "Add the July event"
    assert git(project, "status", "--porcelain").strip() == ""


async def test_commit_explains_why_not(mini: Path) -> None:
    app = make_app(mini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert "git" in text_of(app, "#commit-error").lower()
        await pilot.press("escape")


async def test_filter_by_text_and_status(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"russia")
        await pilot.pause()
        assert tree_ids(app) == ["priorities", "balance", "balance-russia"]
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert len(tree_ids(app)) == 6
        if app.session.scores is not None:
            await pilot.press("s")  # the first status in the cycle
            await pilot.pause()
            wanted = app.main.status_filter
            shown = [i for i in tree_ids(app) if app.session.scores[i].status == wanted]
            assert all(
                app.session.scores[i].status == wanted
                or i in ("precondition", "priorities", "balance")
                for i in tree_ids(app)
            )
            assert shown or tree_ids(app) == []


async def test_search_evidence(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f", *"outlet")
        await pilot.pause()
        results = app.screen.query_one("#results", OptionList)
        assert results.option_count == 3
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "EvidenceScreen"


async def test_empty_repository_shows_guidance(mini: Path) -> None:
    app = make_app(mini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "No evidence yet" in text_of(app, "#banner")
        assert "newest first: 0 items" in text_of(app, "#timeline-label")


async def test_broken_file_shows_problems_and_the_rest_stays_usable(project: Path) -> None:
    write_evidence(
        project,
        'id = "2025-08-01-broken"\ntitle = "x"\ndate = "2025-08-01"\n',
        "evidence/2025/2025-08-01-broken.toml",
    )
    expected = [p.render() for p in open_workspace(project, speed=False).problems]
    assert expected
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        banner = text_of(app, "#banner")
        assert "error(s)" in banner
        assert expected[0] in banner
        await pilot.press("p")
        await pilot.pause()
        shown = text_of(app, "#problem-list")
        assert all(line in shown for line in expected)
        await pilot.press("escape")
        await select_node(pilot, "reboot")
        assert len(timeline_ids(app)) == 2


async def test_broken_recommendations_file(mini: Path) -> None:
    (mini / "recommendations.toml").write_text("schema = 1\n[paper\n", "utf-8")
    app = make_app(mini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        banner = text_of(app, "#banner")
        assert "recommendations.toml" in banner and "No recommendations could be read" in banner


async def test_markup_in_article_text_is_shown_literally(mini: Path) -> None:
    text = (
        evidence_toml("2025-05-01-hostile", date="2025-05-01")
        .replace(
            'title = "An event"', 'title = "[bold]bold[/] [/] [link=https://evil.example]x[/link]"'
        )
        .replace(
            'quote = "Something happened."',
            'quote = "<script>alert(1)</script> \\u001b[31mred [/]"',
        )
    )
    write_evidence(mini, text)
    app = make_app(mini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems = app.session.project.problems
        if app.session.project.evidence_file("2025-05-01-hostile") is None:
            # the model rejects the escape character: the problem is shown, not the text
            assert any("escape" in p.message for p in problems)
            assert "escape sequence" in text_of(app, "#banner")
            return
        app.main.open_evidence("2025-05-01-hostile")
        await pilot.pause()
        record = text_of(app, "#record-text")
        assert "[bold]bold[/] [/] [link=https://evil.example]x[/link]" in record


async def test_hostile_text_in_form_and_detail_is_literal(mini: Path) -> None:
    title = "[bold]b[/] [/] [link=https://e.example]x[/link] <script>"
    text = (
        evidence_toml("2025-05-01-hostile", date="2025-05-01")
        .replace('title = "An event"', f'title = "{title}"')
        .replace('quote = "Something happened."', 'quote = "[red]quoted[/red] <b>x</b>"')
    )
    write_evidence(mini, text)
    app = make_app(mini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.session.project.errors == []
        await select_node(pilot, "reboot")
        assert title in timeline_rows(app)[0]
        app.main.open_evidence("2025-05-01-hostile")
        await pilot.pause()
        record = text_of(app, "#record-text")
        assert title in record and "[red]quoted[/red] <b>x</b>" in record
        await pilot.press("e")
        await pilot.pause()
        area = app.screen.query_one("#article", TextArea)
        area.focus()
        await pilot.pause()
        app.post_message(events.Paste(HOSTILE))
        await settle(pilot)
        assert "[bold]bold[/]" in area.text


def test_literal_replaces_control_characters() -> None:
    from tracker.tui.widgets import literal

    shown = literal(HOSTILE)
    assert "\x1b" not in shown.plain and "\\x1b[31mred" in shown.plain
    assert "[bold]bold[/]" in shown.plain and shown.spans == []


async def test_help_and_palette_hold_every_action(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "New",
            "Explain",
            "History",
            "Export",
            "Check",
            "Legend",
            "Panes",
            "Filter",
            "Search",
            "As of",
            "Month back",
            "Commit",
            "Problems",
            "Reload",
            "Help: keys and flows",
        ):
            assert wanted in titles
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"


def test_cli_commands_do_not_import_textual() -> None:
    code = (
        "import sys, tracker.cli as c; c.build_parser(); "
        "import tracker.tui.session, tracker.tui.widgets; "
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def timeline_rows(app) -> list[str]:
    """Each evidence row of the detail as it reads (date, way, weight, source, then title)."""
    table = app.screen.query_one("#timeline", OptionList)
    return [str(table.get_option_at_index(i).prompt) for i in range(table.option_count)]


async def test_the_workbench_holds_no_item_only_the_rows_it_shows(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_node(pilot, "reboot")
        assert timeline_ids(app) == ["2026-02-01-later", "2025-03-01-an-event"]
        rows = timeline_rows(app)
        assert [row.split("\n")[0].split("  ")[-1] for row in rows] == ["Outlet", "Outlet"]
        assert [row.split("\n")[1].strip() for row in rows] == ["An event", "An event"]
        assert set(app.session._items) == {
            "evidence/2026/2026-02-01-later.toml",
            "evidence/2025/2025-03-01-an-event.toml",
        }


async def test_a_row_whose_file_went_away_says_so(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (project / "evidence/2025/2025-06-10-west-talks.toml").unlink()  # not shown yet
        await select_node(pilot, "balance-west")
        assert timeline_ids(app) == ["2025-06-10-west-talks"]
        assert timeline_rows(app)[0].split("\n")[1].strip().startswith("(changed on disk")
        app.screen.query_one("#timeline", OptionList).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"  # told, not crashed


async def test_the_form_finds_a_taken_id_and_url(mini: Path) -> None:
    write_evidence(mini, evidence_toml(url="https://example.org/news/1"))
    app = make_app(mini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_form(pilot)
        await fill_form(app)
        set_input(app, "#f-id", "2025-03-01-an-event")  # filed under 2025-03-12's folder
        set_input(app, "#f-date", "2026-03-12")
        set_input(app, "#f-url", "https://www.example.org/news/1?utm_source=x")
        await pilot.pause(0.3)
        errors = text_of(app, "#errors")
        where = "evidence/2025/2025-03-01-an-event.toml"
        assert f"duplicate evidence id '2025-03-01-an-event' (also in {where})" in errors
        assert f"the same URL is already evidence in {where}" in errors


async def test_the_evidence_screen_lists_the_other_reports_of_its_event(mini: Path) -> None:
    write_evidence(mini, evidence_toml("2025-03-01-first", event="2025-03-amnesty"))
    write_evidence(
        mini,
        evidence_toml(
            "2025-03-02-retold", date="2025-03-02", event="2025-03-amnesty", impact=1
        ).replace('title = "An event"', 'title = "Retold"'),
    )
    write_evidence(mini, evidence_toml("2025-03-03-other", date="2025-03-03"))
    app = make_app(mini)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.open_evidence("2025-03-01-first")
        await pilot.pause()
        same = text_of(app, "#same-event")
        assert "Retold" in same and "2025-03-02" in same
        assert "2025-03-03" not in same


async def test_tracker_tui_opens_a_session_loaded_before_the_app(project: Path) -> None:
    from tracker.cli.commands.tui import preloaded_session
    from tracker.tui.app import WorkbenchApp

    session = preloaded_session(project)
    assert session.project is not None and session.project.evidence_count == 3
    app = WorkbenchApp(project, session=session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not [w for w in app.workers if w.group == "load"]  # nothing loaded again
        assert tree_ids(app)[:2] == ["precondition", "reboot"]
        assert app.main.current == "precondition"
        await pilot.press("down")  # the detail follows the cursor from the first key on
        await pilot.pause()
        assert app.main.current == "reboot"
        assert timeline_ids(app) == ["2026-02-01-later", "2025-03-01-an-event"]
        await pilot.press("up")
        await pilot.pause()
        assert app.main.current == "precondition"
