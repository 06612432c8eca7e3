"""Drafts: an imported article on its way to evidence.

A draft lives in `drafts/ID.toml` (with the article's text in `drafts/ID.txt`), outside
`evidence/`, so an unfinished import never breaks `tracker check` or the scores for the rest of
the team. It holds what import found (metadata, suggestions, same-event candidates) and leaves
the judgement (reliability, credibility, the quote, the assessments) to the analyst.

Both files of a draft are written in one change (`tracker.store.writer`), its id chosen under
the project's write lock, so two imports at once never take one id and an interrupted import
is finished by the next run. `promote` checks the finished draft exactly as `tracker check`
would check the evidence it becomes (`Workspace.check_candidate`), then moves both files into
`evidence/` in one change; its id follows the date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from tracker.clock import today
from tracker.domain.model import ID_MAX_LENGTH, EvidenceItem, check_id
from tracker.domain.problems import Code, Problem
from tracker.domain.validation import validation_problems
from tracker.errors import DataError
from tracker.store import layout, writer
from tracker.store.files import FileReadError, project_lock, read_bounded, sha256_of
from tracker.store.toml_read import parse_toml_bytes, sha256_bytes
from tracker.store.toml_write import dumps

MAX_DRAFT_TEXT = 16 << 20


class DraftError(DataError):
    """A draft cannot become evidence yet; the message and the findings say what to fill in."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class DraftSuggestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    recommendation: str
    score: float
    matched: list[str] = []
    parent: str | None = None


class DraftCandidate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    evidence: str
    similarity: float
    kind: str
    reason: str
    draft: bool = False


class Draft(BaseModel):
    """An imported article on its way to evidence: import's findings, the analyst's blanks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    date: dt.date | None = None
    date_precision: str = "day"
    event: str | None = None
    imported: dt.date
    language: str = "und"
    source: dict[str, object]
    assessment: list[dict[str, object]] = []
    suggestion: list[DraftSuggestion] = []
    same_event: list[DraftCandidate] = []
    notes: list[str] = []
    text: str = ""  # the archived copy, kept in drafts/ID.txt, not in the TOML

    def to_toml(self) -> str:
        data = self.model_dump(mode="python", exclude={"text"}, exclude_none=True)
        data["source"] = {k: v for k, v in self.source.items() if v is not None}
        for key in ("assessment", "suggestion", "same_event", "notes"):
            if not data.get(key):
                data.pop(key, None)
        return dumps(data) + FINISH_HINT.format(id=self.id)


FINISH_HINT = """
# To make this draft evidence:
#   1. check title, date (the event's date) and date_precision ("day", "week" or "month");
#      set `event` to an existing item's event key if a [[same_event]] candidate reports the
#      same event;
#   2. in [source] check publisher and published (the day the source appeared), set
#      reliability (A-F), credibility (1-6) and the quote (a passage of drafts/{id}.txt,
#      copied exactly);
#   3. add one [[assessment]] per recommendation it bears on (see [[suggestion]]):
#        [[assessment]]
#        recommendation = "node-id"
#        impact = 0          # -5..+5
#        confidence = "moderate"
#        rationale = \"\"\"why\"\"\"
#        treatment = "lasting"   # optional: a law, a membership, a closure; "transient": a
#                                # statement or a visit (default: from the impact level)
#   4. run: tracker draft promote {id}   (the id follows the date you set)
"""


# --- ids -------------------------------------------------------------------------------------

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіў",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
            "i",
            "u",
        ],
        strict=True,
    )
)
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def slugify(text: str, limit: int = 50) -> str:
    """An id-safe slug from a title in any script: Cyrillic transliterated, accents dropped."""
    lowered = "".join(_TRANSLIT.get(c, c).replace("_", "") for c in text.lower())
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "article"


def derived_id(date: dt.date | None, title_or_id: str) -> str:
    """An item's id: its date, then a slug; with no date, only the slug (a date is never
    invented). An id that already starts with a date keeps its slug and takes the new date."""
    slug = _DATE_PREFIX.sub("", title_or_id) if _DATE_PREFIX.match(title_or_id) else None
    slug = slug or slugify(title_or_id)
    base = f"{date.isoformat()}-{slug}" if date else slug
    return base[: ID_MAX_LENGTH - 3].rstrip("-")


def _free_id(root: Path, base: str) -> str:
    """`base`, or `base-2`, `-3`…: the first id no draft and no evidence item has."""
    taken = {p.stem for p in (root / layout.DRAFTS_DIR).glob("*.toml")}
    taken |= {p.stem for p in (root / layout.DRAFTS_DIR).glob("*.txt")}
    taken |= {p.stem for p in (root / layout.EVIDENCE_DIR).glob("*/*.toml")}
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base}-{number}"
        number += 1
    return candidate


# --- making and saving drafts ------------------------------------------------------------------


def make_draft(article, suggestions, candidates, *, draft_id: str | None = None) -> Draft:
    """The draft for an article: findings recorded, judgement left blank for the analyst."""
    text = article.text if article.text.endswith("\n") else article.text + "\n"
    source: dict[str, object] = {
        "url": article.url,
        "publisher": article.publisher or "",
        "published": article.publication_day,
        "author": article.author,
        "reliability": "",
        "credibility": 0,
        "quote": "",
        "archive_sha256": sha256_bytes(text.encode("utf-8")),
    }
    notes = list(article.notes)
    if not article.published and not any("date" in n for n in notes):
        notes.append(
            "no publication date found: set `date` (the event's) and source.published by hand"
        )
    if article.span:
        notes.append(
            f"the source dates itself only to {article.span}: `date` holds that"
            f" {article.date_precision}; set source.published to the day it appeared, if it"
            " gives one"
        )
    if not article.publisher:
        notes.append("no publisher found: set source.publisher")
    return Draft(
        id=draft_id or derived_id(article.published, article.title),
        title=article.title,
        date=article.published,
        date_precision=article.date_precision,
        imported=today(),
        language=article.language,
        source=source,
        suggestion=[
            DraftSuggestion(
                recommendation=s.node_id,
                score=round(s.score, 4),
                matched=list(s.matched),
                parent=getattr(s, "parent", None),
            )
            for s in suggestions
        ],
        same_event=[
            DraftCandidate(
                evidence=c.evidence_id,
                similarity=c.similarity,
                kind=c.kind,
                reason=c.reason,
                draft=bool(getattr(c, "draft", False)),
            )
            for c in candidates
        ],
        notes=notes,
        text=text,
    )


def save_draft(root: Path, draft: Draft) -> tuple[str, Draft]:
    """Write drafts/ID.toml and drafts/ID.txt in one change, under an id no other draft or
    item has (chosen under the write lock, so two imports never take one id). Returns the
    draft's path and the draft as written (its id may have a `-2`)."""
    with project_lock(root):
        free = _free_id(root, draft.id)
        if free != draft.id:
            draft = draft.model_copy(update={"id": free})
        toml_rel, text_rel = layout.draft_rels(draft.id)
        writer.apply(
            root,
            [
                writer.Step(text_rel, draft.text.encode("utf-8"), None),
                writer.Step(toml_rel, draft.to_toml().encode("utf-8"), None),
            ],
            lock=False,
        )
    return toml_rel, draft


