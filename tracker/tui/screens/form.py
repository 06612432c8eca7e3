"""The evidence form: paste or import an article, fill the record, score each assessment, save.

It validates as the analyst types with the model itself and shows the findings in the words
of `tracker check`; it saves through the workspace, which refuses to overwrite a file
that changed on disk since the form opened it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Header, Input, Label, Static, TextArea

from tracker.domain.model import (
    CREDIBILITY_MEANING,
    IMPACT_MEANING,
    RELIABILITY_MEANING,
    Assessment,
    EvidenceItem,
)
from tracker.domain.validation import validation_problems
from tracker.store.files import FileChangedError, UnsafePathError, UnsafeWriteError
from tracker.store.toml_read import sha256_bytes
from tracker.textclean import strip_controls
from tracker.tui.footer import Footer
from tracker.tui.session import Session
from tracker.tui.widgets import article_area, literal
from tracker.workspace import EvidenceFile

ITEM_FIELDS = ["id", "title", "date", "date_precision", "event"]
SOURCE_FIELDS = [
    "publisher",
    "url",
    "published",
    "author",
    "claimant",
    "reliability",
    "credibility",
]
DATES = {"date", "published"}
INTS = {"credibility", "impact"}
OPTIONAL = {"event", "url", "published", "author", "claimant", "analyst", "verdict"}


def _value(name: str, text: str) -> Any:
    """The typed value the model expects; text that does not parse stays text, so the model's
    own error ("must be a date like 2025-09-15, not the string …") reaches the analyst."""
    text = text.strip()
    try:
        if name in DATES:
            return dt.date.fromisoformat(text)
        if name in INTS:
            return int(text)
    except ValueError:
        return text
    return text


def scale_hint(name: str, text: str) -> str:
    """The meaning of the value typed, in place, from the model's own scales."""
    text = text.strip()
    if name == "reliability":
        meaning = RELIABILITY_MEANING.get(text)
        return f"{text}: {meaning}" if meaning else "A completely … E unreliable, F not judged"
    if name == "credibility":
        meaning = CREDIBILITY_MEANING.get(_value(name, text))  # type: ignore[arg-type]
        return f"{text}: {meaning}" if meaning else "1 confirmed … 5 improbable, 6 cannot be judged"
    if name == "impact":
        value = _value(name, text)
        if isinstance(value, int) and abs(value) in IMPACT_MEANING:
            way = "toward" if value > 0 else "away from" if value < 0 else "no move on"
            return f"{value:+d}: {IMPACT_MEANING[abs(value)]} ({way} the recommendation)"
        return "-5..+5: 1 statement, 2 formal step, 3 adopted, 4 implemented, 5 verified"
    if name == "confidence":
        return "high | moderate | low"
    if name == "date_precision":
        return "day | week (the week's first day) | month (the 1st)"
    return ""


class AssessmentBlock(Vertical):
    """One assessment: which recommendation, which way and how far, how sure, and why."""

    FIELDS: ClassVar[list[str]] = ["recommendation", "impact", "confidence", "rationale"]

    def __init__(self, assessment: Assessment | None = None, recommendation: str = "") -> None:
        super().__init__(classes="assessment")
        self.original = assessment
        self.values = {
            "recommendation": assessment.recommendation if assessment else recommendation,
            "impact": str(assessment.impact) if assessment else "",
            "confidence": assessment.confidence if assessment else "",
            "rationale": assessment.rationale if assessment else "",
        }

    def compose(self) -> ComposeResult:
        for name in self.FIELDS:
            with Horizontal(classes="row"):
                yield Label(name, classes="field-label")
                yield Input(self.values[name], classes=f"a-{name}", name=name)
                yield Static(scale_hint(name, self.values[name]), classes="hint")
        yield Button("remove this assessment", classes="remove-assessment")

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.FIELDS:
            text = self.query_one(f".a-{name}", Input).value
            if text.strip() or name not in OPTIONAL:
                out[name] = _value(name, text)
        if self.original is not None:  # kept as they were: not edited in this form
            for key in ("analyst", "verdict"):
                value = getattr(self.original, key)
                if value is not None:
                    out[key] = value
        return out


