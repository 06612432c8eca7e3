"""What the CLI's reports say, inside the workbench: explain, history, the legend, export.

Each screen shows the renderable the CLI prints (`tracker.reports.terminal`), so the two faces
never disagree; the figures are computed in a worker, so a big section never stalls the keys.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tracker.tui.session import Session, shift_months
from tracker.tui.widgets import FOLD, STATUS, RenderOnce, literal

# An explanation lists at most this many contributions and exclusions (the rest add up in one
# row, as `tracker explain` without --all).
EXPLAIN_ROWS = 60
HISTORY_MONTHS = 24
FORMATS = {"md": "md", "csv": "csv", "json": "json", "txt": "text", "html": "html"}


class ReportScreen(ModalScreen[None]):
    """A scrolling report computed in a worker: 'working…' until it is ready."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,q", "dismiss", "Close", tooltip="Back to the tree"),
    ]
    heading = ""

    def compose(self) -> ComposeResult:
        # Both ways: a narrow terminal scrolls a wide table sideways instead of folding its
        # columns to a few letters each.
        with ScrollableContainer(classes="dialog wide report", id="report-scroll"):
            yield Label(self.heading, classes="dialog-title", markup=False)
            yield Static(Text("working…", style="italic"), id="report")

    def on_mount(self) -> None:
        self.query_one("#report-scroll").focus()
        self.run_worker(self._build, thread=True, group="report", exclusive=True)

    def _build(self) -> None:
        try:
            renderable = self.build()
        except Exception as err:  # shown, never fatal: the analyst keeps the workbench
            renderable = literal(f"Could not build this report: {type(err).__name__}: {err}")
        self.app.call_from_thread(self._show, renderable)

    def _show(self, renderable: Any) -> None:
        if self.is_attached:
            self.query_one("#report", Static).update(RenderOnce(renderable))

    def build(self) -> Any:  # run in a worker thread
        raise NotImplementedError


class ExplainScreen(ReportScreen):
    """`tracker explain NODE`: every contribution, and what does not count and why."""

    def __init__(self, session: Session, node_id: str) -> None:
        super().__init__()
        self.session, self.node_id = session, node_id
        self.heading = f"Explain {node_id} as of {session.as_of.isoformat()}"

    def build(self) -> Any:
        from tracker.reports import terminal

        ws = self.session.project
        assert ws is not None
        score = ws.explain(self.node_id, self.session.as_of, limit=EXPLAIN_ROWS)
        return terminal.explain(score, ws.config, limit=EXPLAIN_ROWS)


class HistoryScreen(ReportScreen):
    """`tracker history`: the node and its members, month by month, zero at mid-height."""

    def __init__(self, session: Session, node_id: str) -> None:
        super().__init__()
        self.session, self.node_id = session, node_id
        self.heading = f"History of {node_id}: {HISTORY_MONTHS} months to {session.as_of}"

    def build(self) -> Any:
        from tracker.reports import terminal

        ws, as_of = self.session.project, self.session.as_of
        assert ws is not None
        scores = ws.scores(as_of, detail=())
        ids = [self.node_id, *(n.id for n in ws.tree.in_order() if n.parent == self.node_id)]
        dates = [shift_months(as_of, -k) for k in range(HISTORY_MONTHS, -1, -1)]
        series = ws.history(dates, ids)
        return terminal.history_table([scores[i] for i in ids], dates, series)


class LegendScreen(ModalScreen[None]):
    """What the symbols, words and figures mean (the legend every report prints)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,q,l", "dismiss", "Close", tooltip="Back to the tree"),
    ]

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config

    def compose(self) -> ComposeResult:
        from tracker.domain.scoring.words import legend
        from tracker.reports.terminal import legend_text

        words = legend(self.config.window_days, self.config.stale_days)
        text = legend_text(words, compact=False)
        text.append("\n\nIn the workbench\n", style="bold")
        for symbol, word, _ in STATUS.values():
            text.append(f"  {symbol}  {word}\n")
        folds = f"{FOLD[0].strip()} {FOLD[1].strip()}"
        text.append(f"  {folds}  a folded / unfolded branch of the tree\n")
        text.append("  ↑ ↓ →  movement in the window; in an evidence row, the assessment's way\n")
        text.append(f"  {words.scale}\n", style="dim")
        for flag, meaning in words.flags:
            text.append(f"  {flag}: {meaning}\n", style="dim")
        with VerticalScroll(classes="dialog wide report"):
            yield Label("Legend", classes="dialog-title")
            yield Static(text, id="legend")


class ExportScreen(ModalScreen[None]):
    """`tracker status -o FILE`: the status at the as-of date, written to a file."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        default = Path.cwd() / f"status-{self.session.as_of.isoformat()}.md"
        with Vertical(classes="dialog wide"):
            yield Label(
                "Export the status as of "
                f"{self.session.as_of.isoformat()}: the file's ending picks the format "
                "(.md .csv .json .txt .html); enter writes it",
                classes="dialog-title",
            )
            yield Input(str(default), id="export-path")
            yield Static("", id="export-error", classes="error")

    @on(Input.Submitted, "#export-path")
    def submitted(self, event: Input.Submitted) -> None:
        path = Path(event.value.strip()).expanduser()
        fmt = FORMATS.get(path.suffix.lstrip(".").lower())
        if fmt is None:
            self._error(f"{path.name}: end the name with .md, .csv, .json, .txt or .html")
            return
        self.query_one("#export-error", Static).update(Text("writing…", style="italic"))
        self.run_worker(lambda: self._write(path, fmt), thread=True, group="export")

    def _write(self, path: Path, fmt: str) -> None:
        from tracker.errors import TrackerError

        try:
            written = export_status(self.session, path, fmt)
        except (TrackerError, OSError) as err:
            self.app.call_from_thread(self._error, str(err))
            return
        self.app.call_from_thread(self._done, written)

    def _error(self, message: str) -> None:
        self.query_one("#export-error", Static).update(literal("Not written: " + message))

    def _done(self, path: Path) -> None:
        self.notify(f"wrote {path}", markup=False)
        self.dismiss()


def export_status(session: Session, path: Path, fmt: str) -> Path:
    """Write the status report as `tracker status --format FMT -o PATH` would."""
    from tracker.errors import UsageError
    from tracker.reports import export as rx
    from tracker.store import layout
    from tracker.store.files import replace_file

    ws = session.project
    assert ws is not None
    if not path.parent.is_dir():
        raise UsageError(f"{path}: no such folder {str(path.parent)!r}")
    if path.is_dir() or path.is_symlink():
        raise UsageError(f"{path}: that is a folder or a link; name the report's file")
    try:
        inside = path.resolve().relative_to(Path(ws.root).resolve()).parts
    except ValueError:
        inside = ()
    data = (layout.RECOMMENDATIONS, "tracker.toml", "evidence", "drafts", ".git")
    if inside and inside[0] in data:
        raise UsageError(f"{path} is one of the project's data files; write reports elsewhere")
    commit = None
    try:
        from tracker.git.gitops import head_commit

        commit = head_commit(ws.root)
    except Exception:  # no git, or no commit yet: the report says so
        commit = None
    as_of: dt.date = session.as_of
    scores = ws.scores(as_of, detail=())
    meta = rx.Meta.make(ws, ws.config, as_of, commit)
    history = rx.page_history(ws, as_of) if fmt == "html" else None
    text = rx.status(
        fmt, list(scores.values()), meta, project=ws, all_scores=scores, history=history
    )
    replace_file(path, text.encode("utf-8"))
    return path
