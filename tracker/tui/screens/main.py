"""The main screen: the paper's tree with scores on the left, the selected node's detail right."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Input, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from tracker.domain.model import Node
from tracker.reports.figures import signed
from tracker.tui.footer import Footer
from tracker.tui.progress import Progress, ProgressPanel, Reporter, count_label
from tracker.tui.session import Session, shift_months
from tracker.tui.widgets import (
    FOLD,
    STATUS,
    chart_text,
    direction,
    literal,
    node_label,
    one_line,
    status_parts,
    status_text,
)

STATUS_CYCLE = [None, *STATUS]
CHANGED_ON_DISK = "(changed on disk since the load: r reloads)"
# A chart whose subtree has at most this many readings is swept at once (~15 ms at most), so
# it is drawn with the scores; a bigger one in a worker, the chart following when it is done.
INLINE_HISTORY = 10_000
# Below this many columns the tree leaves the status word out (the symbol carries it).
TREE_WORDS_FROM = 56
# The contributions listed under the score; x shows them all with what does not count.
TOP_CONTRIBUTIONS = 4
LAYOUTS = ("both", "tree", "detail")

GUIDANCE = """No evidence yet. To start:
  n        add evidence: paste an article, score it, save (ctrl+s)
  tracker import URL|FILE   from the command line
