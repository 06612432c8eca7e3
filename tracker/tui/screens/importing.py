"""Import into the form through `tracker.ingest`: extract, warn about same-event, suggest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tracker.tui import progress
from tracker.tui.progress import ProgressPanel
from tracker.tui.widgets import literal

if TYPE_CHECKING:
    from tracker.tui.screens.form import EvidenceForm


def _ingest(form: EvidenceForm):
    try:
        from tracker import ingest
    except ImportError:
        form.notify(
            "Import is not available yet (tracker.ingest is missing); fill the form by hand.",
            severity="warning",
            markup=False,
        )
        return None
    return ingest


def fill_from_text(form: EvidenceForm, text: str) -> None:
    ingest = _ingest(form)
    if ingest is None:
        return
    if not text.strip():
        form.notify("Paste the article into the text box first.", severity="warning")
        return
    run_import(form, lambda: ingest.extract_text(text), ingest)


def run_import(
    form: EvidenceForm, extract, ingest, first_step: str = "reading the article…"
) -> None:
    """Extract and match in a thread (a fetch or a big project takes time), then fill the form.

    A label and an indeterminate bar say which step runs, if the import takes long enough
    to notice (SHOW_AFTER); they go when it ends, however it ends.
    """
    session = form.session
    for old in form.query("#import-progress"):
        old.remove()  # an import started before this one: this one replaces it
    panel = ProgressPanel(first_step, delay=progress.SHOW_AFTER, id="import-progress")
    form.mount(panel, before=form.query_one("#errors"))

    def step(label: str) -> None:
        panel.post_message(ProgressPanel.Stage(label))

    def job() -> None:
        try:
            article = extract()
            ws = session.project
            count = ws.evidence_count if ws else 0
            if not session.similarity_ready:  # built once per load; for a big project, slow
                step(f"indexing {count:,} items and their archived texts…")
            if ws is None:
                same, suggestions = [], []
            else:
                index = ws.similarity_index()
                step("looking for the same event, suggesting recommendations…")
                same = ingest.find_same_event(article, (), index=index)
                suggestions = ws.suggest(article, top=5)
        except (ingest.IngestError, OSError) as err:
            form.app.call_from_thread(
                form.notify, str(err), title="Not imported", severity="error", markup=False
            )
            return
        finally:
            panel.post_message(ProgressPanel.Done())
        form.app.call_from_thread(apply_article, form, article, same, suggestions, ingest)

    form.run_worker(job, thread=True, group="import", exclusive=True)


def apply_article(form: EvidenceForm, article, same, suggestions, ingest) -> None:
    """Fill empty fields from the article, then warn and suggest; the analyst decides."""
    from textual.widgets import TextArea

    session = form.session
    area = form.query_one("#article", TextArea)
    if not area.text.strip():
        area.load_text(article.text)
    form.set_field("title", article.title or "")
    if article.published:
        form.set_field("date", article.published.isoformat())
        form.set_field("published", article.published.isoformat())
        form.set_field("id", f"{article.published.isoformat()}-{ingest.slugify(article.title)}")
    form.set_field("date_precision", article.date_precision)
    form.set_field("publisher", article.publisher or "")
    form.set_field("url", article.url or "")
    form.set_field("author", article.author or "")
    note = Text()
    for line in article.notes:
        note.append("note: ")
        note.append_text(literal(line))
        note.append("\n")
    for candidate in same[:5]:
        note.append("⚠ same event? ", style="bold yellow")
        note.append_text(
            literal(f"{candidate.evidence_id} ({candidate.similarity:.2f}, {candidate.reason})")
        )
        note.append("\n")
    form.query_one("#import-note", Static).update(note)
    text = Text("Suggested recommendations (ctrl+n adds an assessment):\n", style="bold")
    for s in suggestions:
        node = session.node(s.node_id)
        text.append(f"  {s.score:5.2f}  {s.node_id}  ")
        text.append_text(literal(node.title if node else ""))
        if s.matched:
            text.append_text(literal(f"  ({', '.join(s.matched[:4])})"))
        text.append("\n")
    form.query_one("#suggestions", Static).update(text if suggestions else "")
    if suggestions:
        first = form.query(".a-recommendation").first(Input)
        if not first.value.strip():
            first.value = suggestions[0].node_id
    form.notify("filled from the article: check every field", markup=False)


class AskScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt, classes="dialog-title")
            yield Input(id="answer")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


def ask_and_import(form: EvidenceForm, kind: str) -> None:
    ingest = _ingest(form)
    if ingest is None:
        return

    def got(answer: str | None) -> None:
        if not answer:
            return
        if kind == "file":
            run_import(form, lambda: ingest.extract_file(Path(answer).expanduser()), ingest)
        else:
            run_import(form, lambda: ingest.fetch_url(answer), ingest, "fetching the article…")

    prompt = "Import which file? (path)" if kind == "file" else "Fetch which URL?"
    form.app.push_screen(AskScreen(prompt), got)
