"""Commit from the workbench: what changed since the last commit, a message, and git's answer.

git runs in a worker thread (listing the changes and committing both call it, and a big
repository or a slow disk takes seconds): the dialog says what it is doing and stays live.
"""

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
from tracker.tui.progress import ProgressPanel
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
        self.busy = True  # listing the changes, then committing

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Commit to git", classes="dialog-title")
            yield ProgressPanel("asking git what changed…", id="commit-progress")
            yield Static("", id="changes")
            yield Label("Message (edit freely; ctrl+s commits, escape cancels)")
            yield TextArea("", id="message", soft_wrap=True)
            yield Static("", id="commit-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#message", TextArea).focus()
        self.run_worker(self._list, thread=True, group="git", exclusive=True)

    def _list(self) -> None:
        from tracker.git.gitops import GitError, default_message, pending_changes

        try:
            changes = pending_changes(self.root)
            message = default_message(self.root, changes) if changes else ""
        except GitError as err:
            self.app.call_from_thread(self._listed, None, "", str(err))
            return
        self.app.call_from_thread(self._listed, changes, message, None)

    def _listed(self, changes: list | None, message: str, error: str | None) -> None:
        self._idle()
        if error is not None:
            self._error(error)
            return
        self.changes = changes or []
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

    def _idle(self) -> None:
        self.busy = False
        for panel in self.query("#commit-progress"):
            panel.display = False

    def _error(self, message: str) -> None:
        prefix = "" if message.lower().startswith("not committed") else "Not committed: "
        self.query_one("#commit-error", Static).update(literal(prefix + message))

    def action_commit(self) -> None:
        if self.busy:
            self.notify("git is still working: a moment", markup=False)
            return
        self.busy = True
        panel = self.query_one("#commit-progress", ProgressPanel)
        panel.show("committing…")
        panel.display = True
        self.query_one("#commit-error", Static).update("")
        message = self.query_one("#message", TextArea).text
        self.run_worker(lambda: self._commit(message), thread=True, group="git", exclusive=True)

    def _commit(self, message: str) -> None:
        from tracker.git.gitops import GitError, commit

        try:
            result = commit(self.root, None, message)
        except GitError as err:
            self.app.call_from_thread(self._failed, str(err))
            return
        self.app.call_from_thread(self._committed, result)

    def _failed(self, message: str) -> None:
        self._idle()
        self._error(message)

    def _committed(self, result) -> None:
        self._idle()
        self.notify(f"committed {result.commit[:10]}: {len(result.files)} file(s)", markup=False)
        self.dismiss(True)
