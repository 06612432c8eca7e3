"""The evidence form's fields as text: what each expects, its meaning in place, and the typed
value the model is given.

Kept free of Textual: the form's recovery draft and its tests use these too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tracker.domain.model import (
    CREDIBILITY_MEANING,
    IMPACT_MEANING,
    LASTING_FROM,
    RELIABILITY_MEANING,
)

# The record's one-line fields, in the order the form shows them (title and quote are areas).
ITEM_FIELDS = ["id", "date", "date_precision", "event"]
SOURCE_FIELDS = [
    "publisher",
    "url",
    "published",
    "author",
    "claimant",
    "reliability",
    "credibility",
]
# One assessment's one-line fields (the rationale is an area).
ASSESSMENT_FIELDS = ["recommendation", "impact", "confidence", "treatment", "analyst"]
# Fields whose values are a few characters, with their meaning shown beside them.
SCALES = {
    "date",
    "published",
    "date_precision",
    "reliability",
    "credibility",
    "impact",
    "confidence",
    "treatment",
}
DATES = {"date", "published"}
INTS = {"credibility", "impact"}
OPTIONAL = {
    "event",
    "url",
    "published",
    "author",
    "claimant",
    "analyst",
    "verdict",
    "treatment",
}


def value_of(name: str, text: str) -> Any:
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


def one_line_text(text: str) -> str:
    """A title typed or pasted over several lines is one line in the record."""
    return " ".join(text.split())


def treatment_hint(text: str, impact_text: str) -> str:
    """Lasting or transient: what the analyst set, or what the impact level gives."""
    text = text.strip()
    if text in ("lasting", "transient"):
        return f"{text} (set here; empty follows the impact)"
    impact = value_of("impact", impact_text)
    if text:
        return "lasting | transient | empty: follows the impact"
    if isinstance(impact, int):
        way = "lasting" if abs(impact) >= LASTING_FROM else "transient"
        return (
            f"empty: {way}, from impact {impact:+d} (|impact| ≥ {LASTING_FROM} lasts until "
            "reversed; less fades)"
        )
    return f"empty: from the impact (|impact| ≥ {LASTING_FROM} lasting, else transient)"


def scale_hint(name: str, text: str) -> str:
    """The meaning of the value typed, in place, from the model's own scales."""
    text = text.strip()
    if name == "reliability":
        meaning = RELIABILITY_MEANING.get(text)
        return f"{text}: {meaning}" if meaning else "A completely … E unreliable, F not judged"
    if name == "credibility":
        meaning = CREDIBILITY_MEANING.get(value_of(name, text))  # type: ignore[arg-type]
        return f"{text}: {meaning}" if meaning else "1 confirmed … 5 improbable, 6 cannot be judged"
    if name == "impact":
        value = value_of(name, text)
        if isinstance(value, int) and abs(value) in IMPACT_MEANING:
            way = "toward" if value > 0 else "away from" if value < 0 else "no move on"
            return f"{value:+d}: {IMPACT_MEANING[abs(value)]} ({way} the recommendation)"
        return "-5..+5: 1 statement, 2 formal step, 3 adopted, 4 implemented, 5 verified"
    if name == "confidence":
        return "high | moderate | low"
    if name == "date_precision":
        return "day | week (its first day) | month (the 1st)"
    if name in DATES:
        value = value_of(name, text)
        if isinstance(value, dt.date):
            return value.strftime("%A %d %B %Y")
        return "YYYY-MM-DD"
    if name == "treatment":
        return treatment_hint(text, "")
    return ""


def analyst_default(root: Path) -> str:
    """The analyst a new assessment is credited to: git's user.name, if git knows one."""
    try:
        from tracker.git.gitops import identity

        return identity(root)[0]
    except Exception:  # no git, no identity: the analyst types a name or leaves it empty
        return ""
