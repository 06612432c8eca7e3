"""Figures in a reader's words, for the published pages and the Markdown briefing.

A page a think tank puts its name to says "a formal step away from it, 2 weeks ago, from a
usually reliable source", not "-2 B2 16d". These helpers return plain text; each format
escapes it for itself (HTML entities, Markdown backslashes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tracker.domain.model import CREDIBILITY_MEANING, RELIABILITY_MEANING
from tracker.domain.scoring.words import age_words

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# What an impact level is, as a noun phrase; 5 reads differently on each side.
_STEP = {
    1: "a statement or draft",
    2: "a formal step",
}


def long_date(day: dt.date) -> str:
    """15 September 2025."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_month(day: dt.date) -> str:
    """Sep 2025: an axis label."""
    return f"{MONTHS[day.month - 1][:3]} {day.year}"


def day_month(day: dt.date) -> str:
    """15 Sep: an axis label for weekly steps."""
    return f"{day.day} {MONTHS[day.month - 1][:3]}"


def span(start: dt.date, end: dt.date) -> str:
    """1 July to 30 September 2025; 1 December 2024 to 31 March 2025."""
    if start.year == end.year:
        return f"{start.day} {MONTHS[start.month - 1]} to {long_date(end)}"
    return f"{long_date(start)} to {long_date(end)}"


def step_words(dates: Sequence[dt.date]) -> str:
    """How far apart a chart's dates are: 'week by week', 'month by month'."""
    if len(dates) < 2:
        return "at one date"
    gap = (dates[-1] - dates[0]).days / (len(dates) - 1)
    if gap <= 10:
        return "week by week"
    if gap <= 45:
        return "month by month"
    if gap <= 120:
        return "quarter by quarter"
    return f"at {len(dates)} dates"


def paper_date(year: int, month: int | None) -> str:
    return f"{MONTHS[month - 1]} {year}" if month else str(year)


def names(people: Sequence[str]) -> str:
    """A, B and C."""
    people = list(people)
    if len(people) <= 1:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]


def count(n: int, one: str, many: str | None = None) -> str:
    """1 item, 3 items."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def signed(value: float, digits: int = 2) -> str:
    """+0.43, −0.23 (a true minus sign, as print has it), 0.00."""
    text = f"{value:+.{digits}f}"
    if value == 0:
        return f"{0:.{digits}f}"
    return text.replace("-", "−")


def impact_words(impact: float) -> str:
    """What an assessment's impact says: 'a formal step away from it'."""
    level = min(5, int(abs(impact) + 0.5))  # halves round up: -2.5 reads as -3
    if level == 0:
        return "relevant, but no movement"
    if level == 5:
        return "a verified outcome toward it" if impact > 0 else "a full reversal"
    direction = "toward it" if impact > 0 else "away from it"
    if level >= 3:
        return f"a change {direction}, {'adopted' if level == 3 else 'implemented'}"
    return f"{_STEP[level]} {direction}"


def source_words(reliability: str, credibility: int) -> str:
    """'a usually reliable source (B); the claim probably true (2)'."""
    source = RELIABILITY_MEANING.get(reliability, "unrated")
    claim = CREDIBILITY_MEANING.get(credibility, "unrated")
    if reliability == "F":
        source_text = f"a source whose {source} ({reliability})"
    else:
        source_text = f"a {source} source ({reliability})"
    if credibility == 1:
        claim_text = f"the claim {claim} ({credibility})"
    elif credibility == 6:
        claim_text = f"the claim's {claim} ({credibility})"
    else:
        claim_text = f"the claim {claim} ({credibility})"
    return f"{source_text}; {claim_text}"


def treatment_words(treatment: str, half_life_days: float) -> str:
    """How the evidence weighs over time."""
    if treatment == "lasting":
        return "a lasting change: it keeps its weight until reversed"
    if treatment == "lasting, reversed":
        return "a lasting change, since reversed: it now fades"
    return f"transient: it loses half its weight every {half_life_days:g} days"


def treatment_short(treatment: str) -> str:
    return {
        "lasting": "lasting",
        "lasting, reversed": "lasting, since reversed",
        "transient": "transient, fading",
    }.get(treatment, treatment)


def age_ago(days: int | None) -> str:
    """2 weeks ago, today; empty for no evidence."""
    if days is None:
        return ""
    words = age_words(days)
    return "today" if words == "from today" else f"{words} ago"


def arrow_word(arrow: str) -> str:
    return {"↑": "toward", "↓": "away", "→": "no change"}.get(arrow, "")
