"""Commit from the workbench: what changed since the last commit, a message, and git's answer."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from tracker.tui.footer import Footer
from tracker.tui.widgets import literal

MARK = {"added": "+ added   ", "modified": "~ modified", "deleted": "- deleted "}


class CommitScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("ctrl+s", "commit", "Commit", priority=True, tooltip="Commit with this message"),
        Binding("escape", "dismiss(False)", "Cancel", tooltip="Close without committing"),
    ]

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.changes: list = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Commit to git", classes="dialog-title")
            yield Static("", id="changes")
            yield Label("Message (edit freely; ctrl+s commits, escape cancels)")
            yield TextArea("", id="message", soft_wrap=True)
            yield Static("", id="commit-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        from tracker.git.gitops import GitError, default_message, pending_changes

        try:
            self.changes = pending_changes(self.root)
            message = default_message(self.root, self.changes) if self.changes else ""
        except GitError as err:
            self._error(str(err))
            return
        listing = Text()
        if not self.changes:
            listing.append("Nothing to commit: the data files are as in the last commit.")
        for change in self.changes:
            listing.append(MARK.get(change.status, change.status) + " ")
            listing.append_text(literal(change.path))
            listing.append("\n")
        self.query_one("#changes", Static).update(listing)
        area = self.query_one("#message", TextArea)
        area.load_text(message)
        area.focus()

    def _error(self, message: str) -> None:
        prefix = "" if message.lower().startswith("not committed") else "Not committed: "
        self.query_one("#commit-error", Static).update(literal(prefix + message))

    def action_commit(self) -> None:
        from tracker.git.gitops import GitError, commit

        message = self.query_one("#message", TextArea).text
        try:
            result = commit(self.root, None, message)
        except GitError as err:
            self._error(str(err))
            return
        self.notify(f"committed {result.commit[:10]}: {len(result.files)} file(s)", markup=False)
        self.dismiss(True)
