"""The evidence form's recovery draft: what the analyst typed, kept outside the project.

The form writes its fields here a second after each change, and at once when the workbench
meets an unexpected error; saving or discarding the form removes it; the next start offers it.

It lives in the user's state folder for this project (`tracker.store.state.project_state_dir`),
not in `drafts/` or `evidence/`: a half-typed form is not a draft (its values may be invalid,
so `tracker draft` could not read it), it must never be committed or checked as data, and it
belongs to the analyst at this machine, not to the shared repository.

The file is read back as data: plain JSON of strings only, size-limited; anything else is
ignored (and kept for inspection, never executed or trusted).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

FILE_NAME = "workbench-recovery.json"
MAX_BYTES = 16 * 1024 * 1024  # an article is at most a few MB


@dataclass
class AssessmentDraft:
    fields: dict[str, str] = field(default_factory=dict)  # recommendation, impact, …
    rationale: str = ""
    verdict: str = ""  # kept as it was (not edited in the form)


@dataclass
class FormDraft:
    """Every field of the form as typed (text, not validated)."""

    fields: dict[str, str] = field(default_factory=dict)  # id, date, publisher, …
    title: str = ""
    quote: str = ""
    article: str = ""
    assessments: list[AssessmentDraft] = field(default_factory=list)
    editing: str | None = None  # the evidence file the form was editing
    editing_sha256: str | None = None  # as it was when the form opened it
    id_follows: bool = True  # the id still follows the date and title
    saved_at: str = ""  # when this draft was written (ISO, local time)

    def summary(self) -> str:
        """One line to recognise it by."""
        what = self.title.strip() or self.fields.get("id", "").strip() or "an untitled item"
        where = f"editing {self.editing}" if self.editing else "new evidence"
        count = len(self.assessments)
        return f"{what!r} ({where}, {count} assessment{'s' if count != 1 else ''})"


def path_for(root: Path) -> Path:
    from tracker.store.state import project_state_dir

    return project_state_dir(root) / FILE_NAME


def save(root: Path, draft: FormDraft) -> Path:
    """Write the draft atomically (a crash mid-write leaves the previous one)."""
    target = path_for(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    draft.saved_at = dt.datetime.now().isoformat(timespec="seconds")
    data = json.dumps(asdict(draft), ensure_ascii=False, indent=1).encode("utf-8")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, target)
    return target


def load(root: Path) -> FormDraft | None:
    """The draft kept for this project, or None (none, unreadable, or not a form's draft)."""
    target = path_for(root)
    try:
        if not target.is_file() or target.stat().st_size > MAX_BYTES:
            return None
        raw = json.loads(target.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return _draft(raw)


def discard(root: Path) -> None:
    path_for(root).unlink(missing_ok=True)


def _strings(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _draft(raw: object) -> FormDraft | None:
    if not isinstance(raw, dict):
        return None
    assessments = []
    for entry in raw.get("assessments") or []:
        if isinstance(entry, dict):
            assessments.append(
                AssessmentDraft(
                    _strings(entry.get("fields")),
                    _text(entry.get("rationale")),
                    _text(entry.get("verdict")),
                )
            )
    editing = raw.get("editing")
    sha = raw.get("editing_sha256")
    return FormDraft(
        fields=_strings(raw.get("fields")),
        title=_text(raw.get("title")),
        quote=_text(raw.get("quote")),
        article=_text(raw.get("article")),
        assessments=assessments,
        editing=editing if isinstance(editing, str) else None,
        editing_sha256=sha if isinstance(sha, str) else None,
        id_follows=raw.get("id_follows") is not False,
        saved_at=_text(raw.get("saved_at")),
    )
