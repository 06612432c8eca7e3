"""The evidence form, in the order an analyst works: the article, the recommendations it may
bear on (enter on one adds an assessment for it), the record, then the assessments.

It validates as the analyst types with the model itself and shows the findings in the words
of `tracker check`; it saves through the workspace, which refuses to overwrite a file
that changed on disk since the form opened it. What is typed is kept in a recovery draft
(`tracker.tui.recovery`) until the form is saved or discarded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, ClassVar

from pydantic import ValidationError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Header, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tracker.domain.model import Assessment, EvidenceItem
from tracker.domain.validation import validation_problems
from tracker.store.files import FileChangedError, UnsafePathError, UnsafeWriteError
from tracker.store.toml_read import sha256_bytes
from tracker.textclean import strip_controls
from tracker.tui import recovery
from tracker.tui.fields import (
    ASSESSMENT_FIELDS,
    ITEM_FIELDS,
    OPTIONAL,
    SCALES,
    SOURCE_FIELDS,
    analyst_default,
    one_line_text,
    scale_hint,
    treatment_hint,
    value_of,
)
from tracker.tui.footer import Footer
from tracker.tui.recovery import AssessmentDraft, FormDraft
from tracker.tui.session import Session
from tracker.tui.widgets import article_area, literal, one_line
from tracker.workspace import EvidenceFile

RECOVERY_DELAY = 1.0  # seconds after the last change before the recovery draft is written


def field_row(name: str, value: str, *, widget_id: str | None = None, classes: str = "") -> Widget:
    """A label, a one-line field, and (for a scale) its meaning beside it."""
    short = name in SCALES
    row = Horizontal(classes="row")
    row.compose_add_child(Label(name, classes="field-label"))
    row.compose_add_child(
        Input(
            value,
            id=widget_id,
            name=name,
            compact=True,
            classes=(classes + (" short" if short else "")).strip(),
        )
    )
    if short:
        row.compose_add_child(Static(scale_hint(name, value), classes="hint"))
    return row


class AssessmentBlock(Vertical):
    """One assessment: which recommendation, which way and how far, how sure, lasting or
    transient, whose judgement, and why."""

    def __init__(
        self,
        session: Session,
        assessment: Assessment | None = None,
        *,
        recommendation: str = "",
        analyst: str = "",
        draft: AssessmentDraft | None = None,
    ) -> None:
        super().__init__(classes="assessment")
        self.session = session
        self.verdict = (assessment.verdict if assessment else None) or (
            draft.verdict if draft and draft.verdict else None
        )
        if draft is not None:
            self.values = {name: draft.fields.get(name, "") for name in ASSESSMENT_FIELDS}
            self.rationale = draft.rationale
        elif assessment is not None:
            self.values = {
                "recommendation": assessment.recommendation,
                "impact": str(assessment.impact),
                "confidence": assessment.confidence,
                "treatment": assessment.treatment or "",
                "analyst": assessment.analyst or "",
            }
            self.rationale = assessment.rationale
        else:
            self.values = {
                "recommendation": recommendation,
                "impact": "",
                "confidence": "",
                "treatment": "",
                "analyst": analyst,
            }
            self.rationale = ""

    def compose(self) -> ComposeResult:
        for name in ASSESSMENT_FIELDS:
            yield field_row(name, self.values[name], classes=f"a-{name}")
            if name == "recommendation":
                yield Static(self._title_of(self.values[name]), classes="a-title")
        yield Label("rationale", classes="area-label")
        yield TextArea(
            self.rationale,
            classes="a-rationale",
            soft_wrap=True,
            compact=True,
            placeholder="why this evidence moves the recommendation, in your words",
        )
        yield Button("remove this assessment", classes="remove-assessment", compact=True)

    def on_mount(self) -> None:
        self._update_hints()

    def field(self, name: str) -> Input:
        return self.query_one(f".a-{name}", Input)

    def _title_of(self, node_id: str) -> Text:
        node_id = node_id.strip()
        if not node_id:
            return Text("  ctrl+g picks a recommendation by id or title", style="italic dim")
        node = self.session.node(node_id)
        if node is None:
            return Text(f"  unknown recommendation {node_id!r}: ctrl+g picks one", style="red")
        out = Text("  ")
        out.append_text(literal(node.title))
        out.append(f"  ({node.kind})", style="dim")
        return out

    def _update_hints(self) -> None:
        self.query_one(".a-title", Static).update(
            self._title_of(self.field("recommendation").value)
        )
        hint = self.field("treatment").parent.query_one(".hint", Static)  # type: ignore[union-attr]
        hint.update(treatment_hint(self.field("treatment").value, self.field("impact").value))
        node = self.session.node(self.field("recommendation").value.strip())
        self.border_title = f"assessment: {node.id}" if node else "assessment"

    def set_recommendation(self, node_id: str) -> None:
        self.field("recommendation").value = node_id

    def _typed(self) -> tuple[dict[str, str], str]:
        """The fields and the rationale as they stand; a block still being mounted (the
        form validates on a timer, which can fire between the two) holds what it was given."""
        try:
            fields = {name: self.field(name).value for name in ASSESSMENT_FIELDS}
            rationale = self.query_one(".a-rationale", TextArea).text
        except NoMatches:
            return dict(self.values), self.rationale
        return fields, rationale

    def data(self) -> dict[str, Any]:
        fields, rationale = self._typed()
        out: dict[str, Any] = {}
        for name in ASSESSMENT_FIELDS:
            text = fields[name]
            if text.strip() or name not in OPTIONAL:
                out[name] = value_of(name, text)
        out["rationale"] = rationale.strip()
        if self.verdict is not None:  # kept as it was: not edited in this form
            out["verdict"] = self.verdict
        return out

    def draft(self) -> AssessmentDraft:
        fields, rationale = self._typed()
        return AssessmentDraft(fields, rationale, self.verdict or "")

    def is_blank(self) -> bool:
        fields, rationale = self._typed()
        return not any(fields[n].strip() for n in ("recommendation", "impact")) and (
            not rationale.strip()
        )


class EvidenceForm(Screen[bool]):
    # Help leads, so a narrow footer keeps it; every key works on a new and an edit form.
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("f1", "app.help", "Help", tooltip="List every key"),
        Binding("ctrl+s", "save", "Save", priority=True, tooltip="Write the file atomically"),
        Binding("escape", "close", "Close", tooltip="Close (asks first if unsaved)"),
        Binding(
            "ctrl+n",
            "add_assessment",
            "Add assessment",
            priority=True,
            tooltip="Assess one more recommendation (picks it by id or title)",
        ),
        Binding(
            "ctrl+g",
            "pick",
            "Pick recommendation",
            priority=True,
            tooltip="Choose the recommendation of this assessment by id or title",
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

    def __init__(
        self, session: Session, ev: EvidenceFile | None, restore: FormDraft | None = None
    ) -> None:
        super().__init__()
        self.session, self.ev, self.restore = session, ev, restore
        self.dirty = restore is not None
        self.item: EvidenceItem | None = None
        self._timer: Timer | None = None
        self._recovery_timer: Timer | None = None
        self._ready = False
        self.id_follows = restore.id_follows if restore else ev is None
        self._derived_id = ""  # the id the form last derived (not the analyst's)
        self._initial_id = ""  # the id the form opened with
        self.analyst = analyst_default(session.root)
        self.import_cancel: Any = None  # set while an import runs (see importing.run_import)

    # --- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        item = self.ev.item if self.ev else None
        src = item.source if item else None
        draft = self.restore
        values = {
            "id": item.id if item else "",
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
        self._initial_id = values["id"] if draft is None else draft.fields.get("id", "")
        title = item.title if item else ""
        quote = src.quote if src else ""
        article = self._archive_text()
        if draft is not None:
            values.update({k: v for k, v in draft.fields.items() if k in values})
            title, quote, article = draft.title, draft.quote, draft.article
        yield Header()
        with VerticalScroll(id="form"):
            yield Label(
                "Article: paste it here (kept whole, shown literally); ctrl+r fills the form "
                "from it, ctrl+o reads a file, ctrl+l fetches a URL",
                classes="section-title",
            )
            yield article_area(
                id="article",
                soft_wrap=True,
                text=article,
                compact=True,
                placeholder="paste the article here (title first, then its text)",
            )
            yield Static("", id="import-note")
            yield Label(
                "Suggested recommendations: enter adds an assessment for the highlighted one",
                classes="section-title",
                id="suggestions-title",
            )
            yield OptionList(id="suggestions")
            yield Label("Record", classes="section-title")
            yield Label("title", classes="area-label")
            yield TextArea(
                title, id="f-title", soft_wrap=True, compact=True, placeholder="the item's title"
            )
            for name in ITEM_FIELDS + SOURCE_FIELDS:
                yield field_row(name, values[name], widget_id=f"f-{name}")
                if name == "id":
                    yield Static("", id="id-note")
            yield Label(
                "quote: the passage that carries the evidence, copied exactly", classes="area-label"
            )
            yield TextArea(
                quote,
                id="f-quote",
                soft_wrap=True,
                compact=True,
                placeholder="the passage that carries the evidence, copied exactly",
            )
            yield Label(
                "Assessments (ctrl+n adds one, ctrl+g picks its recommendation)",
                classes="section-title",
            )
            with Vertical(id="assessments"):
                if draft is not None:
                    for entry in draft.assessments or [AssessmentDraft()]:
                        yield AssessmentBlock(self.session, draft=entry)
                elif item is not None:
                    for assessment in item.assessments:
                        yield AssessmentBlock(self.session, assessment)
                else:
                    yield AssessmentBlock(self.session, analyst=self.analyst)
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
        if not self.query_one("#f-title", TextArea).text.strip():
            self.action_fill()

    def on_mount(self) -> None:
        if self.ev:
            self.sub_title = f"edit {self.ev.path}"
        else:
            self.sub_title = "new evidence"
        if self.restore is not None:
            self.sub_title += f" · recovered from {self.restore.saved_at or 'a recovery draft'}"
        self.query_one("#suggestions").display = False
        self.query_one("#suggestions-title").display = False
        self._update_id_note()
        self.validate_now()
        self.call_after_refresh(self._arm)
        self.query_one("#article" if self.ev is None else "#f-title").focus()

    def _arm(self) -> None:
        self._ready = True

    # --- as the analyst types -----------------------------------------------------------------

    @on(Input.Changed)
    @on(TextArea.Changed)
    def changed(self, event: Input.Changed | TextArea.Changed) -> None:
        widget = event.control if isinstance(event, Input.Changed) else event.text_area
        if isinstance(event, Input.Changed) and widget.name:
            hints = widget.parent.query(".hint") if widget.parent else None
            if hints:
                hints.first(Static).update(scale_hint(widget.name, event.value))
            block = next((a for a in widget.ancestors if isinstance(a, AssessmentBlock)), None)
            if block is not None:
                block._update_hints()
            if widget.id == "f-id" and event.value not in (self._derived_id, self._initial_id):
                self.id_follows = False  # the analyst's own id: no longer derived
                self._update_id_note()
            if widget.id == "f-date":
                self._derive_id()
        if widget.id == "f-title":
            self._derive_id()
        if self._ready:
            self.dirty = True
            self._schedule_recovery()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self.validate_now)

    def _derive_id(self) -> None:
        """While the analyst has not typed an id, it follows the date and the title."""
        if not self.id_follows:
            return
        from tracker.ingest.drafts import derived_id

        title = one_line_text(self.query_one("#f-title", TextArea).text)
        date = value_of("date", self.query_one("#f-date", Input).value)
        new = derived_id(date if isinstance(date, dt.date) else None, title) if title else ""
        field = self.query_one("#f-id", Input)
        if field.value not in (self._derived_id, self._initial_id):
            self.id_follows = False  # the analyst typed an id the form has not heard of yet
        elif field.value != new:
            self._derived_id = new
            field.value = new
        self._update_id_note()

    def _update_id_note(self) -> None:
        note = self.query_one("#id-note", Static)
        if self.id_follows:
            note.update(
                Text("  follows the date and the title until you type your own", style="dim")
            )
        else:
            note.update("")
        note.display = self.id_follows

    def data(self) -> dict[str, Any]:
        item: dict[str, Any] = {"title": one_line_text(self.query_one("#f-title", TextArea).text)}
        for name in ITEM_FIELDS:
            text = self.query_one(f"#f-{name}", Input).value
            if text.strip() or name not in OPTIONAL:
                item[name] = value_of(name, text)
        source: dict[str, Any] = {}
        for name in SOURCE_FIELDS:
            text = self.query_one(f"#f-{name}", Input).value
            if text.strip() or name not in OPTIONAL:
                source[name] = value_of(name, text)
        source["quote"] = self.query_one("#f-quote", TextArea).text
        article = self.article_bytes()
        if article is not None:
            source["archive_sha256"] = sha256_bytes(article)
        item["source"] = source
        item["assessment"] = [b.data() for b in self.query(AssessmentBlock)]
        return item

    def draft(self) -> FormDraft:
        """Everything typed, as text: what the recovery draft keeps."""
        return FormDraft(
            fields={
                name: self.query_one(f"#f-{name}", Input).value
                for name in ITEM_FIELDS + SOURCE_FIELDS
            },
            title=self.query_one("#f-title", TextArea).text,
            quote=self.query_one("#f-quote", TextArea).text,
            article=self.query_one("#article", TextArea).text,
            assessments=[b.draft() for b in self.query(AssessmentBlock)],
            editing=self.ev.path if self.ev else None,
            editing_sha256=self.ev.sha256 if self.ev else None,
            id_follows=self.id_follows,
        )

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
        self._show_errors(messages)
        return messages

    def _show_errors(self, messages: list[str]) -> None:
        """A bar of a few lines, one finding a line: small screens keep room for the form."""
        errors = self.query_one("#errors", Static)
        if not messages:
            errors.update(Text("✔ valid: ctrl+s saves", style="green"))
            return
        room = 1 if self.app.size.height < 30 else 4
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"✗ {len(messages)} to fix before saving", style="bold red")
        if len(messages) > room:
            text.append(f" (the first {room})", style="red")
        for message in messages[:room]:
            text.append("\n • ")
            text.append_text(one_line(message))
        errors.update(text)

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

    # --- recovery -------------------------------------------------------------------------------

    def _schedule_recovery(self) -> None:
        if self._recovery_timer is not None:
            self._recovery_timer.stop()
        self._recovery_timer = self.set_timer(RECOVERY_DELAY, self.keep_recovery)

    def keep_recovery(self) -> None:
        """Write what is typed to the recovery draft (never raises: it is a safety net)."""
        self._recovery_timer = None
        if not self.dirty or not self.is_attached:
            return
        # A full disk or an unwritable state folder must not stop the analyst typing.
        with contextlib.suppress(Exception):
            recovery.save(self.session.root, self.draft())

    def _drop_recovery(self) -> None:
        if self._recovery_timer is not None:
            self._recovery_timer.stop()
            self._recovery_timer = None
        with contextlib.suppress(OSError):
            recovery.discard(self.session.root)

    # --- assessments ----------------------------------------------------------------------------

    def blocks(self) -> list[AssessmentBlock]:
        return list(self.query(AssessmentBlock))

    async def add_block(self, node_id: str = "") -> AssessmentBlock:
        """An assessment for `node_id`: the first blank one takes it, else a new one."""
        blank = next((b for b in self.blocks() if b.is_blank()), None)
        if blank is not None:
            if node_id:
                blank.set_recommendation(node_id)
            block = blank
        else:
            block = AssessmentBlock(self.session, recommendation=node_id, analyst=self.analyst)
            await self.query_one("#assessments", Vertical).mount(block)
        self.dirty = True
        self._schedule_recovery()
        self.set_timer(0.05, self.validate_now)
        return block

    async def action_add_assessment(self) -> None:
        block = await self.add_block()
        block.scroll_visible()
        self._pick_for(block)

    def action_pick(self) -> None:
        focused = self.focused
        block = None
        if focused is not None:
            block = next((a for a in focused.ancestors if isinstance(a, AssessmentBlock)), None)
        blocks = self.blocks()
        if block is None and blocks:
            block = blocks[-1]
        if block is not None:
            self._pick_for(block)

    def _pick_for(self, block: AssessmentBlock) -> None:
        from tracker.tui.screens.picker import RecommendationPicker

        ws = self.session.project
        if ws is None:
            block.field("recommendation").focus()
            return

        def chosen(node_id: str | None) -> None:
            if node_id:
                block.set_recommendation(node_id)
                block.field("impact").focus()
            else:
                block.field("recommendation").focus()
            block.scroll_visible()

        self.app.push_screen(
            RecommendationPicker(ws.nodes, ws.tree.depth, block.field("recommendation").value),
            chosen,
        )

    @on(OptionList.OptionSelected, "#suggestions")
    async def suggestion_taken(self, event: OptionList.OptionSelected) -> None:
        """One key: an assessment for the highlighted suggestion, its title shown, the id
        filled in; the cursor stays in the list for the next one."""
        node_id = event.option.id
        if not node_id:
            return
        taken = [b.field("recommendation").value.strip() for b in self.blocks()]
        if node_id in taken:
            self.notify(f"{node_id} is already assessed in this form", markup=False)
            return
        await self.add_block(node_id)
        count = len(self.blocks())
        self.notify(
            f"assessment {count}: {node_id}. Set its impact, confidence and rationale below.",
            markup=False,
        )

    @on(Button.Pressed, ".remove-assessment")
    def remove_assessment(self, event: Button.Pressed) -> None:
        block = next((a for a in event.button.ancestors if isinstance(a, AssessmentBlock)), None)
        if block is not None:
            block.remove()
            self.dirty = True
            self._schedule_recovery()
            self.set_timer(0.05, self.validate_now)

    def show_suggestions(self, suggestions: list, parents: dict[str, str] | None = None) -> None:
        """The import's suggestions as a list to take from, whatever fields they carry."""
        options = self.query_one("#suggestions", OptionList)
        options.clear_options()
        seen = set()
        for s in suggestions:
            node_id = getattr(s, "node_id", None)
            if not node_id or node_id in seen:
                continue
            seen.add(node_id)
            node = self.session.node(node_id)
            prompt = Text(f"{getattr(s, 'score', 0.0):4.2f}  ", style="dim")
            prompt.append(node_id, style="bold")
            prompt.append("  ")
            prompt.append_text(one_line(node.title if node else "(not in the paper)"))
            details = []
            parent = getattr(s, "parent", None) or (node.parent if node else None)
            if parent:
                details.append(f"under {parent}")
            matched = getattr(s, "matched", None) or []
            if matched:
                details.append("matched: " + ", ".join(map(str, matched[:6])))
            if details:
                prompt.append("\n      ")
                prompt.append_text(one_line(" · ".join(details)))
                prompt.stylize("dim", len(prompt) - len(" · ".join(details)))
            options.add_option(Option(prompt, id=node_id))
        shown = bool(seen)
        options.display = shown
        self.query_one("#suggestions-title").display = shown
        if shown:
            options.highlighted = 0

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
        self._drop_recovery()
        self.notify(f"saved {saved.path}", markup=False)
        self.dismiss(True)

    def _offer_reload(self, message: str) -> None:
        from tracker.tui.screens.dialogs import ConfirmScreen

        self.notify(message, title="Not saved", severity="error", timeout=15, markup=False)
        if self.ev is None:
            return

        def answer(reload: bool | None) -> None:
            if reload:
                self._drop_recovery()
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

    def cancel_import(self) -> bool:
        """Stop an import under way (a fetch in its thread); True if one was running."""
        running = [w for w in self.workers if w.group == "import" and not w.is_finished]
        if self.import_cancel is not None:
            self.import_cancel.set()
        for worker in running:
            worker.cancel()
        for panel in self.query("#import-progress"):
            panel.remove()
        return bool(running)

    def action_close(self) -> None:
        from tracker.tui.screens.dialogs import ConfirmScreen

        if self.cancel_import():
            self.notify("import cancelled", markup=False)
            return
        if not self.dirty:
            self.dismiss(False)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self._drop_recovery()
                self.dismiss(False)

        self.app.push_screen(
            ConfirmScreen(
                "Close without saving? Your changes are lost.", yes="Discard", no="Keep editing"
            ),
            answer,
        )

    def on_unmount(self) -> None:
        self.cancel_import()

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
        if name == "title":
            area = self.query_one("#f-title", TextArea)
            if not area.text.strip() and value:
                area.load_text(value)
            return
        widget = self.query_one(f"#f-{name}", Input)
        if not widget.value.strip() and value:
            widget.value = value