def load_draft(root: Path, draft_id: str) -> tuple[Draft, str]:
    """A draft as the analyst left it, and the sha256 of its TOML (to refuse a stale move)."""
    try:
        check_id(draft_id)
    except ValueError as err:
        raise DraftError(f"'{draft_id[:90]}' is not a draft id: {err}") from None
    toml_rel, text_rel = layout.draft_rels(draft_id)
    try:
        raw = read_bounded(root / toml_rel, 1 << 20, what="draft")
    except FileReadError:
        raise DraftError(f"no draft '{draft_id}' ({toml_rel} does not exist)") from None
    parsed = parse_toml_bytes(raw, toml_rel)
    if parsed.data is None:
        raise DraftError(f"{toml_rel} cannot be read; nothing was changed", parsed.problems)
    try:
        text = read_bounded(root / text_rel, MAX_DRAFT_TEXT, what="draft text").decode(
            "utf-8", errors="replace"
        )
    except FileReadError:
        text = ""
    data = dict(parsed.data)
    data.setdefault("imported", today())
    data.setdefault("source", {})
    try:
        draft = Draft.model_validate({**data, "text": text})
    except ValidationError as err:
        raise DraftError(
            f"{toml_rel} is not a draft tracker can read; nothing was changed",
            validation_problems(err, Draft, toml_rel, parsed.line),
        ) from None
    return draft, parsed.sha256


def list_drafts(root: Path) -> list[str]:
    folder = root / layout.DRAFTS_DIR
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def orphan_texts(root: Path) -> list[str]:
    """Draft texts with no draft beside them (an import that was stopped by hand)."""
    folder = root / layout.DRAFTS_DIR
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.txt") if not p.with_suffix(".toml").exists())


# --- promoting ---------------------------------------------------------------------------------


