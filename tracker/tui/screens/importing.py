"""Import into the form through `tracker.ingest`: extract, warn about same-event, suggest.

The work runs in a thread worker with a progress line; escape (or closing the form) cancels
it: the worker is cancelled, its result is dropped, and a fetch that takes a `cancel` hook is
told to stop (see `fetch_article`).
"""

from __future__ import annotations

import inspect
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label, Static

from tracker.tui import progress
from tracker.tui.progress import ProgressPanel
from tracker.tui.widgets import literal, one_line

if TYPE_CHECKING:
    from tracker.tui.screens.form import EvidenceForm


class Cancel(threading.Event):
    """Set when the analyst cancels: an Event to wait on or test, and a callable that says
    whether to stop (whichever form a fetch's `cancel` hook takes)."""

    def __call__(self) -> bool:
        return self.is_set()


def _ingest(form: EvidenceForm):
    try:
        from tracker import ingest
    except ImportError:
        form.notify(
            "Import is not available (tracker.ingest is missing); fill the form by hand.",
            severity="warning",
            markup=False,
        )
        return None
    return ingest


def fetch_article(ingest, url: str, cancel: Cancel):
    """`fetch_url`, told of the cancel hook when it takes one (the safe network client does);
    otherwise the fetch runs to its own timeout and its result is dropped."""
    fetch = ingest.fetch_url
    try:
        accepts = "cancel" in inspect.signature(fetch).parameters
    except (TypeError, ValueError):
        accepts = False
    return fetch(url, cancel=cancel) if accepts else fetch(url)


def fill_from_text(form: EvidenceForm, text: str) -> None:
    ingest = _ingest(form)
    if ingest is None:
        return
    if not text.strip():
        form.notify("Paste the article into the text box first.", severity="warning")
        return
    run_import(form, lambda cancel: ingest.extract_text(text), ingest)


def run_import(
    form: EvidenceForm, extract, ingest, first_step: str = "reading the article…"
) -> None:
    """Extract and match in a thread (a fetch or a big project takes time), then fill the form.

    A label and an indeterminate bar say which step runs, if the import takes long enough
    to notice (SHOW_AFTER); they go when it ends, however it ends. `extract(cancel)` gets the
    cancel hook.
    """
    session = form.session
    form.cancel_import()  # an import started before this one: this one replaces it
    cancel = Cancel()
    form.import_cancel = cancel
    panel = ProgressPanel(
        first_step + " (escape cancels)", delay=progress.SHOW_AFTER, id="import-progress"
    )
    form.mount(panel, before=form.query_one("#errors"))

    def step(label: str) -> None:
        panel.post_message(ProgressPanel.Stage(label + " (escape cancels)"))

    def job() -> None:
        try:
            article = extract(cancel)
            if cancel.is_set():
                return
            ws = session.project
            count = ws.evidence_count if ws else 0
            if not session.similarity_ready:  # built once per load; for a big project, slow
                step(f"indexing {count:,} items and their archived texts…")
            if ws is None:
                same, suggestions = [], []
            else:
                index = ws.similarity_index()
                if cancel.is_set():
                    return
                step("looking for the same event, suggesting recommendations…")
                same = ingest.find_same_event(article, (), index=index)
                suggestions = ws.suggest(article, top=8)
        except (ingest.IngestError, OSError) as err:
            if not cancel.is_set():
                form.app.call_from_thread(
                    form.notify, str(err), title="Not imported", severity="error", markup=False
                )
            return
        finally:
            panel.post_message(ProgressPanel.Done())
        if not cancel.is_set():
            form.app.call_from_thread(apply_article, form, article, same, suggestions, cancel)

    form.run_worker(job, thread=True, group="import", exclusive=True)


