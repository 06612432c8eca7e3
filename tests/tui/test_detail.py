"""The detail pane reads at any size: signed figures, counts that agree, a chart with zero in
the middle, the evidence as a list, and explain, history, legend, export and check one key
away."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Tree

from tests.conftest import evidence_toml, write_evidence
from tests.tui.helpers import make_app, select_node, set_input, settle, text_of, tree_ids
from tracker.tui.widgets import FOLD, STATUS, chart_rows, direction, node_label


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


def test_a_small_negative_score_keeps_its_sign() -> None:
    label = node_label("Title", "regressing", -0.05, "↓").plain
    assert "-0.05" in label and "+0.0" not in label
    assert node_label("Title", "stalled", -0.004, "→").plain.startswith("= -0.00")
    assert node_label("Title", "stalled", 0.0, "→").plain.startswith("=  0.00")
    narrow = node_label("Title", "regressing", -0.05, "↓", words=False).plain
    assert narrow == "− -0.05 ↓ Title"


def test_fold_marks_status_symbols_and_directions_are_distinct() -> None:
    symbols = {symbol for symbol, _, _ in STATUS.values()}
    folds = {mark.strip() for mark in FOLD}
    arrows = {direction(i).plain[0] for i in (-3, 0, 3)}
    assert arrows == {"↑", "↓", "→"}
    assert not (symbols & folds) and not (symbols & arrows) and not (folds & arrows)


def test_the_chart_puts_zero_in_the_middle() -> None:
    rows = chart_rows([0.0, -0.23, 0.5, -0.5], half=2, scale=0.5)
    assert len(rows) == 5
    axis = rows[2]
    assert axis == "────"
    assert [row[0] for row in rows] == [" ", " ", "─", " ", " "]  # zero: the bare axis
    assert rows[0][2] == "█" and rows[1][2] == "█"  # +0.5 fills the upper half
    assert rows[3][3] == "█" and rows[4][3] == "█"  # -0.5 fills the lower half
    assert rows[3][1] != " " and rows[0][1] == rows[1][1] == " "  # -0.23 hangs below
    assert chart_rows([0.001], half=2)[1] != " "  # a non-zero value never draws as zero


async def test_counts_agree_and_the_evidence_list_wraps(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select_node(pilot, "reboot")
        await settle(pilot)
        score = app.session.scores["reboot"]
        assert "2 items count" in text_of(app, "#node-score") and score.evidence_count == 2
        assert "newest first: 2 items" in text_of(app, "#timeline-label")
        table = app.screen.query_one("#timeline", OptionList)
        prompt = str(table.get_option_at_index(0).prompt)
        assert prompt.startswith("2026-02-01  ↑ toward +1") and "\n  An event" in prompt


async def test_the_tree_shows_titles_at_80_columns(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause()
        tree = app.screen.query_one("#tree", Tree)
        label = tree.root.children[1].label.plain  # priorities
        assert "Priorities" in label and "regressing" not in label  # the symbol carries it
    app = make_app(project)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.pause()
        label = app.screen.query_one("#tree", Tree).root.children[1].label.plain
        assert "regressing" in label  # room for the words


async def test_footer_keeps_help_and_quit_at_80_columns(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = [key for key in app.screen.query("FooterKey") if key.region.width]
        shown = [key.description for key in keys if key.region.right <= 80]
        assert shown[:2] == ["Help", "Quit"]


async def test_panes_toggle_and_resize(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        left, detail = app.screen.query_one("#left"), app.screen.query_one("#detail")
        await pilot.press("w")
        await pilot.pause()
        assert left.display and not detail.display  # the tree alone, titles in full
        await pilot.press("w")
        await pilot.pause()
        assert detail.display and not left.display  # the detail alone
        await pilot.press("w")
        await pilot.pause()
        assert left.display and detail.display
        before = left.size.width
        await pilot.press("plus")
        await pilot.pause()
        assert left.size.width == before + 8
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert left.size.width == before - 8


async def test_a_filter_that_matches_nothing_says_so(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select_node(pilot, "reboot")
        await pilot.press("slash", *"zzzz")
        await pilot.pause()
        assert tree_ids(app) == []
        assert "Nothing matches" in text_of(app, "#filters")
        assert app.main.current is None  # no node the filter hides stays in the detail
        assert "Nothing matches the filter" in text_of(app, "#node-head")
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert len(tree_ids(app)) == 6
        # a status no node has: said as well
        app.main.status_filter = "achieved"
        app.main.rebuild_tree()
        await pilot.pause()
        assert tree_ids(app) == [] and "Nothing matches" in text_of(app, "#filters")


async def test_explain_lists_what_counts_and_what_does_not(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await select_node(pilot, "reboot")
        app.main.set_as_of(app.session.as_of.replace(year=2025, month=12, day=31))
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert type(app.screen).__name__ == "ExplainScreen"
        shown = text_of(app, "#report")
        assert "evidence that counts" in shown and "totals" in shown
        assert "evidence that does not count" in shown and "after as of" in shown
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "MainScreen"


async def test_explain_shows_why_a_report_does_not_count(mini: Path) -> None:
    write_evidence(mini, evidence_toml("2025-03-01-first", event="2025-03-amnesty"))
    write_evidence(
        mini, evidence_toml("2025-03-02-retold", date="2025-03-02", event="2025-03-amnesty")
    )
    app = make_app(mini)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await select_node(pilot, "reboot")
        await settle(pilot)
        assert "1 does not (x: why)" in text_of(app, "#node-score")
        await pilot.press("x")
        await settle(pilot)
        shown = text_of(app, "#report")
        assert "does not count" in shown and "already counted" in shown


async def test_history_legend_export_and_check(project: Path, tmp_path: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await select_node(pilot, "priorities")
        await pilot.press("h")
        await settle(pilot)
        assert type(app.screen).__name__ == "HistoryScreen"
        assert "zero is mid-height" in text_of(app, "#report")
        await pilot.press("escape", "l")
        await pilot.pause()
        assert type(app.screen).__name__ == "LegendScreen"
        assert "no clear movement" in text_of(app, "#legend")
        await pilot.press("escape", "e")
        await pilot.pause()
        assert type(app.screen).__name__ == "ExportScreen"
        set_input(app, "#export-path", str(project / "evidence" / "status.md"))
        await pilot.press("enter")
        await settle(pilot)
        assert "data files" in text_of(app, "#export-error")  # never into the data
        target = tmp_path / "status.csv"
        set_input(app, "#export-path", str(target))
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"
        assert "balance-west" in target.read_text("utf-8")
        await pilot.press("k")
        await settle(pilot)
        await settle(pilot)
        assert type(app.screen).__name__ == "ProblemsScreen"
        assert text_of(app, ".dialog-title").startswith("ok: 0 error(s)")


async def test_the_palette_offers_explain_history_export_and_check(project: Path) -> None:
    app = make_app(project)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Explain", "History", "Export", "Check", "Legend"} <= titles
