"""The inbox screen: new articles from the feeds, best first, with the text and suggestions
of the one under the cursor; d drafts it (the evidence form opens, filled, suggestions ready),
x dismisses it, f fetches the feeds with a progress bar.

Every title, summary and page is untrusted: it reaches the screen as `Text` through
`literal`, so markup stays literal and no control character reaches the terminal. The inbox's
SQLite file is opened per operation, in the thread that uses it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from tracker.tui.footer import Footer
from tracker.tui.progress import ProgressPanel
from tracker.tui.session import Session
from tracker.tui.widgets import literal

TEXT_SHOWN = 6000  # characters of an article shown beside the list
STAGES = {
    "feeds": "fetching feeds",
    "index": "indexing the evidence…",
    "triage": "triaging new entries",
    "pages": "fetching article pages",
    "saving": "saving the inbox…",
}


class InboxScreen(Screen[bool]):
    """Dismissed with True when evidence was saved from it (the tree then reloads)."""

    DEFAULT_CSS = """
    InboxScreen #inbox-left { width: 55%; min-width: 50; border-right: solid $primary-darken-2; }
    InboxScreen #inbox-summary { padding: 0 1; color: $text-muted; }
    InboxScreen #inbox-rows { height: 1fr; }
    InboxScreen #inbox-detail { width: 1fr; padding: 0 1; }
    InboxScreen #inbox-head { margin-bottom: 1; }
    InboxScreen #inbox-suggestions { margin-bottom: 1; }
    InboxScreen #inbox-text { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("d", "draft", "Draft", tooltip="Open the evidence form filled from this article"),
        Binding("x", "dismiss_row", "Dismiss", tooltip="Put this story away for good"),
        Binding("f", "fetch", "Fetch feeds", tooltip="Fetch the feeds and triage what is new"),
        Binding("escape", "back", "Back", tooltip="Back to the tree"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.rows: list = []  # tracker.inbox.queue.InboxRow, in the table's order
        self.shown: int | None = None  # the row number whose detail is shown
        self.saved = False
        self._cancel = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="inbox-left"):
                yield Static("", id="inbox-summary")
                yield DataTable(id="inbox-rows", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="inbox-detail"):
                yield Static("", id="inbox-head")
                yield Static("", id="inbox-suggestions")
                yield Static("", id="inbox-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "inbox: new articles from the feeds, best first"
        table = self.query_one("#inbox-rows", DataTable)
        table.add_columns("#", "rel", "date", "source", "title")
        self.refresh_rows()
        table.focus()

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.cancel()  # a fetch still running stops at once

    # --- the list -------------------------------------------------------------------------------

    def _inbox(self):
        from tracker.inbox import Inbox

        return Inbox.open(self.session.root)

    def refresh_rows(self, keep: int | None = None) -> None:
        """Read the rows afresh and redraw the list, the cursor on `keep` if it is still there."""
        from tracker.inbox.store import InboxStoreError

        try:
            with self._inbox() as inbox:
                self.rows = inbox.rows()
                counts = inbox.counts()
                fed = bool(inbox.store.feed_states())
        except InboxStoreError as err:
            self.rows, counts, fed = [], {}, True
            self.notify(str(err), title="Inbox", severity="error", markup=False)
        table = self.query_one("#inbox-rows", DataTable)
        table.clear()
        for row in self.rows:
            outlets = len({s.feed for s in row.sources})
            source = literal(row.source[:18])
            if outlets > 1:
                source.append(f" +{outlets - 1}", style="bold")
            table.add_row(
                str(row.n),
                "–" if row.bears_on_none else f"{row.relevance:.2f}",
                row.published.isoformat() if row.published else "",
                source,
                literal(row.title[:90]),
            )
        none = sum(1 for r in self.rows if r.bears_on_none)
        if self.rows:
            summary = (
                f"{len(self.rows)} new, best first; the last {none} bear on none of the "
                "recommendations. d draft · x dismiss · f fetch"
            )
        elif fed:
            summary = "Nothing new in the inbox. f fetches the feeds again."
        else:
            summary = (
                "The inbox is empty. List feeds as [[inbox.feed]] in tracker.toml "
                '(url = "https://…"), then press f to fetch them.'
            )
        if counts.get("drafted") or counts.get("dismissed"):
            summary += (
                f"  ({counts.get('drafted', 0)} drafted, {counts.get('dismissed', 0)} dismissed)"
            )
        self.query_one("#inbox-summary", Static).update(Text(summary))
        target = next((i for i, r in enumerate(self.rows) if r.n == keep), 0)
        if self.rows:
            table.move_cursor(row=min(target, len(self.rows) - 1))
        self.show_row(self.current())

    def current(self):
        table = self.query_one("#inbox-rows", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#inbox-rows")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            self.show_row(self.rows[event.cursor_row])

    def show_row(self, row) -> None:
        head = self.query_one("#inbox-head", Static)
        suggestions = self.query_one("#inbox-suggestions", Static)
        text = self.query_one("#inbox-text", Static)
        self.shown = row.n if row is not None else None
        if row is None:
            for widget in (head, suggestions, text):
                widget.update("")
            return
        head.update(head_text(row))
        suggestions.update(suggestions_text(row, self.session))
        lead = row.lead
        body = lead.best_text
        label = "the article's page" if lead.page == "fetched" else "the feed's summary"
        shown = Text(f"Text ({label}, {len(body):,} characters)\n", style="bold")
        shown.append_text(literal(body[:TEXT_SHOWN] + ("…" if len(body) > TEXT_SHOWN else "")))
        text.update(shown)

    # --- decisions -------------------------------------------------------------------------------

    def action_dismiss_row(self) -> None:
        row = self.current()
        if row is None:
            return
        with self._inbox() as inbox:
            inbox.dismiss(row.n)
        following = self.rows[self.rows.index(row) + 1] if row is not self.rows[-1] else None
        self.refresh_rows(keep=following.n if following else None)
        self.notify(f"#{row.n} dismissed: it will not come back", markup=False)

    def action_draft(self) -> None:
        row = self.current()
        if row is None:
            return
        if self.session.project is None:
            self.notify("The project is still loading; try again in a moment.", markup=False)
            return
        if self.query("#inbox-progress"):
            # One piece of work at a time: a fetch and a draft would share the same indexes.
            self.notify("Wait for the fetch to end, then draft.", markup=False)
            return
        panel = ProgressPanel("reading the article…", id="inbox-progress")
        self._show_panel(panel)
        self._prepare_draft(row.n, panel)

    @work(thread=True, exclusive=True, group="inbox-draft")
    def _prepare_draft(self, n: int, panel: ProgressPanel) -> None:
        """The article (its page fetched if it never was), same event and suggestions, as
        import finds them; then the form opens on the main thread."""
        ws = self.session.project
        try:
            with self._inbox() as inbox:
                article, _ = inbox.article(n)
            panel.post_message(ProgressPanel.Stage("looking for the same event, suggesting…"))
            same = ws.same_event_candidates(article)
            suggestions = ws.suggest(article, top=5)
        except Exception as err:  # an article that cannot be read: one line, the screen stays
            self.app.call_from_thread(
                self.notify, f"Cannot draft #{n}: {err}", severity="error", markup=False
            )
            return
        finally:
            panel.post_message(ProgressPanel.Done())
        self.app.call_from_thread(self._open_form, n, article, same, suggestions)

    async def _open_form(self, n: int, article, same, suggestions) -> None:
        from tracker.tui.screens.form import EvidenceForm
        from tracker.tui.screens.importing import Cancel, apply_article

        form = EvidenceForm(self.session, None)

        def closed(saved: bool | None) -> None:
            if saved and form.ev is not None:
                with self._inbox() as inbox:
                    inbox.mark_drafted(n, form.ev.item.id)
                self.saved = True
                self.refresh_rows()

        await self.app.push_screen(form, closed)
        apply_article(form, article, same, suggestions, Cancel())

    # --- fetching --------------------------------------------------------------------------------

    def action_fetch(self) -> None:
        if self.session.project is None:
            self.notify("The project is still loading; try again in a moment.", markup=False)
            return
        if self.query("#inbox-progress"):
            return  # one fetch (or draft) at a time
        from tracker.net import Cancel

        self._cancel = Cancel()
        panel = ProgressPanel(STAGES["feeds"], done=0, total=None, id="inbox-progress")
        self._show_panel(panel)
        self._fetch(panel, self._cancel)

    def _show_panel(self, panel: ProgressPanel) -> None:
        for old in self.query("#inbox-progress"):
            old.remove()
        self.query_one("#inbox-left").mount(panel, before=0)

    @work(thread=True, exclusive=True, group="inbox-fetch")
    def _fetch(self, panel: ProgressPanel, cancel) -> None:
        from tracker.inbox import read_settings
        from tracker.store.reader import read_config

        def progress(stage: str, done: int, total: int) -> None:
            label = STAGES.get(stage, stage)
            panel.post_message(ProgressPanel.Stage(label, done if total else None, total or None))

        try:
            settings = read_settings(read_config(self.session.root).data)
            if not settings.feeds:
                self.app.call_from_thread(
                    self.notify,
                    "No feeds: list them as [[inbox.feed]] in tracker.toml.",
                    severity="warning",
                    markup=False,
                )
                return
            with self._inbox() as inbox:
                report = inbox.fetch(
                    settings.feeds,
                    workspace=lambda: self.session.project,
                    jobs=settings.jobs,
                    timeout=settings.timeout,
                    pages=settings.pages,
                    cancel=cancel,
                    progress=progress,
                )
        except Exception as err:  # the workbench stays up whatever a feed does
            self.app.call_from_thread(
                self.notify, f"Fetch failed: {err}", severity="error", markup=False
            )
            return
        finally:
            panel.post_message(ProgressPanel.Done())
        self.app.call_from_thread(self._fetched, report)

    def _fetched(self, report) -> None:
        self._cancel = None
        for outcome in report.failed:
            self.notify(
                f"{outcome.name}: {outcome.failure}",
                title="Feed failed",
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.notify(
            f"{report.new_entries} new entries in {report.new_stories} new stories "
            f"({len(report.outcomes) - len(report.failed)} of {len(report.outcomes)} feeds read)",
            markup=False,
        )
        current = self.current()
        self.refresh_rows(keep=current.n if current else None)

    def action_back(self) -> None:
        self.dismiss(self.saved)


def head_text(row) -> Text:
    out = Text()
    out.append_text(literal(row.title))
    out.stylize("bold")
    out.append(f"\n#{row.n} · {row.state}", style="dim")
    if row.bears_on_none:
        out.append(" · bears on none of the recommendations", style="dim")
    else:
        out.append(f" · relevance {row.relevance:.2f} (", style="dim")
        out.append_text(literal(row.why))
        out.append(")", style="dim")
    out.append("\n")
    for k, (source, entry) in enumerate(zip(row.sources, row.entries, strict=True), start=1):
        out.append(f"\n{k}. ")
        out.append_text(literal(source.source))
        date = source.published.isoformat() if source.published else "no date"
        where = f" (from the {entry.date_source})" if entry.date_source else ""
        out.append(f"  {date}{where}")
        if len(row.sources) > 1:
            out.append("\n   ")
            out.append_text(literal(source.title))
        if source.url:
            out.append("\n   ")
            out.append_text(literal(source.url))
            out.stylize("dim", len(out) - len(source.url), len(out))
    for note in row.lead.notes[:4]:
        out.append("\nnote: ", style="italic")
        out.append_text(literal(note))
    return out


def suggestions_text(row, session: Session) -> Text:
    out = Text()
    if row.suggestions:
        out.append("May bear on (d opens the form with these ready)\n", style="bold")
        for s in row.suggestions:
            node = session.node(s.id)
            out.append(f"  {s.score:5.2f}  {s.id}  ")
            out.append_text(literal(node.title if node else ""))
            if s.matched:
                out.append_text(literal(f"  ({', '.join(s.matched[:4])})"))
            out.append("\n")
    if row.same_event:
        out.append("May be known already\n", style="bold yellow")
        for c in row.same_event[:5]:
            what = "draft" if c.draft else "evidence"
            out.append(f"  {c.id} ({what}, {c.kind.replace('_', ' ')}, {c.similarity:.2f}) ")
            out.append_text(literal(c.reason[:120]))
            out.append("\n")
    return out
