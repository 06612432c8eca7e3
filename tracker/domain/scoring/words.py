"""Scores in words: the legend every face shows, and each status's reason in plain language.

A standing of -0.23 means nothing on its own; "some regression" and "one fairly reliable
report of a formal step away, 3 months old" do. The bands and the status words are published
with every table (as the EU's enlargement reports and VoxUkraine's iMoRe publish theirs), and
`tracker explain` keeps the figures one step away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.domain.model import CREDIBILITY_MEANING, RELIABILITY_MEANING

# (lower bound, words) from the top; a standing falls in the first band whose bound it reaches.
BANDS: tuple[tuple[float, str], ...] = (
    (2.5, "strong progress"),
    (1.0, "clear progress"),
    (0.2, "some progress"),
    (-0.2, "no clear movement"),
    (-1.0, "some regression"),
    (-2.5, "clear regression"),
    (float("-inf"), "strong regression"),
)

STATUS_WORDS: dict[str, str] = {
    "achieved": "an analyst judged it fulfilled, and no later evidence overturned that",
    "progressing": "the evidence, weighed, moves toward the recommendation",
    "contested": "strong evidence points both ways",
    "stalled": "evidence counts, but shows no clear movement either way",
    "regressing": "the evidence, weighed, moves away from the recommendation",
    "no-evidence": "nothing counts for it yet",
}

STATUS_LABEL: dict[str, str] = {
    "achieved": "achieved",
    "progressing": "progressing",
    "contested": "contested",
    "stalled": "no clear movement",
    "regressing": "regressing",
    "no-evidence": "no evidence",
}

# One symbol per status, the same on every face (terminal, workbench, pages); distinct from a
# tree's fold marks and from the movement arrows (↑ ↓ →). The symbol and the word carry the
# meaning; colour only helps.
STATUS_SYMBOL: dict[str, str] = {
    "achieved": "✔",
    "progressing": "+",
    "contested": "±",
    "stalled": "=",
    "regressing": "−",
    "no-evidence": "·",
}

ARROWS: dict[str, str] = {
    "↑": "moved toward the recommendation in the window (evidence dated in it)",
    "↓": "moved away from it in the window",
    "→": "no evidence in the window moved it",
}


def band(standing: float, counted: bool = True) -> str:
    if not counted:
        return "no evidence"
    for bound, words in BANDS:
        if standing >= bound:
            return words
    return BANDS[-1][1]


@dataclass(frozen=True)
class Legend:
    """What the figures and words mean, for tables, the workbench and the page."""

    bands: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str], ...]
    arrows: tuple[tuple[str, str], ...]
    scale: str
    movement: str
    flags: tuple[tuple[str, str], ...]


def legend(window_days: int, stale_days: int) -> Legend:
    bounds = [b for b, _ in BANDS]
    spans = []
    for index, (bound, words) in enumerate(BANDS):
        upper = bounds[index - 1] if index else None
        if upper is None:
            spans.append((f"{bound:+.1f} and above", words))
        elif bound == float("-inf"):
            spans.append((f"below {upper:+.1f}", words))
        else:
            spans.append((f"{bound:+.1f} to {upper:+.1f}", words))
    return Legend(
        bands=tuple(spans),
        statuses=tuple((STATUS_LABEL[s], STATUS_WORDS[s]) for s in STATUS_WORDS),
        arrows=tuple(ARROWS.items()),
        scale="standing: where the recommendation stands since the paper, from -5 (fully "
        "reversed) to +5 (fully achieved); thin evidence stays near 0",
        movement=f"movement: the part of the standing that evidence dated in the last "
        f"{window_days} days brings",
        flags=(
            ("stale", f"the newest evidence is older than {stale_days} days"),
            ("thin", "too little evidence under a section or recommendation to call a direction"),
        ),
    )


# --- reasons ---------------------------------------------------------------------------------


def age_words(days: int) -> str:
    """3 days, 2 weeks, 3 months, 1 year 2 months."""
    if days <= 0:
        return "from today"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 61:
        weeks = round(days / 7)
        return f"{weeks} weeks"
    months = round(days / 30.44)
    if months < 12:
        return f"{months} months"
    years, rest = divmod(months, 12)
    year_part = f"{years} year{'s' if years != 1 else ''}"
    return year_part + (f" {rest} month{'s' if rest != 1 else ''}" if rest else "")


def age_short(days: int) -> str:
    """An age for a table column: today, 5 d, 3 wk, 14 mo, 3 yr."""
    if days <= 0:
        return "today"
    if days < 14:
        return f"{days} d"
    if days < 61:
        return f"{round(days / 7)} wk"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} mo"
    return f"{months // 12} yr"


def _count(n: int, one: str, many: str) -> str:
    numbers = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    return f"{numbers.get(n, str(n))} {one if n == 1 else many}"


STEP_WORDS = {
    1: "a statement or draft",
    2: "a formal step",
    3: "a measure adopted",
    4: "a measure implemented",
    5: "a verified outcome",
}


def _one(reliability: str, credibility: int, impact: float, countered: bool, age: int) -> str:
    source = RELIABILITY_MEANING.get(reliability, "unrated")
    step = STEP_WORDS.get(min(5, max(1, round(abs(impact)))), "a step")
    if impact == 0:
        what = "relevant news with no movement"
    else:
        what = f"{step} {'toward it' if impact > 0 else 'away'}"
        if countered:
            what += ", since reversed"
    words = age_words(age)
    old = f", {words} old" if words != "from today" else ", from today"
    claim = CREDIBILITY_MEANING.get(credibility, "")
    trust = f" ({claim})" if credibility >= 4 else ""
    return f"one {source} report{trust} of {what}{old}"


def leaf_reason(
    status: str, own, grades_of, as_of: dt.date, achieved: str | None, overturned: str | None
) -> str:
    """A node's own evidence in words: how much, which way, how strong, how old. `own` is
    the node's counted evidence (`engine.Direct`), `grades_of` a reading's reliability and
    credibility."""
    if not own.count:
        return "no evidence counts at this date"
    if status == "achieved" and achieved:
        return f"an analyst's verdict: achieved ({achieved})"
    if own.single is not None:
        reading, countered = own.single
        reliability, credibility = grades_of(reading)
        text = _one(reliability, credibility, reading.impact, countered, (as_of - reading.ref).days)
    else:
        parts = []
        if own.toward:
            parts.append(f"{own.toward} toward")
        if own.away:
            parts.append(f"{own.away} away")
        if own.flat:
            parts.append(f"{own.flat} without movement")
        text = f"{_count(own.count, 'report', 'reports')}: {', '.join(parts)}"
        if own.in_force:
            text += f"; {_count(own.in_force, 'lasting change', 'lasting changes')} in force"
        text += f"; newest {age_words((as_of - own.newest).days)} old"
    if overturned:
        text += f"; the verdict 'achieved' in {overturned} was overturned by later evidence"
    return text


def parent_reason(
    status: str,
    scored: int,
    total: int,
    child_statuses: list[str],
    thin: bool,
    own: int,
    achieved_all: bool,
    noun: str = "sub-measures",
) -> str:
    """A section or recommendation with sub-measures: coverage, and how its members stand."""
    if scored == 0 and own == 0:
        return "no evidence counts at this date"
    if status == "achieved" and achieved_all:
        return f"all {total} {noun} achieved"
    counts: dict[str, int] = {}
    for s in child_statuses:
        counts[STATUS_LABEL[s]] = counts.get(STATUS_LABEL[s], 0) + 1
    spread = ", ".join(f"{n} {label}" for label, n in counts.items())
    text = f"{scored} of {total} {noun} have evidence"
    if spread:
        text += f" ({spread})"
    if own:
        text += f"; {_count(own, 'report', 'reports')} on it directly"
    if thin:
        text += "; too little evidence to call a direction here"
    return text
