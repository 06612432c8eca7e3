"""Article import: from a paste, a file or a URL to an evidence draft the analyst finishes.

The public face for the CLI and the TUI. Extraction, same-event detection and suggestions live
in `ingest_extract`, `ingest_similar` and `ingest_suggest`; this module adds drafts.

A draft lives in `drafts/ID.toml` (with the article's text in `drafts/ID.txt`), outside
`evidence/`, so an unfinished import never breaks `tracker check` or the scores for the rest of
the team. It holds what import found (metadata, suggestions, same-event candidates) and leaves
the judgement (reliability, credibility, the quote, the assessments) to the analyst.
`promote_draft` validates it with the real `EvidenceItem` model and moves it into `evidence/`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from tracker.clock import today
from tracker.domain.model import ID_MAX_LENGTH, EvidenceItem, Problem
from tracker.ingest.extract import (
    MAX_FILE_BYTES,
    MAX_TEXT_CHARS,
    Article,
    IngestError,
    extract_bytes,
    extract_file,
    extract_html,
    extract_text,
    fetch_url,
    find_date,
    guess_language,
    trim_boilerplate,
)
from tracker.ingest.index_cache import archive_texts, similarity_index
from tracker.ingest.similar import SameEventCandidate, SimilarityIndex, find_same_event
from tracker.ingest.suggest import NodeIndex, Suggestion, suggest
from tracker.store import (
    DRAFTS_DIR,
    EvidenceFile,
    atomic_write,
    evidence_path,
    file_sha256,
    parse_toml_bytes,
    save_evidence,
    sha256_bytes,
    tomlfmt,
    validation_problems,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_TEXT_CHARS",
    "Article",
    "Draft",
    "DraftError",
    "IngestError",
    "NodeIndex",
    "SameEventCandidate",
    "SimilarityIndex",
    "Suggestion",
    "archive_texts",
    "draft_paths",
    "extract_bytes",
    "extract_file",
    "extract_html",
    "extract_text",
    "fetch_url",
    "find_date",
    "find_same_event",
    "guess_language",
    "list_drafts",
    "load_draft",
    "make_draft",
    "promote_draft",
    "save_draft",
    "similarity_index",
    "suggest",
    "trim_boilerplate",
]


class DraftError(Exception):
    """A draft cannot become evidence yet; the message lists what the analyst must fill in."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class DraftSuggestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    recommendation: str
    score: float
    matched: list[str] = []


class DraftCandidate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    evidence: str
    similarity: float
    kind: str
    reason: str
    draft: bool = False  # the candidate is a draft, not evidence yet


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
        return tomlfmt.dumps(data) + _FINISH_HINT.format(id=self.id)


_FINISH_HINT = """
# To make this draft evidence:
#   1. check title, date (the event's date) and date_precision; set `event` to an existing
#      item's event key if a [[same_event]] candidate reports the same event;
#   2. in [source] set reliability (A-F), credibility (1-6) and the quote (a passage of
#      drafts/{id}.txt, copied exactly);
#   3. add one [[assessment]] per recommendation it bears on (see [[suggestion]]):
#        [[assessment]]
#        recommendation = "node-id"
#        impact = 0          # -5..+5
#        confidence = "moderate"
#        rationale = \"\"\"why\"\"\"
#   4. run: tracker draft promote {id}
"""


# --- ids -----------------------------------------------------------------------------------

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
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "i",
            "u",
        ],
        strict=True,
    )
)


def slugify(text: str, limit: int = 50) -> str:
    """An id-safe slug from a title in any script: Cyrillic transliterated, accents dropped."""
    lowered = "".join(_TRANSLIT.get(c, c) for c in text.lower())
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "article"


def _new_id(root: Path, article: Article) -> str:
    day = article.published or today()
    base = f"{day.isoformat()}-{slugify(article.title)}"[: ID_MAX_LENGTH - 3].rstrip("-")
    candidate = base
    number = 2
    while (root / DRAFTS_DIR / f"{candidate}.toml").exists() or any(
        (root / "evidence").glob(f"*/{candidate}.toml")
    ):
        candidate = f"{base}-{number}"
        number += 1
    return candidate


# --- drafts ----------------------------------------------------------------------------------


def make_draft(
    article: Article,
    suggestions: list[Suggestion],
    candidates: list[SameEventCandidate],
    *,
    draft_id: str | None = None,
    root: Path | None = None,
) -> Draft:
    """The draft for an article: findings recorded, judgement left blank for the analyst."""
    if draft_id is None:
        draft_id = (
            _new_id(root, article)
            if root
            else (f"{(article.published or today()).isoformat()}-{slugify(article.title)}")
        )
    text = article.text if article.text.endswith("\n") else article.text + "\n"
    source: dict[str, object] = {
        "url": article.url,
        "publisher": article.publisher or "",
        "published": article.published,
        "author": article.author,
        "reliability": "",
        "credibility": 0,
        "quote": "",
        "archive_sha256": sha256_bytes(text.encode("utf-8")),
    }
    notes = list(article.notes)
    if not article.published:
        notes.append("no publication date found: set `date` to the event's date")
    if not article.publisher:
        notes.append("no publisher found: set source.publisher")
    return Draft(
        id=draft_id,
        title=article.title,
        date=article.published,
        date_precision=article.date_precision,
        imported=today(),
        language=article.language,
        source=source,
        suggestion=[
            DraftSuggestion(recommendation=s.node_id, score=round(s.score, 4), matched=s.matched)
            for s in suggestions
        ],
        same_event=[
            DraftCandidate(
                evidence=c.evidence_id,
                similarity=c.similarity,
                kind=c.kind,
                reason=c.reason,
                draft=c.draft,
            )
            for c in candidates
        ],
        notes=notes,
        text=text,
    )


