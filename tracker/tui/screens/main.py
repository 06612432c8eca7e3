"""The main screen: the paper's tree with scores on the left, the selected node's detail right."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Sparkline, Static, Tree
from textual.widgets.tree import TreeNode

from tracker.domain.model import Node
from tracker.tui.footer import Footer
from tracker.tui.progress import Progress, ProgressPanel, Reporter, count_label
from tracker.tui.session import Session, shift_months
from tracker.tui.widgets import (
    STATUS,
    RenderOnce,
    direction,
    literal,
    node_label,
    status_text,
)

STATUS_CYCLE = [None, *STATUS]
CHANGED_ON_DISK = "(changed on disk since the load: r reloads)"
# A chart whose subtree has at most this many readings is swept at once (~15 ms at most), so
# it is drawn with the scores; a bigger one in a worker, the chart following when it is done.
INLINE_HISTORY = 10_000

GUIDANCE = """No evidence yet. To start:
  n        add evidence: paste an article, score it, save (ctrl+s)
  tracker import URL|FILE   from the command line
Evidence lives in evidence/YYYY/ID.toml; see docs/workbench.md."""


class LoadEnded(Message):
    """The loading worker is done, with `failure` saying why if it failed.

    Posted from the worker's thread to the screen's queue, so that it arrives after the
    progress the load posted there: the bar is never drawn after the load ended.
    """

    bubble = False

    def __init__(self, reporter: Reporter, failure: str | None = None) -> None:
        super().__init__()
        self.reporter, self.failure = reporter, failure


class MainScreen(Screen[None]):
    # The as-of date is in the sub-title: the Header watches it and redraws itself, so a new
    # date need not repaint the whole screen (Screen's own sub_title would).
    sub_title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)
    title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("n", "new", "New evidence", tooltip="Paste, open or fetch an article and score it"),
        Binding("o", "open", "Open evidence", tooltip="Open the evidence row under the cursor"),
        Binding("slash", "filter", "Filter", tooltip="Filter the tree by text"),
        Binding("s", "status_filter", "Status", tooltip="Show only nodes with one status (cycles)"),
        Binding("ctrl+f", "search", "Search", tooltip="Search evidence by title, quote, source"),
        Binding("a", "as_of", "As of", tooltip="Type the as-of date"),
        Binding(
            "left_square_bracket",
            "shift(-1)",
            "Month back",
            show=False,
            tooltip="As-of date one month earlier",
        ),
        Binding(
            "right_square_bracket",
            "shift(1)",
            "Month on",
            show=False,
            tooltip="As-of date one month later",
        ),
        Binding(
            "left_curly_bracket",
            "shift(-3)",
            "Quarter back",
            show=False,
            tooltip="As-of date three months earlier",
        ),
        Binding(
            "right_curly_bracket",
            "shift(3)",
            "Quarter on",
            show=False,
            tooltip="As-of date three months later",
        ),
        Binding("t", "today", "Today", show=False, tooltip="As-of date back to today"),
        Binding("c", "commit", "Commit", tooltip="See what changed and commit it to git"),
        Binding("i", "inbox", "Inbox", show=False, tooltip="New articles from the feeds"),
        Binding("p", "problems", "Problems", show=False, tooltip="The data files' problems"),
        Binding("r", "reload", "Reload", show=False, tooltip="Read every file again"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.text_filter = ""
        self.status_filter: str | None = None
        self.current: str | None = None
        self._pending: str | None = None
        self.scoring = False
        self.row_ids: list[str] = []  # the timeline's evidence ids, row by row
        # What the detail pane and the tree show now, so an update redraws only what changed.
        self._items: dict[str, TreeNode] = {}  # node id -> its row in the tree
        self._labels: dict[str, tuple] = {}  # node id -> what its label says
        self._shown_ids: set[str] = set()
        self._head_of: str | None = None
        self._score_of: tuple | None = None
        self._timeline_of: tuple | None = None
        self._reporter: Reporter | None = None  # the running load's, while it reads files

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            with Vertical(id="left"):
                yield Input(placeholder="filter the tree…", id="filter")
                yield Static("", id="filters")
                yield Tree("…", id="tree")
            with Vertical(id="detail"):
                with VerticalScroll(id="detail-top"):
                    yield Static(Text("Loading the project…"), id="banner")
                    yield Static("", id="node-head")
                    # The score first: the paper's wording is long and read once.
                    yield Static("", id="node-score")
                    yield Static("", id="chart-label")
                    yield Sparkline([], id="chart")
                    yield Static("", id="node-text")
                yield Static("", id="timeline-label")
                yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one("#tree", Tree)
        tree.show_root = False
        self.query_one("#detail-top").can_focus = False  # tab goes tree -> timeline
        tree.guide_depth = 2
        self.query_one("#filter").display = False
        table = self.query_one("#timeline", DataTable)
        table.add_columns("date", "source", "direction", "weight", "title")
        self._update_title()
        tree.focus()
        if self.session.project is None:
            self.load()
        else:  # loaded before the app started
            self.loaded()

    # --- loading and scoring ----------------------------------------------------------------

    def load(self) -> None:
        """Read the project in a worker; a bar follows the files it reads, if there are many."""
        self._end_progress()
        self._reporter = Reporter(self)
        self._load(self._reporter)

    @work(thread=True, exclusive=True, group="load")
    def _load(self, reporter: Reporter) -> None:
        try:
            self.session.load(progress=reporter)
        except Exception as err:  # a bug below us must not take the analyst's terminal with it
            message = f"could not load the project: {type(err).__name__}: {err}"
            self.post_message(LoadEnded(reporter, message))
            return
        self.post_message(LoadEnded(reporter))

    def on_load_ended(self, event: LoadEnded) -> None:
        if event.failure is None:
            self.loaded(event.reporter)
        else:
            self.failed(event.failure, event.reporter)

    def on_progress(self, message: Progress) -> None:
        """A load read more files: show (or move) its bar, unless that load is already over."""
        reporter = message.reporter
        if reporter is not self._reporter or reporter.closed:
            return
        done, total = message.done, message.total
        label = count_label("reading evidence", done, total)
        count: int | None = total
        if done >= total:  # read: what is left (checks across files, scoring) has no count
            label, count = f"checking {total:,} files and scoring…", None
        panels = self.query("#load-progress")
        if panels:
            panels.first(ProgressPanel).show(label, done, count)
        else:
            panel = ProgressPanel(label, done=done, total=count, id="load-progress")
            self.query_one("#detail").mount(panel, before=0)

    def _end_progress(self, reporter: Reporter | None = None) -> None:
        """The load is over (or another starts): no more updates, and the bar goes."""
        if reporter is not None and reporter is not self._reporter:
            return  # an older load ending after a newer one began: the newer one's bar stays
        if self._reporter is not None:
            self._reporter.closed = True
            self._reporter = None
        for panel in self.query("#load-progress"):
            panel.remove()

    def failed(self, message: str, reporter: Reporter | None = None) -> None:
        self._end_progress(reporter)
        self.query_one("#banner", Static).update(
            literal(message + "\nr reloads; tracker check explains data problems")
        )

    def loaded(self, reporter: Reporter | None = None) -> None:
        """Score and show the tree: scoring one date takes tens of milliseconds even on
        10,000 items (the date-free part is prepared once per load), so it runs right here;
        a thread would only contend for the interpreter with the drawing."""
        self._end_progress(reporter)
        # The files were read anew: the paper's tree may have changed shape, every part of the
        # detail may read differently.
        self._head_of = self._score_of = self._timeline_of = None
        self._items = {}
        self.rescore_now()
        self.query_one("#tree", Tree).focus()

    def rescore_now(self) -> None:
        """Score at the as-of date and show it: the whole tree on a load, and on a date change
        only the labels whose figures moved (the tree's shape changes only with a status
        filter), then the selected node's detail, once, in one repaint."""
        self.session.rescore()
        self.scoring = False
        with self.app.batch_update():
            if not self._items or (self.status_filter and self._visible_ids() != self._shown_ids):
                self.rebuild_tree()
            else:
                self._update_title()
                self._relabel()
                self.show_detail()

    @work(thread=True, exclusive=True, group="history")
    def load_history(self, node_id: str) -> None:
        as_of = self.session.as_of
        self.session.compute_history(node_id)
        self.app.call_from_thread(self._history_ready, node_id, as_of)

    def _history_ready(self, node_id: str, as_of) -> None:
        """A chart's figures arrived: redraw the chart alone, if it is still the one shown."""
        if self.current == node_id and self.session.as_of == as_of:
            node = self.session.node(node_id)
            if node is not None and not self.scoring:
                self._show_chart(node)

    def _update_title(self) -> None:
        project = self.session.project
        paper = project.paper.title if project and project.paper else str(self.session.root)
        self.title = "tracker"
        busy = " · scoring…" if self.scoring else ""
        self.sub_title = f"{paper} · as of {self.session.as_of.isoformat()}{busy}"

    def _label_of(self, node: Node) -> tuple:
        """What a node's tree row says: its title and its figures as shown (rounded)."""
        score = (self.session.scores or {}).get(node.id)
        if score is None:
            return (node.title, None, None, "")
        return (node.title, score.status, round(score.score, 1) + 0.0, score.trend_arrow)

    def _relabel(self) -> None:
        """New figures into the tree's rows: only the rows whose label reads differently."""
        session = self.session
        for node_id, item in self._items.items():
            node = session.node(node_id)
            if node is None:
                continue
            key = self._label_of(node)
            if key != self._labels.get(node_id):
                self._labels[node_id] = key
                item.set_label(node_label(*key))

    def rebuild_tree(self) -> None:
        session = self.session
        tree = self.query_one("#tree", Tree)
        tree.clear()
        self._items, self._labels = {}, {}
        wanted = self._visible_ids()
        self._shown_ids = wanted

        def add(parent, node: Node) -> None:
            if node.id not in wanted:
                return
            key = self._labels[node.id] = self._label_of(node)
            label = node_label(*key)
            kids = [k for k in session.children.get(node.id, []) if k.id in wanted]
            branch = (
                parent.add(label, data=node.id, expand=True)
                if kids
                else parent.add_leaf(label, data=node.id)
            )
            self._items[node.id] = branch
            for kid in kids:
                add(branch, kid)

        for top in session.children.get(None, []):
            add(tree.root, top)
        self._update_title()
        self._update_banner()
        self._update_filters()
        if tree.root.children:
            target = self._find(tree, self.current) or tree.root.children[0]
            self.current = self._pending = target.data
            self.call_after_refresh(self._arrive, tree, target)
        self.show_detail()

    def _arrive(self, tree: Tree, target: TreeNode) -> None:
        """Put the cursor back on the node shown after a rebuild. A cursor already there
        moves nowhere and announces nothing: then stop waiting for it here, or every later
        move would be taken for the rebuild's and the detail would stop following."""
        tree.move_cursor(target)
        if tree.cursor_node is target:
            self._pending = None

    def _find(self, tree: Tree, node_id: str | None):
        return self._items.get(node_id) if node_id is not None else None

    def _visible_ids(self) -> set[str]:
        """Nodes that match the filters, with their ancestors so the tree stays a tree."""
        session = self.session
        nodes = session.project.nodes if session.project else []
        scores = session.scores or {}
        needle = self.text_filter.casefold()
        matched = set()
        for node in nodes:
            if needle and needle not in f"{node.id} {node.title} {node.text}".casefold():
                continue
            if self.status_filter:
                score = scores.get(node.id)
                if score is None or score.status != self.status_filter:
                    continue
            matched.add(node.id)
        by_id = {n.id: n for n in nodes}
        visible = set(matched)
        for node_id in matched:
            parent = by_id[node_id].parent
            while parent and parent not in visible:
                visible.add(parent)
                parent = by_id[parent].parent if parent in by_id else None
        return visible

    def _update_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        project = self.session.project
        lines = Text()
        if project is None:
            banner.update(Text("Loading the project…"))
            return
        errors = project.errors
        if project.problems:
            lines.append(
                f"⚠ {len(errors)} error(s), {len(project.problems) - len(errors)} "
                "warning(s) in the data files (p: show them all)\n",
                style="bold red",
            )
            for problem in project.problems[:5]:
                lines.append_text(literal(problem.render()))
                lines.append("\n")
        if not project.nodes:
            lines.append(
                "No recommendations could be read: fix recommendations.toml "
                "(tracker check lists the problems).\n",
                style="bold",
            )
        elif not project.evidence_count:
            lines.append(GUIDANCE + "\n")
        if self.session.scoring_note:
            lines.append(self.session.scoring_note + "\n", style="italic")
        banner.update(lines)
        banner.display = bool(lines.plain)

    def _update_filters(self) -> None:
        parts = []
        if self.text_filter:
            parts.append(f"text: {self.text_filter!r}")
        if self.status_filter:
            parts.append(f"status: {self.status_filter}")
        widget = self.query_one("#filters", Static)
        widget.update(
            literal("filtered by " + ", ".join(parts) + " (escape clears)") if parts else ""
        )
        widget.display = bool(parts)

    # --- the detail pane ----------------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#tree")
    def highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node is not event.control.cursor_node:  # the cursor has moved on since
            return
        if self._pending is not None:  # the tree was rebuilt: wait for the cursor to arrive
            if event.node.data == self._pending:
                self._pending = None
            return
        if event.node.data and event.node.data != self.current:
            self.current = event.node.data
            self.show_detail()

    def show_detail(self) -> None:
        """The selected node's detail, each part redrawn only if what it shows has changed:
        the heading and the paper's wording with the node, the figures with the date too."""
        session = self.session
        node = session.node(self.current) if self.current else None
        if node is None:
            for name in (
                "#node-head",
                "#node-text",
                "#node-score",
                "#chart-label",
                "#timeline-label",
            ):
                self.query_one(name, Static).update("")
            self.query_one("#chart", Sparkline).display = False
            self.query_one("#timeline", DataTable).clear()
            self.row_ids = []
            self._head_of = self._score_of = self._timeline_of = None
            return
        if self._head_of != node.id:
            self._head_of = node.id
            self._show_head(node)
        self._show_score(node)
        self._show_chart(node)
        self._show_timeline(node)

    def _show_head(self, node: Node) -> None:
        title = Text()
        title.append_text(literal(node.title))
        title.stylize("bold")
        title.append(f"\n{node.kind} · {node.id}", style="dim")
        where = " › ".join(node.headings)
        if where or node.page:
            title.append("\n")
            title.append_text(literal(where))
            if node.page:
                title.append(f"  (page {node.page})", style="dim")
        self.query_one("#node-head", Static).update(title)
        self.query_one("#node-text", Static).update(literal(node.text or "(no text)"))

    def _show_score(self, node: Node) -> None:
        session = self.session
        widget = self.query_one("#node-score", Static)
        score = None if self.scoring else (session.scores or {}).get(node.id)
        if score is None:
            note = "scoring…" if self.scoring else session.scoring_note or "not scored"
            if self._score_of != (node.id, note):
                self._score_of = (node.id, note)
                widget.update(Text(note, style="italic"))
            return
        shown = (node.id, session.as_of, id(session.scores))
        if self._score_of == shown:
            return
        self._score_of = shown
        out = Text("Score ")
        out.append_text(status_text(score.status, score.score, score.trend_arrow))
        out.append(f"   evidence {score.evidence_count}, weight {score.strength:.2f}")
        if score.children_total:
            out.append(f", children scored {score.children_scored}/{score.children_total}")
        out.append("\n")
        out.append_text(literal(score.status_reason))
        explanation = session.explanation(node.id)
        contributions = explanation.contributions if explanation else []
        if explanation is None and score.evidence_count:
            out.append(f"\n{CHANGED_ON_DISK}", style="dim")
        if explanation and explanation.excluded_count:
            out.append(
                f"\n{explanation.excluded_count} item(s) not counted (tracker explain lists why)",
                style="dim",
            )
        table = Table(
            "evidence",
            "date",
            "rel",
            "cred",
            "conf",
            "impact",
            "weight",
            "decay",
            "contrib",
            box=None,
            pad_edge=False,
            expand=False,
        )
        for c in contributions:
            item = c.evidence
            table.add_row(
                literal(item.title[:40]),
                item.date.isoformat(),
                str(item.source.reliability),
                str(item.source.credibility),
                str(c.confidence),
                f"{c.impact:+.1f}",
                f"{c.weight:.2f}",
                f"{c.decay:.2f}",
                f"{c.contribution:+.2f}",
            )
        widget.update(RenderOnce(Group(out, table)) if contributions else out)

    def _show_chart(self, node: Node) -> None:
        """The node's score month by month, once its worker has swept the subtree."""
        session = self.session
        chart = self.query_one("#chart", Sparkline)
        chart_label = self.query_one("#chart-label", Static)
        history = None
        if not self.scoring and (session.scores or {}).get(node.id) is not None:
            history = session.history.get(node.id)
            if history is None and session.config is not None:
                if session.history_cost(node.id) <= INLINE_HISTORY:
                    session.compute_history(node.id)
                    history = session.history.get(node.id)
                else:
                    self.load_history(node.id)
        chart.display = bool(history)
        if history:
            chart.data = history
            dates = session.history_dates
            chart_label.update(
                f"score over time: {dates[0].isoformat()} … {dates[-1].isoformat()}"
                f"  (min {min(history):+.1f}, max {max(history):+.1f})"
            )
        else:
            chart_label.update("")

    def _show_timeline(self, node: Node) -> None:
        """The node's evidence up to the as-of date; rows are date-free, so the table is
        rebuilt only when the rows themselves change (another node, or items in or out)."""
        table = self.query_one("#timeline", DataTable)
        rows, total = self.session.entries(node.id)
        label = f"evidence, newest first: {total}"
        if total > len(rows):
            label += f" (showing {len(rows)}; ctrl+f searches all)"
        label_widget = self.query_one("#timeline-label", Static)
        if label_widget.content != label:
            label_widget.update(label)
        shown = (node.id, tuple(rows))
        if shown == self._timeline_of:
            return
        self._timeline_of = shown
        table.clear()
        self.row_ids = []
        items = self.session.items_at([row.path for row in rows])  # only the rows shown
        for row in rows:
            item = items[row.path]
            weight = self.session.weight(row.node_id, row.evidence_id)
            table.add_row(
                row.date.isoformat(),
                literal(item.source.publisher[:24]) if item else "",
                direction(row.impact),
                f"{weight:.2f}" if weight is not None else "–",
                literal(item.title[:60]) if item else CHANGED_ON_DISK,
            )
            self.row_ids.append(row.evidence_id)

    # --- actions --------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#timeline")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_evidence(self.row_ids[event.cursor_row])

    def open_evidence(self, evidence_id: str) -> None:
        from tracker.tui.screens.evidence import EvidenceScreen

        ev = self.session.evidence_file(evidence_id)
        if ev is None:
            self.notify(CHANGED_ON_DISK, title=evidence_id, severity="warning")
            return
        self.app.push_screen(EvidenceScreen(self.session, ev))

    def action_open(self) -> None:
        table = self.query_one("#timeline", DataTable)
        if table.row_count:
            self.open_evidence(self.row_ids[table.cursor_row])

    def select_node(self, node_id: str) -> None:
        """Jump to a node (from the evidence screen), clearing filters that would hide it."""
        self.text_filter, self.status_filter = "", None
        self.current = node_id
        self.rebuild_tree()
        self.query_one("#tree", Tree).focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()
        self.rebuild_tree()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one("#tree", Tree).focus()

    def key_escape(self) -> None:
        if self.text_filter or self.status_filter:
            box = self.query_one("#filter", Input)
            box.value = ""
            box.display = False
            self.text_filter, self.status_filter = "", None
            self.rebuild_tree()
            self.query_one("#tree", Tree).focus()

    def action_status_filter(self) -> None:
        index = STATUS_CYCLE.index(self.status_filter)
        self.status_filter = STATUS_CYCLE[(index + 1) % len(STATUS_CYCLE)]
        self.rebuild_tree()

    def action_search(self) -> None:
        from tracker.tui.screens.dialogs import SearchScreen

        def chosen(evidence_id: str | None) -> None:
            if evidence_id:
                self.open_evidence(evidence_id)

        self.app.push_screen(SearchScreen(self.session), chosen)

    def set_as_of(self, date) -> None:
        """Scores, statuses and timelines follow at once; the charts when their worker is done."""
        self.session.as_of = date
        self.session.history = {}
        self.rescore_now()

    def action_shift(self, months: int) -> None:
        self.set_as_of(shift_months(self.session.as_of, months))

    def action_today(self) -> None:
        from tracker.clock import today

        self.set_as_of(today())

    def action_as_of(self) -> None:
        from tracker.tui.screens.dialogs import AsOfScreen

        def chosen(date) -> None:
            if date is not None:
                self.set_as_of(date)

        self.app.push_screen(AsOfScreen(self.session.as_of), chosen)

    def action_new(self) -> None:
        from tracker.tui.screens.form import EvidenceForm

        self.app.push_screen(EvidenceForm(self.session, None), self._after_edit)

    def _after_edit(self, saved: bool | None) -> None:
        if saved:
            self.action_reload()

    def action_reload(self) -> None:
        self.load()

    def action_problems(self) -> None:
        from tracker.tui.screens.dialogs import ProblemsScreen

        if self.session.project is not None:
            self.app.push_screen(ProblemsScreen(self.session.project.problems))

    def action_inbox(self) -> None:
        from tracker.tui.screens.inbox import InboxScreen

        self.app.push_screen(InboxScreen(self.session), self._after_edit)

    def action_commit(self) -> None:
        from tracker.tui.screens.commit import CommitScreen

        self.app.push_screen(CommitScreen(self.session.root), self._after_edit)