Evidence lives in evidence/YYYY/ID.toml; see docs/workbench.md."""


class Chart(Widget):
    """The standing over time, drawn at the width the pane has (a wide pane stretches each
    month over more columns), so it never depends on when the layout settled."""

    DEFAULT_CSS = "Chart { height: auto; }"

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.values: list[float] = []
        self.dates: list[str] = []
        self.style = ""

    def show(self, values: list[float], dates: list[str], style: str) -> None:
        self.values, self.dates, self.style = values, dates, style
        self.refresh(layout=True)

    def render(self) -> Text:
        room = max(0, self.size.width - 10)
        stretch = max(1, min(4, room // max(1, len(self.values))))
        return chart_text(self.values, self.dates, style=self.style, stretch=stretch)


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

    # The footer shows the first keys first: Help and Quit lead, so 80 columns keep them.
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("f1", "app.help", "Help", tooltip="List every key"),
        Binding("q", "app.quit", "Quit", tooltip="Leave the workbench"),
        Binding("n", "new", "New", tooltip="New evidence: paste, open or fetch an article"),
        Binding("x", "explain", "Explain", tooltip="What counts for this node, what not, and why"),
        Binding("slash", "filter", "Filter", tooltip="Filter the tree by text"),
        Binding("c", "commit", "Commit", tooltip="See what changed and commit it to git"),
        Binding("l", "legend", "Legend", tooltip="What the symbols, words and figures mean"),
        Binding("w", "layout", "Panes", tooltip="Show both panes, the tree alone or the detail"),
        Binding("o", "open", "Open evidence", show=False, tooltip="Open the evidence row"),
        Binding("s", "status_filter", "Status filter", show=False, tooltip="Cycle the status"),
        Binding("ctrl+f", "search", "Search", show=False, tooltip="Search evidence by text"),
        Binding("h", "history", "History", show=False, tooltip="Standing over time"),
        Binding("e", "export", "Export", show=False, tooltip="Write the status to a file"),
        Binding("k", "check", "Check", show=False, tooltip="Check every data file afresh"),
        Binding("a", "as_of", "As of", show=False, tooltip="Type the as-of date"),
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
        Binding("minus", "tree_width(-8)", "Narrower tree", show=False, tooltip="Tree pane -8"),
        Binding("plus,equals_sign", "tree_width(8)", "Wider tree", show=False, tooltip="+8"),
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
        self.pane_layout = "both"
        self.tree_width: int | None = None  # columns, once the analyst resizes the pane
        self._words = True  # the tree shows status words (wide enough)
        self._then_check = False  # a reload asked for by `check`: show its findings after
        self._offered_recovery = False  # a kept form is offered once, after the first load
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
                    yield Chart(id="chart")
                    yield Static("", id="node-text")
                yield Static("", id="timeline-label")
                yield OptionList(id="timeline")
        yield Footer()

    def on_mount(self) -> None:
        tree = self.query_one("#tree", Tree)
        tree.show_root = False
        tree.ICON_NODE, tree.ICON_NODE_EXPANDED = FOLD
        # tab goes tree -> the detail (scrolls with the arrows on a small screen) -> evidence
        self.query_one("#detail-top").can_focus = True
        tree.guide_depth = 2
        self.query_one("#filter").display = False
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
        if self._then_check:
            self._then_check = False
            self._show_check()

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
        self._words = self._tree_is_wide()
        self.rescore_now()
        self.query_one("#tree", Tree).focus()
        if not self._offered_recovery:
            self._offered_recovery = True
            self.call_after_refresh(self.offer_recovery)

    def offer_recovery(self) -> None:
        """A form kept after an unexpected error: offer to open it, keep it, or discard it."""
        from tracker.tui import recovery
        from tracker.tui.screens.dialogs import RecoveryScreen

        draft = recovery.load(self.session.root)
        if draft is None:
            return

        def answer(choice: str | None) -> None:
            if choice == "discard":
                recovery.discard(self.session.root)
            elif choice == "open":
                self.open_recovered(draft)

        self.app.push_screen(RecoveryScreen(draft.summary(), draft.saved_at), answer)

    def open_recovered(self, draft) -> None:
        """The kept form, on the item it was editing if that file still holds one (a save
        then refuses if the file changed since the form first opened it)."""
        from tracker.store.files import FileChangedError
        from tracker.tui.screens.form import EvidenceForm
        from tracker.workspace import EvidenceFile

        ev = None
        if draft.editing and self.session.project is not None:
            try:
                now = self.session.project.read(draft.editing)
            except (FileChangedError, OSError):
                self.notify(
                    f"{draft.editing} no longer holds an item: the kept form opens as new evidence",
                    severity="warning",
                    markup=False,
                )
            else:
                ev = EvidenceFile(now.item, now.path, draft.editing_sha256 or now.sha256)
        self.app.push_screen(EvidenceForm(self.session, ev, restore=draft), self._after_edit)

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
            return (node.title, None, None, "", self._words)
        return (node.title, score.status, score.score, score.trend_arrow, self._words)

    def _relabel(self) -> None:
        """New figures into the tree's rows: only the rows whose label reads differently."""
        session = self.session
        for node_id, item in self._items.items():
            node = session.node(node_id)
            if node is None:
                continue
            key = self._label_of(node)
            if _shown(key) != _shown(self._labels.get(node_id)):
                self._labels[node_id] = key
                item.set_label(_label(key))

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
            label = _label(key)
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
        else:  # nothing matches: the detail shows no node rather than one filtered out
            self.current = self._pending = None
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
            parts.append(f"status: {status_parts(self.status_filter)[1]}")
        widget = self.query_one("#filters", Static)
        if not parts:
            widget.update("")
            widget.display = False
            return
        text = literal("filtered by " + ", ".join(parts) + " (escape clears")
        text.append("; s: next status)" if self.status_filter else ")")
        if not self._shown_ids:
            text.append("\nNothing matches: no node has ", style="bold")
            text.append("that text" if self.text_filter else "that status", style="bold")
            text.append(" at this date.", style="bold")
        widget.update(text)
        widget.display = True

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
            empty = ""
            if session.project is not None and not self._shown_ids and self._items == {}:
                empty = "Nothing matches the filter: escape clears it."
            self.query_one("#node-head", Static).update(Text(empty, style="italic"))
            for name in ("#node-text", "#node-score", "#chart-label", "#timeline-label"):
                self.query_one(name, Static).update("")
            self.query_one("#chart", Chart).display = False
            self.query_one("#timeline", OptionList).clear_options()
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
        """The node's title and id on top; where it sits in the paper and its wording below
        the figures (read once, and long)."""
        title = Text()
        title.append_text(literal(node.title))
        title.stylize("bold")
        title.append(f"\n{node.kind} · {node.id}", style="dim")
        self.query_one("#node-head", Static).update(title)
        text = Text()
        where = " › ".join(node.headings)
        if where or node.page:
            text.append_text(literal(where))
            if node.page:
                text.append(f"  (page {node.page})")
            text.append("\n")
        text.append_text(literal(node.text or "(no text)"))
        self.query_one("#node-text", Static).update(text)

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
        widget.update(self._score_text(node, score))

    def _score_text(self, node: Node, score) -> Text:
        """Standing, status, movement and counts in words, then the largest contributions,
        each on lines that wrap at any width (x shows the whole table)."""
        session = self.session
        out = Text("Standing ")
        out.append(signed(score.score, 2), style="bold")
        out.append(f" ({score.band})   ")
        out.append_text(status_text(score.status))
        out.append("\nMovement ")
        out.append(f"{score.trend_arrow or '·'} {signed(score.trend, 2)}")
        out.append(
            f" since {score.window_start.isoformat()} "
            f"({score.movement_count} item{'s' if score.movement_count != 1 else ''})",
            style="dim",
        )
        out.append("\n")
        out.append_text(literal(score.status_reason))
        out.append("\n")
        explanation = session.explanation(node.id, limit=TOP_CONTRIBUTIONS)
        not_counted = 0
        if explanation is not None:
            reasons = dict(explanation.excluded_reasons)
            reasons.pop("after_as_of", None)
            not_counted = sum(reasons.values())
        n = score.evidence_count
        counts = f"{n} item counts" if n == 1 else f"{n} items count"
        if not_counted:
            counts += f"; {not_counted} do{'es' if not_counted == 1 else ''} not (x: why)"
        if score.stale:
            counts += "; stale"
        if score.thin:
            counts += "; thin"
        out.append(counts, style="dim")
        if explanation is None and score.evidence_count:
            out.append(f"\n{CHANGED_ON_DISK}", style="dim")
        contributions = explanation.contributions if explanation else []
        if contributions:
            out.append("\nLargest contributions (x: all, and what does not count):", style="bold")
        for c in contributions:
            out.append(f"\n {signed(c.contribution, 2)} ", style="bold")
            out.append(f"{c.evidence.date.isoformat()} ")
            out.append_text(one_line(c.evidence.title))
            out.append(f"  ({c.treatment}, w {c.weight:.2f})", style="dim")
        return out

    def _show_chart(self, node: Node) -> None:
        """The node's standing month by month, zero on the axis as the CLI's `history`."""
        session = self.session
        chart = self.query_one("#chart", Chart)
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
            dates = session.history_dates
            score = (session.scores or {}).get(node.id)
            style = status_parts(score.status if score else None)[2]
            chart.show(list(history), [d.isoformat() for d in dates], style)
            chart_label.update(
                f"Standing, monthly {dates[0].isoformat()} … {dates[-1].isoformat()}"
                f"  (min {signed(min(history), 2)}, max {signed(max(history), 2)})"
            )
        else:
            chart_label.update("")

    def _show_timeline(self, node: Node) -> None:
        """The node's evidence up to the as-of date, as a list whose rows wrap at any width;
        rows are date-free, so the list is rebuilt only when the rows themselves change."""
        table = self.query_one("#timeline", OptionList)
        every, _ = self.session.entries(node.id, limit=None)  # type: ignore[arg-type]
        rows = every[:100]
        items_total = len({row.evidence_id for row in every})
        label = (
            f"Evidence up to {self.session.as_of.isoformat()}, newest first: "
            f"{items_total} item{'s' if items_total != 1 else ''}"
        )
        if len(every) > len(rows):
            label += f" (showing {len(rows)} rows; ctrl+f searches all)"
        label_widget = self.query_one("#timeline-label", Static)
        if label_widget.content != label:
            label_widget.update(label)
        shown = (node.id, tuple(rows))
        if shown == self._timeline_of:
            return
        self._timeline_of = shown
        self.row_ids = []
        items = self.session.items_at([row.path for row in rows])  # only the rows shown
        options = []
        for row in rows:
            item = items[row.path]
            weight = self.session.weight(row.node_id, row.evidence_id)
            prompt = Text(f"{row.date.isoformat()}  ")
            prompt.append_text(direction(row.impact))
            prompt.append(f"  w {weight:.2f}" if weight is not None else "  w –", style="dim")
            if item is not None:
                prompt.append("  ")
                prompt.append_text(one_line(item.source.publisher))
                prompt.append("\n  ")
                prompt.append_text(one_line(item.title))
            else:
                prompt.append(f"\n  {CHANGED_ON_DISK}")
            if row.node_id != node.id:
                prompt.append(f"  ({row.node_id})", style="dim")
            options.append(Option(prompt))
            self.row_ids.append(row.evidence_id)
        table.clear_options()
        table.add_options(options)
        if options:
            table.highlighted = 0

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._fit_tree)

    def _tree_is_wide(self) -> bool:
        """Whether the tree has room for status words: its width once laid out, else the
        share of the terminal the stylesheet gives it."""
        width = self.query_one("#tree", Tree).size.width or int(self.app.size.width * 0.45)
        return width >= TREE_WORDS_FROM

    def _fit_tree(self) -> None:
        """Status words in the tree only where it is wide enough to keep the titles readable."""
        words = self._tree_is_wide()
        if words != self._words:
            self._words = words
            self._relabel()

    # --- actions --------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#timeline")
    def row_selected(self, event: OptionList.OptionSelected) -> None:
        self.open_evidence(self.row_ids[event.option_index])

    def open_evidence(self, evidence_id: str) -> None:
        from tracker.tui.screens.evidence import EvidenceScreen

        ev = self.session.evidence_file(evidence_id)
        if ev is None:
            self.notify(CHANGED_ON_DISK, title=evidence_id, severity="warning")
            return
        self.app.push_screen(EvidenceScreen(self.session, ev))

    def action_open(self) -> None:
        table = self.query_one("#timeline", OptionList)
        if table.option_count and table.highlighted is not None:
            self.open_evidence(self.row_ids[table.highlighted])

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

    def action_layout(self) -> None:
        """Both panes, the tree alone (titles in full), or the detail alone."""
        self.pane_layout = LAYOUTS[(LAYOUTS.index(self.pane_layout) + 1) % len(LAYOUTS)]
        self._apply_layout()
        target = "#timeline" if self.pane_layout == "detail" else "#tree"
        self.query_one(target).focus()

    def action_tree_width(self, step: int) -> None:
        left = self.query_one("#left")
        current = self.tree_width or left.outer_size.width
        self.tree_width = max(24, min(self.size.width - 20, current + step))
        self._apply_layout()

    def _apply_layout(self) -> None:
        left, detail = self.query_one("#left"), self.query_one("#detail")
        left.display = self.pane_layout != "detail"
        detail.display = self.pane_layout != "tree"
        if self.pane_layout == "tree":
            left.styles.width = "1fr"
        elif self.tree_width is not None:
            left.styles.width = self.tree_width
        else:
            left.styles.width = None  # the stylesheet's share
        self.call_after_refresh(self._fit_tree)

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

    def action_check(self) -> None:
        """Every data file read and checked afresh, as `tracker check` does, then the findings."""
        self._then_check = True
        self.notify("checking every data file…", markup=False, timeout=2)
        self.load()

    def _show_check(self) -> None:
        from tracker.tui.screens.dialogs import ProblemsScreen

        project = self.session.project
        if project is not None:
            summary = (
                f"{len(project.errors)} error(s), {len(project.problems) - len(project.errors)} "
                f"warning(s) in {project.evidence_count} evidence items and "
                f"{len(project.nodes)} recommendations"
            )
            self.app.push_screen(ProblemsScreen(project.problems, summary=summary))

    def action_inbox(self) -> None:
        from tracker.tui.screens.inbox import InboxScreen

        self.app.push_screen(InboxScreen(self.session), self._after_edit)

    def action_commit(self) -> None:
        from tracker.tui.screens.commit import CommitScreen

        self.app.push_screen(CommitScreen(self.session.root), self._after_edit)

    def action_explain(self) -> None:
        from tracker.tui.screens.reports import ExplainScreen

        if self.current and self.session.scores:
            self.app.push_screen(ExplainScreen(self.session, self.current))

    def action_history(self) -> None:
        from tracker.tui.screens.reports import HistoryScreen

        if self.current and self.session.scores:
            self.app.push_screen(HistoryScreen(self.session, self.current))

    def action_legend(self) -> None:
        from tracker.tui.screens.reports import LegendScreen

        if self.session.config is not None:
            self.app.push_screen(LegendScreen(self.session.config))

    def action_export(self) -> None:
        from tracker.tui.screens.reports import ExportScreen

        if self.session.scores:
            self.app.push_screen(ExportScreen(self.session))


def _shown(key: tuple | None) -> tuple | None:
    """A label's key as it reads: the score at the two decimals shown."""
    if key is None:
        return None
    title, status, score, arrow, words = key
    return (title, status, signed(score, 2) if score is not None else None, arrow, words)


def _label(key: tuple) -> Text:
    title, status, score, arrow, words = key
    return node_label(title, status, score, arrow, words=words)
