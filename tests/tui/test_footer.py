"""The footer follows the keys in force, and is not rebuilt when they stay the same."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from tracker.tui.footer import Footer
from tracker.tui.footer import TextualFooter as Original


class Pane(Static, can_focus=True):
    BINDINGS: ClassVar[list[Binding]] = [Binding("f3", "noop", "Pane key")]

    def action_noop(self) -> None:
        pass


class Shown(App):
    BINDINGS: ClassVar[list[Binding]] = [Binding("f2", "bell", "Ring")]

    def compose(self) -> ComposeResult:
        yield Input(id="plain")
        yield Pane("pane", id="pane")
        yield Footer()


def keys(app: App) -> list[str]:
    footer = app.query_one(Footer)
    return [key.description for key in footer.query("FooterKey")]


async def test_footer_follows_focus_and_skips_unchanged_rebuilds(monkeypatch):
    rebuilt = []
    original = Original.recompose

    async def counted(self):
        rebuilt.append(list(self.children))
        await original(self)

    monkeypatch.setattr(Original, "recompose", counted)
    app = Shown()
    async with app.run_test() as pilot:
        app.query_one("#plain").focus()
        await pilot.pause()
        assert "Pane key" not in keys(app) and "Ring" in keys(app)
        before = len(rebuilt)
        shown = list(app.query_one(Footer).query("FooterKey"))

        for _ in range(3):  # binding refreshes that change nothing
            app.screen.refresh_bindings()
            await pilot.pause()
        assert len(rebuilt) == before
        assert list(app.query_one(Footer).query("FooterKey")) == shown

        app.query_one("#pane").focus()
        await pilot.pause()
        assert "Pane key" in keys(app) and "Ring" in keys(app)

        app.query_one("#plain").focus()
        await pilot.pause()
        assert "Pane key" not in keys(app)
