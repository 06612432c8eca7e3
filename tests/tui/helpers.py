"""Driving the workbench headless: start it, wait for the worker that loads the project."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console
from textual.widgets import Input, OptionList, Static, TextArea, Tree

from tracker.tui.app import WorkbenchApp

SIZE = (120, 36)


async def settle(pilot) -> None:
    """Let workers (load, history, import) finish and the screen repaint."""
    for _ in range(3):
        # A chart's worker is cancelled when the selection moves on: that is not a failure.
        running = [w for w in pilot.app.workers if not w.is_finished]
        await asyncio.gather(*(w.wait() for w in running), return_exceptions=True)
        await pilot.pause()


def text_of(app: WorkbenchApp, selector: str) -> str:
    widget = app.screen.query_one(selector, Static)
    content = widget.render()
    if hasattr(content, "plain"):
        return str(content.plain)
    # A rich renderable (a table of contributions): its text as the widget's width lays it out.
    console = Console(width=max(widget.size.width, 40), file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.file.getvalue()


def tree_ids(app: WorkbenchApp) -> list[str]:
    tree = app.screen.query_one("#tree", Tree)
    out, stack = [], list(reversed(tree.root.children))
    while stack:
        node = stack.pop()
        out.append(node.data)
        stack.extend(reversed(node.children))
    return out


def timeline_ids(app: WorkbenchApp) -> list[str]:
    assert app.screen.query_one("#timeline", OptionList).option_count == len(app.main.row_ids)
    return list(app.main.row_ids)


async def select_node(pilot, node_id: str) -> None:
    pilot.app.main.select_node(node_id)
    await pilot.pause()


def set_input(app: WorkbenchApp, selector: str, value: str) -> None:
    """Type into a field, whether a one-line Input or a multi-line TextArea (the first that
    matches, as the analyst would see it)."""
    widget = app.screen.query(selector).first()
    if isinstance(widget, TextArea):
        widget.load_text(value)
    else:
        assert isinstance(widget, Input), widget
        widget.value = value


def field_value(app: WorkbenchApp, selector: str) -> str:
    widget = app.screen.query(selector).first()
    return widget.text if isinstance(widget, TextArea) else widget.value


def make_app(root: Path) -> WorkbenchApp:
    return WorkbenchApp(root)