class EvidenceForm(Screen[bool]):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("ctrl+s", "save", "Save", priority=True, tooltip="Write the file atomically"),
        Binding("escape", "close", "Close", tooltip="Close (asks first if unsaved)"),
        Binding(
            "ctrl+n",
            "add_assessment",
            "Add assessment",
            priority=True,
            tooltip="Assess one more recommendation",
        ),
        Binding(
            "ctrl+r",
            "fill",
            "Fill from article",
            priority=True,
            tooltip="Fill the metadata and suggestions from the pasted article",
        ),
        Binding(
            "ctrl+o",
            "import_file",
            "Import file",
            priority=True,
            tooltip="Read an article from a file",
        ),
        Binding(
            "ctrl+l",
            "import_url",
            "Import URL",
            priority=True,
            tooltip="Fetch an article from a URL",
        ),
    ]

    def __init__(self, session: Session, ev: EvidenceFile | None) -> None:
        super().__init__()
        self.session, self.ev = session, ev
        self.dirty = False
        self.item: EvidenceItem | None = None
        self._timer: Timer | None = None
        self._ready = False

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        item = self.ev.item if self.ev else None
        src = item.source if item else None
        yield Header()
        with VerticalScroll(id="form"):
            yield Label(
                "Article text (paste here; kept whole, shown literally)", classes="section-title"
            )
            yield article_area(id="article", soft_wrap=True, text=self._archive_text())
            yield Static("", id="import-note")
            yield Label("Record", classes="section-title")
            values = {
                "id": item.id if item else "",
                "title": item.title if item else "",
                "date": item.date.isoformat() if item else "",
                "date_precision": item.date_precision if item else "day",
                "event": (item.event or "") if item else "",
                "publisher": src.publisher if src else "",
                "url": (src.url or "") if src else "",
                "published": src.published.isoformat() if src and src.published else "",
                "author": (src.author or "") if src else "",
                "claimant": (src.claimant or "") if src else "",
                "reliability": src.reliability if src else "",
                "credibility": str(src.credibility) if src else "",
            }
            for name in ITEM_FIELDS + SOURCE_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(name, classes="field-label")
                    yield Input(values[name], id=f"f-{name}", name=name)
                    yield Static(scale_hint(name, values[name]), classes="hint")
            yield Label("quote: the passage that carries the evidence", classes="section-title")
            yield TextArea(src.quote if src else "", id="f-quote", soft_wrap=True)
            yield Label("Assessments (ctrl+n adds one)", classes="section-title")
            with Vertical(id="assessments"):
                for assessment in item.assessments if item else [None]:
                    yield AssessmentBlock(assessment)
            yield Static("", id="suggestions")
        yield Static("", id="errors")
        yield Footer()

    def _archive_text(self) -> str:
        """The archived article beside an item being edited, so its words stay in view."""
        self.archive_sha256: str | None = None
        if self.ev is None:
            return ""
        text = self.session.project.archive_text(self.ev.path) if self.session.project else None
        if text is None:
            return ""
        self.archive_sha256 = sha256_bytes(text.encode("utf-8"))
        return text

    def on_article_area_pasted(self) -> None:
        """A paste into an empty form fills it from the article at once."""
        if not self.query_one("#f-title", Input).value.strip():
            self.action_fill()

    def on_mount(self) -> None:
        self.sub_title = f"edit {self.ev.path}" if self.ev else "new evidence"
        self.validate_now()
        self.call_after_refresh(self._arm)
        self.query_one("#article" if self.ev is None else "#f-title").focus()

    def _arm(self) -> None:
        self._ready = True

    # --- validation as the analyst types ------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    def changed(self, event: Input.Changed | TextArea.Changed) -> None:
        widget = event.control if isinstance(event, Input.Changed) else event.text_area
        if isinstance(event, Input.Changed) and widget.name:
            hint = widget.parent.query(".hint") if widget.parent else None
            if hint:
                hint.first(Static).update(scale_hint(widget.name, event.value))
        if self._ready:
            self.dirty = True
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self.validate_now)

    def data(self) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for name in ITEM_FIELDS:
            text = self.query_one(f"#f-{name}", Input).value
            if text.strip() or name not in OPTIONAL:
                item[name] = _value(name, text)
        source: dict[str, Any] = {}
        for name in SOURCE_FIELDS:
            text = self.query_one(f"#f-{name}", Input).value
            if text.strip() or name not in OPTIONAL:
                source[name] = _value(name, text)
        source["quote"] = self.query_one("#f-quote", TextArea).text
        article = self.article_bytes()
        if article is not None:
            source["archive_sha256"] = sha256_bytes(article)
        item["source"] = source
        item["assessment"] = [b.data() for b in self.query(AssessmentBlock)]
        return item

    def article_bytes(self) -> bytes | None:
        """The article as it will be archived beside the item: no control characters, one
        final line break; None when there is no article text."""
        text = strip_controls(self.query_one("#article", TextArea).text).strip("\n")
        return (text + "\n").encode("utf-8") if text.strip() else None

    def validate_now(self) -> list[str]:
        """Build the item with the model; show its findings as `tracker check` words them."""
        self._timer = None
        messages: list[str] = []
        self.item = None
        try:
            item = EvidenceItem.model_validate(self.data())
        except ValidationError as err:
            messages = [
                p.message for p in validation_problems(err, EvidenceItem, "form", lambda loc: None)
            ]
        else:
            messages = self._cross_file(item)
            if not any(m for m in messages if not m.startswith("warning: ")):
                self.item = item
        errors = self.query_one("#errors", Static)
        if messages:
            text = Text(f"✗ {len(messages)} to fix before saving:\n", style="bold red")
            for message in messages[:6]:
                text.append("  • ")
                text.append_text(literal(message))
                text.append("\n")
            errors.update(text)
        else:
            errors.update(Text("✔ valid: ctrl+s saves", style="green"))
        return messages

    def _cross_file(self, item: EvidenceItem) -> list[str]:
        """Everything `tracker check` would report about this item once saved, through the
        workspace's own check (known recommendations, dates, taken ids and URLs, the quote in
        the article)."""
        ws = self.session.project
        if ws is None:
            return []
        article = self.article_bytes()
        found = ws.check_candidate(
            item,
            previous_path=self.ev.path if self.ev else None,
            archive=article.decode("utf-8") if article is not None else None,
        )
        return [("warning: " if p.severity == "warning" else "") + p.message for p in found]

    # --- assessments ----------------------------------------------------------------------------

    def action_add_assessment(self, recommendation: str = "") -> None:
        block = AssessmentBlock(None, recommendation)
        self.query_one("#assessments").mount(block)
        self.dirty = True
        self.call_after_refresh(lambda: block.query_one(".a-recommendation", Input).focus())

    @on(Button.Pressed, ".remove-assessment")
    def remove_assessment(self, event: Button.Pressed) -> None:
        block = event.button.parent
        if block is not None:
            block.remove()
            self.dirty = True
            self.set_timer(0.05, self.validate_now)

    # --- saving and closing ---------------------------------------------------------------------

    def action_save(self) -> None:
        messages = self.validate_now()
        if self.item is None:
            self.notify(
                "Not saved: " + (messages[0] if messages else "the form is not valid"),
                severity="error",
                markup=False,
            )
            return
        article = self.article_bytes()
        try:
            saved = self.session.project.save(
                self.item,
                expected_sha256=self.ev.sha256 if self.ev else None,
                previous_path=self.ev.path if self.ev else None,
                archive=article.decode("utf-8") if article is not None else None,
            )
        except FileChangedError as err:
            self._offer_reload(str(err))
            return
        except (UnsafeWriteError, UnsafePathError) as err:
            self.notify(str(err), title="Not saved", severity="error", timeout=15, markup=False)
            return
        except OSError as err:
            self.notify(f"Not saved: {err}", severity="error", markup=False)
            return
        self.ev, self.dirty = saved, False
        self.notify(f"saved {saved.path}", markup=False)
        self.dismiss(True)

    def _offer_reload(self, message: str) -> None:
        from tracker.tui.screens.dialogs import ConfirmScreen

        self.notify(message, title="Not saved", severity="error", timeout=15, markup=False)
        if self.ev is None:
            return

        def answer(reload: bool | None) -> None:
            if reload:
                self.dismiss(True)  # the main screen reloads every file

        self.app.push_screen(
            ConfirmScreen(
                f"{self.ev.path} changed on disk since you opened it, so it was not overwritten.\n"
                "Reload it (your edits in this form are discarded), or keep editing here and copy "
                "what you need?",
                yes="Reload",
                no="Keep editing",
            ),
            answer,
        )

    def action_close(self) -> None:
        from tracker.tui.screens.dialogs import ConfirmScreen

        if not self.dirty:
            self.dismiss(False)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(False)

        self.app.push_screen(
            ConfirmScreen(
                "Close without saving? Your changes are lost.", yes="Discard", no="Keep editing"
            ),
            answer,
        )

    # --- import (tracker.ingest) ----------------------------------------------------------------

    def action_fill(self) -> None:
        from tracker.tui.screens import importing

        importing.fill_from_text(self, self.query_one("#article", TextArea).text)

    def action_import_file(self) -> None:
        from tracker.tui.screens import importing

        importing.ask_and_import(self, "file")

    def action_import_url(self) -> None:
        from tracker.tui.screens import importing

        importing.ask_and_import(self, "url")

    def set_field(self, name: str, value: str) -> None:
        """Set a field from an import, only where the analyst has not written one."""
        widget = self.query_one(f"#f-{name}", Input)
        if not widget.value.strip() and value:
            widget.value = value