def draft_item(draft: Draft, raw_text: str, rel: str) -> EvidenceItem:
    """The evidence item a draft describes, its id following its date; DraftError listing
    every field still to fill when the model rejects it."""
    source = {k: v for k, v in draft.source.items() if v not in (None, "", 0)}
    if draft.text:
        source["archive_sha256"] = sha256_bytes(draft.text.encode("utf-8"))
    data: dict[str, object] = {
        "id": derived_id(draft.date, draft.id) if draft.date else draft.id,
        "title": draft.title,
    }
    if draft.date is not None:
        data["date"] = draft.date
    data["date_precision"] = draft.date_precision
    if draft.event:
        data["event"] = draft.event
    data["source"] = source
    data["assessment"] = draft.assessment
    try:
        return EvidenceItem.model_validate(data)
    except ValidationError as err:
        parsed = parse_toml_bytes(raw_text.encode("utf-8"), rel)
        problems = validation_problems(err, EvidenceItem, rel, parsed.line)
        if "published" not in draft.source or not draft.source.get("published"):
            problems.append(
                Problem(
                    rel,
                    Code.DRAFT_UNFINISHED,
                    "source.published is empty: set the day the source appeared, if it gives one",
                    parsed.line(("source",)),
                    "warning",
                )
            )
        count = sum(1 for p in problems if p.is_error)
        raise DraftError(
            f"{rel} is not finished: {count} thing{'s' * (count != 1)} to fill in; nothing "
            "was changed",
            problems,
        ) from None


def promote(ws, draft_id: str):
    """Check a finished draft as `tracker check` would check its evidence, then move it and
    its text into evidence/ in one change. Returns the saved `EvidenceFile` and any warnings.

    A promote that was interrupted, asked for again, completes: files that already hold what
    they should are left as they are."""
    from tracker.workspace import EvidenceFile, Record

    root = ws.data
    done = _already_promoted(ws, draft_id)
    if done is not None:
        return done, []
    draft, draft_sha = load_draft(root, draft_id)
    toml_rel, text_rel = layout.draft_rels(draft_id)
    raw = (root / toml_rel).read_text("utf-8", errors="replace")
    item = draft_item(draft, raw, toml_rel)
    problems = ws.check_candidate(item, archive=draft.text or None)
    errors = [p for p in problems if p.is_error]
    # A promote interrupted after the item landed finds itself: not a duplicate of itself.
    target = layout.evidence_rel(item.id, item.date.year)
    data = _item_bytes(item)
    on_disk = _read(root, target)
    if on_disk is not None and sha256_of(on_disk) == sha256_of(data):
        errors = [p for p in errors if p.code not in (Code.DUPLICATE_ID, Code.DUPLICATE_URL)]
    if errors:
        shown = [p.with_message(p.message) for p in problems]
        raise DraftError(
            f"{toml_rel} cannot become evidence yet: {len(errors)} problem"
            f"{'s' * (len(errors) != 1)} (as 'tracker check' would report them); nothing "
            "was changed",
            [_at_draft(p, target, toml_rel) for p in shown],
        )
    steps = []
    if draft.text:
        steps.append(writer.Step(layout.archive_rel(target), draft.text.encode("utf-8"), None))
    steps.append(writer.Step(target, data, None))
    steps.append(writer.Step(toml_rel, None, draft_sha))
    text_bytes = _read(root, text_rel)
    if text_bytes is not None:
        steps.append(writer.Step(text_rel, None, sha256_of(text_bytes)))
    writer.apply(root, steps, label=f"promote {draft_id} to {target}")
    from tracker.domain.facts import facts_of

    sha = sha256_of(data) or ""
    ws._replace(None, Record(target, sha, facts_of(item)))
    warnings = [p for p in problems if not p.is_error]
    return EvidenceFile(item, target, sha), warnings


def _already_promoted(ws, draft_id: str):
    """The evidence a promote of this draft made, when that promote was interrupted and the
    opening of this workspace finished it (the draft is gone, its evidence in place)."""
    prefix = f"promote {draft_id} to "
    for label in ws.finished:
        if label.startswith(prefix):
            target = label[len(prefix) :]
            try:
                return ws.read(target)
            except Exception:
                return None
    return None


def _item_bytes(item: EvidenceItem) -> bytes:
    from tracker.store.toml_write import evidence_to_toml

    return evidence_to_toml(item).encode("utf-8")


def _read(root: Path, rel: str) -> bytes | None:
    try:
        return read_bounded(root / rel, 64 << 20)
    except FileReadError:
        return None


def _at_draft(problem: Problem, target: str, draft_rel: str) -> Problem:
    """A finding about the evidence-to-be, pointed at the draft the analyst edits."""
    if problem.path == target:
        return Problem(draft_rel, problem.code, problem.message, None, problem.severity)
    return problem
