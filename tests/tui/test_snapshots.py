"""How the workbench looks: the main screen, the evidence screen, the add-evidence form.

Fixed size, pinned TRACKER_TODAY (conftest), no cursor blink, every worker finished first.
Update with `pytest tests/tui --snapshot-update` only after reading the diff report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from tests.conftest import evidence_toml, write_evidence
from tests.tui.helpers import make_app, settle

# The smallest terminal the workbench is made for, and a large one it must use the room of.
SIZES = {"80x24": (80, 24), "160x50": (160, 50)}


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


async def _still(pilot) -> None:
    await settle(pilot)
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, project: Path, size: str) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("down")
        await _still(pilot)

    assert snap_compare(make_app(project), terminal_size=SIZES[size], run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_evidence_screen(snap_compare, project: Path, size: str) -> None:
    async def before(pilot) -> None:
        await settle(pilot)
        pilot.app.main.open_evidence("2025-06-10-west-talks")
        await _still(pilot)

    assert snap_compare(make_app(project), terminal_size=SIZES[size], run_before=before)


ARTICLE = """Minsk pardons 23 political prisoners

BELTA, 12 March 2025. The president pardoned 23 political prisoners on Tuesday, the press
service said. Relations with the West and relations with Russia were discussed."""


@pytest.mark.parametrize("size", SIZES)
def test_add_evidence_form(snap_compare, project: Path, size: str) -> None:
    """After a paste: the article, the suggestions (one taken), the record."""

    async def before(pilot) -> None:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        pilot.app.screen.query_one("#article", TextArea).load_text(ARTICLE)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await settle(pilot)
        await pilot.press("enter")
        pilot.app.screen.query_one("#f-reliability", Input).value = "B"
        await pilot.pause(0.3)
        await _still(pilot)
        pilot.app.screen.query_one("#form").scroll_home(animate=False)
        await pilot.pause()

    assert snap_compare(make_app(project), terminal_size=SIZES[size], run_before=before)