def draft_paths(root: Path, draft_id: str) -> tuple[Path, Path]:
    folder = root / DRAFTS_DIR
    return folder / f"{draft_id}.toml", folder / f"{draft_id}.txt"


def save_draft(root: Path, draft: Draft) -> Path:
    """Write drafts/ID.txt, then drafts/ID.toml; both atomic, neither overwrites a file."""
    toml_path, text_path = draft_paths(root, draft.id)
    atomic_write(text_path, draft.text.encode("utf-8"), expected_sha256=None)
    atomic_write(toml_path, draft.to_toml().encode("utf-8"), expected_sha256=None)
    return toml_path


def load_draft(root: Path, draft_id: str) -> tuple[Draft, str]:
    """A draft as the analyst left it, and the sha256 of its TOML (to refuse a stale move)."""
    toml_path, text_path = draft_paths(root, draft_id)
    rel = f"{DRAFTS_DIR}/{toml_path.name}"
    try:
        raw = toml_path.read_bytes()
    except FileNotFoundError:
        raise DraftError(f"no draft '{draft_id}' ({rel} does not exist)") from None
    parsed = parse_toml_bytes(raw, rel)
    if parsed.data is None:
        raise DraftError(f"{rel} cannot be read", parsed.problems)
    try:
        text = text_path.read_text("utf-8")
    except FileNotFoundError:
        text = ""
    data = dict(parsed.data)
    data.setdefault("imported", today())
    data.setdefault("source", {})
    try:
        draft = Draft.model_validate({**data, "text": text})
    except ValidationError as err:
        raise DraftError(
            f"{rel} is not a draft tracker can read",
            validation_problems(err, Draft, parsed.text, rel),
        ) from None
    return draft, parsed.sha256


def list_drafts(root: Path) -> list[str]:
    folder = root / DRAFTS_DIR
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def promote_draft(
    root: Path, draft_id: str, *, known_nodes: set[str] | None = None
) -> EvidenceFile:
    """Validate a finished draft as an `EvidenceItem` and move it (and its text) to evidence/."""
    draft, draft_sha = load_draft(root, draft_id)
    toml_path, text_path = draft_paths(root, draft_id)
    rel = f"{DRAFTS_DIR}/{toml_path.name}"
    source = {k: v for k, v in draft.source.items() if v not in (None, "", 0)}
    text = draft.text
    if text:
        source["archive_sha256"] = sha256_bytes(text.encode("utf-8"))
    data: dict[str, object] = {"id": draft.id, "title": draft.title}
    if draft.date is not None:
        data["date"] = draft.date
    data["date_precision"] = draft.date_precision
    if draft.event:
        data["event"] = draft.event
    data["source"] = source
    data["assessment"] = draft.assessment
    raw_text = toml_path.read_text("utf-8")
    try:
        item = EvidenceItem.model_validate(data)
    except ValidationError as err:
        problems = validation_problems(err, EvidenceItem, raw_text, rel)
        raise DraftError(
            f"{rel} is not finished: {len(problems)} thing{'s' * (len(problems) != 1)} to fill in",
            problems,
        ) from None
    problems = []
    if known_nodes is not None:
        for assessment in item.assessments:
            if assessment.recommendation not in known_nodes:
                problems.append(
                    Problem(
                        path=rel, message=f"unknown recommendation '{assessment.recommendation}'"
                    )
                )
    if text and " ".join(item.source.quote.split()) not in " ".join(text.split()):
        problems.append(
            Problem(
                path=rel,
                message=f"the quote does not occur in "
                f"{DRAFTS_DIR}/{text_path.name}: copy it from there exactly",
            )
        )
    if problems:
        raise DraftError(f"{rel} is not finished", problems)
    target = evidence_path(root, item)
    if target.exists():
        raise DraftError(f"{target.relative_to(root)} already exists: rename the draft's id")
    if file_sha256(toml_path) != draft_sha:
        raise DraftError(f"{rel} changed while it was being promoted; run the command again")
    if text:
        atomic_write(target.with_suffix(".txt"), text.encode("utf-8"), expected_sha256=None)
    saved = save_evidence(root, item, expected_sha256=None)
    toml_path.unlink()
    if text_path.exists():
        text_path.unlink()
    return saved
