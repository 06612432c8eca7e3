"""One evidence item, whole: the record, its assessments, same-event links, and jumps."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tracker.domain.model import CREDIBILITY_MEANING, IMPACT_MEANING, RELIABILITY_MEANING
from tracker.store.files import FileChangedError
from tracker.tui.footer import Footer
from tracker.tui.session import Session
from tracker.tui.widgets import direction, literal
from tracker.workspace import EvidenceFile


def record_text(ev: EvidenceFile) -> Text:
    item, src = ev.item, ev.item.source
    out = Text()
    out.append_text(literal(item.title))
    out.stylize("bold")
    out.append(f"\n{item.id}   {ev.path}\n", style="dim")
    out.append(f"date {item.date.isoformat()} ({item.date_precision})")
    if src.published:
        out.append(f"   published {src.published.isoformat()}")
    if item.event:
        out.append(f"   event {item.event}")
    out.append("\n\nsource  ")
    out.append_text(literal(src.publisher))
    if src.author:
        out.append("   by ")
        out.append_text(literal(src.author))
    if src.claimant:
        out.append("   claimant ")
        out.append_text(literal(src.claimant))
    if src.url:
        out.append("\nurl     ")
        out.append_text(literal(src.url))
    out.append(
        f"\nreliability {src.reliability} ({RELIABILITY_MEANING[src.reliability]}), "
        f"credibility {src.credibility} ({CREDIBILITY_MEANING[src.credibility]})\n"
    )
    out.append("\nquote\n", style="bold")
    out.append_text(literal(src.quote))
    out.append("\n")
    return out


def assessment_text(ev: EvidenceFile, session: Session) -> Text:
    out = Text()
    for a in ev.item.assessments:
        node = session.node(a.recommendation)
        out.append("\n")
        out.append_text(literal(node.title if node else a.recommendation))
        out.stylize("bold", len(out) - len(node.title if node else a.recommendation), len(out))
        out.append(f"  ({a.recommendation})\n", style="dim")
        out.append("  ")
        out.append_text(direction(a.impact))
        out.append(f" ({IMPACT_MEANING[abs(a.impact)]}), confidence {a.confidence}")
        if a.verdict:
            out.append(f", verdict {a.verdict}", style="bold")
        if a.analyst:
            out.append(", analyst ")
            out.append_text(literal(a.analyst))
        out.append("\n  ")
        out.append_text(literal(a.rationale))
        out.append("\n")
    return out


class EvidenceScreen(Screen[None]):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "app.pop_screen", "Back", tooltip="Back to the tree"),
        Binding("e", "edit", "Edit", tooltip="Edit this item and its assessments"),
        Binding("d", "remove", "Remove", tooltip="Delete this item's file (asks first)"),
        Binding("j", "jump", "Jump", tooltip="Go to a recommendation it bears on"),
    ]

    def __init__(self, session: Session, ev: EvidenceFile) -> None:
        super().__init__()
        self.session, self.ev = session, ev

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="record"):
            yield Static(record_text(self.ev), id="record-text")
            yield Static(Text("Assessments", style="bold underline"))
            yield Static(assessment_text(self.ev, self.session), id="assessments")
            yield Static(Text("Bears on (enter jumps there)", style="bold underline"))
            yield OptionList(id="jumps")
            yield Static(Text("Same event", style="bold underline"))
            yield Static(self._same_event(), id="same-event")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.ev.item.title
        jumps = self.query_one("#jumps", OptionList)
        for a in self.ev.item.assessments:
            node = self.session.node(a.recommendation)
            jumps.add_option(
                Option(literal(node.title if node else a.recommendation), id=a.recommendation)
            )

    def _same_event(self) -> Text:
        others = self.session.same_event(self.ev)
        if not others:
            return Text("No other report of this event.", style="dim")
        out = Text()
        for other in others:
            out.append(f"{other.date.isoformat()}  ")
            out.append_text(literal(other.title))
            out.append("  ")
            out.append_text(literal(other.source.publisher))
            out.append("\n")
        return out

    def action_jump(self) -> None:
        jumps = self.query_one("#jumps", OptionList)
        jumps.focus()
        if jumps.option_count and jumps.highlighted is None:
            jumps.highlighted = 0

    @on(OptionList.OptionSelected, "#jumps")
    def jump(self, event: OptionList.OptionSelected) -> None:
        main = self.app.main
        self.app.pop_screen()
        main.select_node(event.option.id)

    def action_edit(self) -> None:
        from tracker.tui.screens.form import EvidenceForm

        def done(saved: bool | None) -> None:
            if saved:
                self.app.pop_screen()
                self.app.main.action_reload()

        self.app.push_screen(EvidenceForm(self.session, self.ev), done)

    def action_remove(self) -> None:
        from tracker.tui.screens.dialogs import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.session.project.delete(self.ev)
            except FileChangedError as err:
                self.notify(
                    str(err) + " Press r on the main screen to reload.",
                    title="Not removed",
                    severity="error",
                    timeout=10,
                    markup=False,
                )
                return
            except OSError as err:
                self.notify(
                    f"cannot remove {self.ev.path}: {err.strerror}",
                    title="Not removed",
                    severity="error",
                    markup=False,
                )
                return
            self.notify(f"removed {self.ev.path}", markup=False)
            self.app.pop_screen()
            self.app.main.action_reload()

        self.app.push_screen(
            ConfirmScreen(
                f"Remove {self.ev.path}? The file is deleted (git keeps its history "
                "once committed).",
                yes="Remove",
                no="Keep",
            ),
            answer,
        )
