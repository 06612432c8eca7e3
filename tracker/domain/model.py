"""The only schema of `tracker`'s data: the paper's tree and the evidence items.

The models are strict on purpose: an analyst's typo (`"2"` for `2`, `true` for `1`, a datetime
where a date is meant, a misspelled key) must surface as a finding of `tracker check`, never be
coerced silently into something the analyst did not write.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

SCHEMA_VERSION = 1

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_MAX_LENGTH = 80

Reliability = Literal["A", "B", "C", "D", "E", "F"]
Confidence = Literal["high", "moderate", "low"]
DatePrecision = Literal["day", "week", "month"]
NodeKind = Literal["section", "recommendation", "measure"]
Verdict = Literal["achieved"]
Treatment = Literal["lasting", "transient"]

RELIABILITY_MEANING: dict[str, str] = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY_MEANING: dict[int, str] = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}
LASTING_FROM = 3  # the impact level from which a change is lasting unless the analyst says

IMPACT_MEANING: dict[int, str] = {
    0: "relevant, no movement",
    1: "statement or draft",
    2: "formal step",
    3: "adopted",
    4: "implemented",
    5: "verified outcome or full reversal",
}


def describe_char(ch: str) -> str:
    """Name a character so an analyst can find it, even when it is invisible on screen."""
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    return f"{code} {name}" if name else code


def check_id(value: str) -> str:
    """An id is a filename and a git path: only a plain lowercase slug is safe everywhere."""
    if not value:
        raise ValueError("an id may not be empty")
    if len(value) > ID_MAX_LENGTH:
        raise ValueError(f"an id is at most {ID_MAX_LENGTH} characters; this one has {len(value)}")
    if not ID_PATTERN.match(value):
        odd = next((c for c in value if not (c.isascii() and (c.isalnum() or c == "-"))), None)
        if odd is not None and not (odd.isascii() and odd.islower()):
            if odd.isascii() and odd.isupper():
                detail = f"upper-case {odd!r}"
            else:
                detail = f"{describe_char(odd)!s}"
            raise ValueError(
                f"an id uses only a-z, 0-9 and single hyphens; found {detail} in {value!r}"
            )
        raise ValueError(
            f"an id uses only a-z, 0-9 and single hyphens, not at either end; got {value!r}"
        )
    return value


_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_text(value: str) -> str:
    """Reject control characters: in a data file they are damage, and on a terminal, an attack."""
    if value.isprintable():  # the common case, answered without a search: no control at all
        return value
    found = _FORBIDDEN_CONTROL.search(value)
    if found:
        ch = found.group()
        what = "a terminal escape sequence" if ch == "\x1b" else "a control character"
        raise ValueError(
            f"text holds {what} ({describe_char(ch)}) at character {found.start() + 1}; "
            "remove it (only line breaks and tabs are allowed)"
        )
    return value


# The rules above as constraints pydantic checks in its compiled core: a cold load validates
# 100,000 items, and a Python call per text field was a quarter of the validation's time. An
# input that breaks them gets the words of `check_id` / `check_text` (`domain.validation`).
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
Id = Annotated[
    str, StringConstraints(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN.pattern)
]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1, pattern=TEXT_PATTERN)]


class Strict(BaseModel):
    """Shared strictness: no coercion, no unknown keys, no NaN, immutable values."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        populate_by_name=True,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        # Built on first validation: a warm run validates no evidence item, so it never pays.
        defer_build=True,
    )


# --- the paper ------------------------------------------------------------------------------


class Paper(Strict):
    """Bibliographic data of the paper whose recommendations are tracked."""

    title: NonEmptyText
    authors: list[NonEmptyText] = []
    publisher: Text | None = None
    year: int = Field(ge=1900, le=2200)
    month: int | None = Field(default=None, ge=1, le=12)
    url: Text | None = None
    language: Text = "en"
    summary: Text = ""
    # What the paper is about (a country, its capital, its leader, in every script): an
    # article that names none of them bears on no recommendation, whatever its keywords.
    subject_terms: list[NonEmptyText] = []

    @property
    def published(self) -> dt.date:
        """The first day the paper can have been read: recommendations count from then."""
        return dt.date(self.year, self.month or 1, 1)


class Node(Strict):
    """One node of the paper's tree: a section, a recommendation or a measure."""

    id: Id
    parent: Id | None = None
    kind: NodeKind
    title: NonEmptyText
    text: Text = ""
    headings: list[NonEmptyText] = []
    page: int | None = Field(default=None, ge=1)
    importance: float = Field(default=1.0, gt=0, le=100)
    search_terms: list[NonEmptyText] = []


class RecommendationsFile(Strict):
    """`recommendations.toml` as a whole."""

    schema_: int = Field(default=SCHEMA_VERSION, alias="schema", ge=1, le=SCHEMA_VERSION)
    paper: Paper
    nodes: list[Node] = Field(default=[], alias="node")


# --- evidence -------------------------------------------------------------------------------


class Source(Strict):
    """Where the evidence comes from, and how far it can be trusted (Admiralty scale)."""

    url: Text | None = None
    publisher: NonEmptyText
    published: dt.date | None = None
    author: Text | None = None
    claimant: Text | None = None
    reliability: Reliability
    credibility: int = Field(ge=1, le=6)
    quote: NonEmptyText
    archive_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class Assessment(Strict):
    """One analyst's reading of what the evidence means for one recommendation."""

    recommendation: Id
    impact: int = Field(ge=-5, le=5)
    confidence: Confidence
    rationale: NonEmptyText
    analyst: Text | None = None
    verdict: Verdict | None = None
    treatment: Treatment | None = None

    @property
    def lasting(self) -> bool:
        """Whether the change persists until evidence the other way counters it (a law, a
        membership, a closure, an opening) or fades like a statement or a visit.

        Unset, it follows the impact level: adopted, implemented and verified steps (|impact|
        of 3 or more) are lasting; statements, drafts and formal steps are transient."""
        if self.treatment is not None:
            return self.treatment == "lasting"
        return abs(self.impact) >= LASTING_FROM


class EvidenceItem(Strict):
    """One dated article or event and its assessments: one file in `evidence/YYYY/`."""

    id: Id
    title: NonEmptyText
    date: dt.date
    date_precision: DatePrecision = "day"
    event: Id | None = None
    source: Source
    assessments: list[Assessment] = Field(alias="assessment", min_length=1)

    @field_validator("date_precision")
    @classmethod
    def _month_precision_starts_on_first(cls, value: str, info: ValidationInfo) -> str:
        date = info.data.get("date")
        if value == "month" and isinstance(date, dt.date) and date.day != 1:
            raise ValueError(
                'with date_precision = "month" the date is the month\'s first day '
                f"({date.replace(day=1).isoformat()}), not {date.isoformat()}"
            )
        return value

    @property
    def event_key(self) -> str:
        """Items without an explicit event key are their own event."""
        return self.event or self.id

    @property
    def midpoint(self) -> dt.date:
        """The date a week- or month-precision item counts from: the middle of its span."""
        if self.date_precision == "week":
            return self.date + dt.timedelta(days=3)
        if self.date_precision == "month":
            return self.date + dt.timedelta(days=14)
        return self.date

    @property
    def year_folder(self) -> str:
        return f"{self.date.year:04d}"
