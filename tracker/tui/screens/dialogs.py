"""Small modal screens: help, as-of date, search, problems, yes/no."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tracker.domain.problems import Problem
from tracker.tui.session import Session, parse_as_of
from tracker.tui.widgets import literal

HELP = """\
[b]Main screen[/b]
  ↑ ↓ ← → enter   move through the tree; enter folds a branch (⊞ folded, ⊟ open)
  tab             move between the tree and the evidence list
  enter / o       open the evidence under the cursor (in the evidence list)
  n               new evidence: paste an article, score it, save
  x               explain this node: what counts, what does not, and why
  h               its history, month by month      l   the legend: symbols, words, figures
  /               filter the tree by text          s   cycle the status filter
  escape          clear the filters                ctrl+f  search the evidence
  a               type the as-of date              t   as-of back to today
  [ ]             as-of one month back / on        { }  one quarter back / on
  w               panes: both, the tree alone, the detail alone
  - +             the tree pane narrower / wider
  c               commit the changes to git        e   export the status to a file
  k               check every data file afresh     p   the data files' problems
  i               the inbox: new articles from the feeds, ranked against the paper
  r               reload every file                q   quit

[b]Evidence screen[/b]
  e  edit        d  remove        j  jump to a recommendation it bears on     escape  back

[b]Evidence form[/b]  (the same keys on a new and an edited item)
  ctrl+s  save (never overwrites a file changed on disk)     escape  close (asks if unsaved)
  enter   on a suggestion: add an assessment for it
  ctrl+n  add an assessment (then pick its recommendation)
  ctrl+g  pick the recommendation of this assessment by id or title
  ctrl+r  fill the form from the pasted article
  ctrl+o  import a file            ctrl+l  import a URL (escape cancels the fetch)
  tab / shift+tab  next / previous field
  What you type is kept in a recovery draft until you save or discard it; after a crash the
  workbench offers it at the next start.

[b]Everywhere[/b]
  ctrl+p  command palette: every action by name      f1 or ?  this help

Status reads without colour: ✔ achieved  + progressing  − regressing
± contested  = no clear movement  · no evidence.  Movement: ↑ toward  ↓ away  → none.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,q,f1,question_mark", "dismiss", "Close", tooltip="Close help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Label("Keys and flows", classes="dialog-title")
            yield Static(HELP)


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.question))
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button(f"{self.no} (n)", id="no")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class AsOfScreen(ModalScreen[dt.date | None]):
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, current: dt.date) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("As of which date? YYYY-MM-DD, YYYY-MM or YYYY", classes="dialog-title")
            yield Input(self.current.isoformat(), id="as-of")
            yield Static("", id="as-of-error", classes="error")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(parse_as_of(event.value))
        except ValueError:
            self.query_one("#as-of-error", Static).update(
                literal(f"{event.value!r} is not a date: use YYYY-MM-DD, YYYY-MM or YYYY")
            )


class SearchScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                "Search evidence: title, quote, source (every word must match)",
                classes="dialog-title",
            )
            yield Input(placeholder="words…", id="query")
            yield Static("", id="count")
            yield OptionList(id="results")

    def on_mount(self) -> None:
        if not self.session.search_ready:  # the first search of a load reads every item once
            count = self.session.project.evidence_count if self.session.project else 0
            self.query_one("#count", Static).update(f"reading {count:,} items for search…")
            self.run_worker(self._prepare, thread=True, group="search", exclusive=True)

    def _prepare(self) -> None:
        self.session.prepare_search()
        self.app.call_from_thread(self._ready)

    def _ready(self) -> None:
        if self.is_attached:
            self._show(self.query_one("#query", Input).value)

    @on(Input.Changed, "#query")
    def changed(self, event: Input.Changed) -> None:
        if self.session.search_ready:
            self._show(event.value)

    def _show(self, query: str) -> None:
        """Search in a worker (each keystroke replaces the last search), then list."""
        if not query.strip():
            self.query_one("#results", OptionList).clear_options()
            self.query_one("#count", Static).update("")
            return
        self.query_one("#count", Static).update(Text("searching…", style="italic"))
        self.run_worker(lambda: self._search(query), thread=True, group="search", exclusive=True)

    def _search(self, query: str) -> None:
        found = self.session.search(query)
        self.app.call_from_thread(self._found, query, found)

    def _found(self, query: str, found: list) -> None:
        if not self.is_attached or self.query_one("#query", Input).value != query:
            return  # a newer search is under way
        results = self.query_one("#results", OptionList)
        results.clear_options()
        if not found:
            self.query_one("#count", Static).update(
                Text("Nothing found: every word must match.", style="italic")
            )
            return
        for item in found:
            prompt = Text(f"{item.date.isoformat()}  ")
            prompt.append_text(literal(" ".join(item.title.split())))
            prompt.append("  ")
            prompt.append_text(literal(item.source.publisher[:24]))
            results.add_option(Option(prompt, id=item.id))
        self.query_one("#count", Static).update(f"{len(found)} found (↓ then enter opens)")

    @on(Input.Submitted, "#query")
    def submitted(self) -> None:
        results = self.query_one("#results", OptionList)
        if results.option_count:
            results.focus()
            results.highlighted = 0

    @on(OptionList.OptionSelected, "#results")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ProblemsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, problems: list[Problem], summary: str = "") -> None:
        super().__init__()
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        self.summary = summary

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            ok = "ok: " if not any(p.severity == "error" for p in self.problems) else ""
            yield Label(
                ok
                + (self.summary or f"{len(self.problems)} problem(s)")
                + ", as tracker check reports them",
                classes="dialog-title",
                markup=False,
            )
            body = Text()
            for problem in self.problems:
                body.append_text(literal(problem.render()))
                body.append("\n")
            yield Static(body or Text("No problems."), id="problem-list")


class RecoveryScreen(ModalScreen[str]):
    """A form the workbench kept after an unexpected error: open it, keep it, or discard it."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("o", "answer('open')", "Open it"),
        Binding("l,escape", "answer('later')", "Later"),
        Binding("d", "answer('discard')", "Discard"),
    ]

    def __init__(self, summary: str, saved_at: str) -> None:
        super().__init__()
        self.summary, self.saved_at = summary, saved_at

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("An unsaved form was kept", classes="dialog-title")
            yield Static(
                literal(
                    f"The workbench kept {self.summary}, as typed at {self.saved_at or '?'}.\n"
                    "Open it to finish and save it, keep it for later, or discard it."
                )
            )
            with Horizontal(classes="buttons"):
                yield Button("Open it (o)", id="open", variant="primary")
                yield Button("Later (l)", id="later")
                yield Button("Discard (d)", id="discard", variant="warning")

    def action_answer(self, value: str) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "later")