def same_event_note(article: Any, same: list) -> Text:
    """Import's notes and the possible reports of the same event, whatever fields they carry."""
    note = Text()
    for line in getattr(article, "notes", None) or []:
        note.append("note: ")
        note.append_text(one_line(str(line)))
        note.append("\n")
    for candidate in same[:5]:
        note.append("⚠ same event? ", style="bold yellow")
        evidence_id = getattr(candidate, "evidence_id", "?")
        similarity = getattr(candidate, "similarity", None)
        reason = getattr(candidate, "reason", "")
        what = "draft " if getattr(candidate, "draft", False) else ""
        figure = f"{similarity:.2f}, " if isinstance(similarity, int | float) else ""
        note.append_text(one_line(f"{what}{evidence_id} ({figure}{reason})"))
        note.append("\n")
    return note


def apply_article(form: EvidenceForm, article, same, suggestions, cancel: Cancel) -> None:
    """Fill empty fields from the article, then warn and suggest; the analyst decides."""
    from textual.widgets import TextArea

    if cancel.is_set() or not form.is_attached:
        return
    form.import_cancel = None
    area = form.query_one("#article", TextArea)
    if not area.text.strip():
        area.load_text(article.text)
    form.set_field("title", article.title or "")
    published = getattr(article, "published", None)
    if published and not form.query_one("#f-date", Input).value.strip():
        # The date and its precision go together: a month read from a URL is the month's
        # first day with "month", never a first of the month taken as the day.
        form.set_field("date", published.isoformat())
        form.query_one("#f-date_precision", Input).value = getattr(article, "date_precision", "day")
    day = getattr(article, "publication_day", None)
    if day:  # a month or a week alone dates the event, not the day the source appeared
        form.set_field("published", day.isoformat())
    form.set_field("publisher", getattr(article, "publisher", None) or "")
    form.set_field("url", getattr(article, "url", None) or "")
    form.set_field("author", getattr(article, "author", None) or "")
    form.query_one("#import-note", Static).update(same_event_note(article, same))
    form.show_suggestions(suggestions)
    if suggestions:
        form.query_one("#suggestions").focus()
        form.query_one("#suggestions").scroll_visible()
    form.notify(
        "filled from the article: check every field"
        + ("; enter on a suggestion adds an assessment for it" if suggestions else ""),
        markup=False,
    )


class AskScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, prompt: str, value: str = "") -> None:
        super().__init__()
        self.prompt, self.value = prompt, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.prompt, classes="dialog-title")
            yield Input(self.value, id="answer")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class FileScreen(ModalScreen[Path | None]):
    """Choose an article's file: type a path (a folder shows its files) or pick one below."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide files"):
            yield Label(
                "Import which file? Type its path and press enter, or tab to the folder "
                "below and choose one (.txt .md .html .htm)",
                classes="dialog-title",
            )
            yield Input(str(self.start) + "/", id="path")
            yield Static("", id="path-error", classes="error")
            yield DirectoryTree(self.start, id="files")

    @on(Input.Submitted, "#path")
    def typed(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        if path.is_dir():
            self.query_one("#files", DirectoryTree).path = path
            self.query_one("#path-error", Static).update("")
            return
        if not path.is_file():
            self.query_one("#path-error", Static).update(
                literal(f"{path}: no such file (a folder shows its files below)")
            )
            return
        self.dismiss(path)

    @on(DirectoryTree.FileSelected, "#files")
    def chosen(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(event.path)


def ask_and_import(form: EvidenceForm, kind: str) -> None:
    ingest = _ingest(form)
    if ingest is None:
        return

    def got_file(path: Path | None) -> None:
        if path is not None:
            run_import(form, lambda cancel: ingest.extract_file(path), ingest)

    def got_url(answer: str | None) -> None:
        if answer:
            run_import(
                form,
                lambda cancel: fetch_article(ingest, answer, cancel),
                ingest,
                "fetching the article…",
            )

    if kind == "file":
        form.app.push_screen(FileScreen(Path.cwd()), got_file)
    else:
        form.app.push_screen(AskScreen("Fetch which URL? (http or https)"), got_url)
