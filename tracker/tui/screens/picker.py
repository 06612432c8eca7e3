"""Pick a recommendation by typing part of its id or title (fuzzy, as the command palette)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tracker.domain.model import Node
from tracker.tui.widgets import literal

SHOWN = 50


def ranked(nodes: list[Node], query: str, depth: dict[str, int]) -> list[Node]:
    """The nodes matching `query` best first (the paper's order when it is empty)."""
    query = query.strip()
    if not query:
        return list(nodes)
    from textual.fuzzy import Matcher

    matcher = Matcher(query)
    scored = []
    for index, node in enumerate(nodes):
        by_id = matcher.match(node.id)
        by_title = matcher.match(node.title)
        best = max(by_id, by_title * 0.95)
        if best > 0:
            scored.append((-best, depth.get(node.id, 0), index, node))
    scored.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in scored]


class RecommendationPicker(ModalScreen[str | None]):
    """Type to narrow, ↑ ↓ to choose, enter to take it; escape leaves the field as it was."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "dismiss(None)", "Cancel", tooltip="Leave the field as it was"),
        Binding("down", "move(1)", "Next", show=False, priority=True),
        Binding("up", "move(-1)", "Previous", show=False, priority=True),
    ]

    def __init__(self, nodes: list[Node], depth: dict[str, int], current: str = "") -> None:
        super().__init__()
        self.nodes, self.depth, self.current = nodes, depth, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                "Which recommendation? Type part of its id or title; ↑ ↓ choose, enter takes it",
                classes="dialog-title",
            )
            yield Input(self.current, placeholder="id or title…", id="pick-query")
            yield Static("", id="pick-count")
            yield OptionList(id="pick-list")

    def on_mount(self) -> None:
        self._show(self.current)
        self.query_one("#pick-query", Input).focus()

    @on(Input.Changed, "#pick-query")
    def changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, query: str) -> None:
        found = ranked(self.nodes, query, self.depth)
        options = self.query_one("#pick-list", OptionList)
        options.clear_options()
        for node in found[:SHOWN]:
            prompt = Text("  " * self.depth.get(node.id, 0))
            prompt.append(node.id, style="bold")
            prompt.append("  ")
            prompt.append_text(literal(node.title))
            prompt.append(f"  ({node.kind})", style="dim")
            options.add_option(Option(prompt, id=node.id))
        if found:
            options.highlighted = 0
        count = self.query_one("#pick-count", Static)
        if not found:
            count.update(Text("Nothing matches: try fewer letters.", style="italic"))
        elif len(found) > SHOWN:
            count.update(f"{len(found)} match; the best {SHOWN} shown")
        else:
            count.update(f"{len(found)} match")

    def action_move(self, step: int) -> None:
        options = self.query_one("#pick-list", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    @on(Input.Submitted, "#pick-query")
    def submitted(self) -> None:
        options = self.query_one("#pick-list", OptionList)
        if options.option_count and options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#pick-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
