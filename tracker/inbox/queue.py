"""The inbox as an analyst reads it: one row per story, the few that matter on top.

A row's `relevance` (0 to 1) orders the rows that bear on the paper; it is the product of
- how strongly the story bears on a recommendation: its best suggestion's score (capped at 1);
- how many outlets report it: +15 % for each feed beyond the first, up to four more;
- how fresh it is: from 1 for today down to 0.5 for the long past (half of the way in 14 days);
- whether the team has it already: 0.3 when the same article is evidence or a draft already,
  0.8 when evidence reports the same event.
Rows that bear on no recommendation have relevance 0 and sink to the "bears on none" group,
newest first.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from tracker.inbox.store import CandidateRef, Entry, State, Story, SuggestionRef

SOURCE_BOOST = 0.15
MAX_EXTRA_SOURCES = 4
FRESH_DAYS = 14
ALREADY_HELD = 0.3
EVENT_IN_EVIDENCE = 0.8
MAX_SUGGESTIONS = 5


@dataclass(frozen=True)
class SourceRow:
    """One outlet's report of a story."""

    entry_id: int
    source: str
    title: str
    url: str | None
    published: dt.date | None
    feed: str


@dataclass(frozen=True)
class InboxRow:
    """One story: what the listing, the JSON and the workbench show."""

    n: int
    state: State
    title: str
    url: str | None
    published: dt.date | None
    source: str
    relevance: float
    suggestions: list[SuggestionRef]
    same_event: list[CandidateRef]
    sources: list[SourceRow]
    lead: Entry  # the report shown first: the one that bears most on the paper
    entries: list[Entry]
    draft: str | None = None
    why: str = ""  # the relevance in words

    @property
    def bears_on_none(self) -> bool:
        return not self.suggestions


def row_of(story: Story, today: dt.date) -> InboxRow:
    entries = story.entries
    lead = max(entries, key=lambda e: (e.strength, -_when(e).toordinal(), -(e.id or 0)))
    ordered = [lead, *sorted((e for e in entries if e is not lead), key=_when)]
    suggestions = _merged_suggestions(entries)
    same_event = _merged_candidates(entries)
    relevance, why = _relevance(entries, suggestions, same_event, today)
    return InboxRow(
        n=story.n,
        state=story.state,
        title=lead.title,
        url=lead.url,
        published=lead.published_date,
        source=lead.source,
        relevance=relevance,
        suggestions=suggestions,
        same_event=same_event,
        sources=[
            SourceRow(e.id or 0, e.source, e.title, e.url, e.published_date, e.feed)
            for e in ordered
        ],
        lead=lead,
        entries=ordered,
        draft=story.draft,
        why=why,
    )


def ranked(stories: list[Story], today: dt.date) -> list[InboxRow]:
    """Best first: the rows that bear on the paper by relevance, then the rest, newest first."""
    rows = [row_of(story, today) for story in stories]
    rows.sort(key=lambda r: (r.bears_on_none, -r.relevance, -_day(r).toordinal(), -r.n))
    return rows


def _when(entry: Entry) -> dt.date:
    return entry.published_date or dt.date.fromisoformat(entry.seen[:10])


def _day(row: InboxRow) -> dt.date:
    return row.published or _when(row.lead)


def _merged_suggestions(entries: list[Entry]) -> list[SuggestionRef]:
    best: dict[str, SuggestionRef] = {}
    for entry in entries:
        for s in entry.suggestions:
            if s.id not in best or s.score > best[s.id].score:
                best[s.id] = s
    return sorted(best.values(), key=lambda s: (-s.score, s.id))[:MAX_SUGGESTIONS]


_KIND_RANK = {"same_url": 0, "same_text": 1, "same_event": 2}


def _merged_candidates(entries: list[Entry]) -> list[CandidateRef]:
    best: dict[str, CandidateRef] = {}
    for entry in entries:
        for c in entry.same_event:
            held = best.get(c.id)
            if held is None or (_KIND_RANK.get(c.kind, 3), -c.similarity) < (
                _KIND_RANK.get(held.kind, 3),
                -held.similarity,
            ):
                best[c.id] = c
    return sorted(best.values(), key=lambda c: (_KIND_RANK.get(c.kind, 3), -c.similarity, c.id))


def _relevance(
    entries: list[Entry],
    suggestions: list[SuggestionRef],
    same_event: list[CandidateRef],
    today: dt.date,
) -> tuple[float, str]:
    if not suggestions:
        return 0.0, "bears on none of the recommendations"
    strength = min(1.0, suggestions[0].score)
    outlets = len({e.feed for e in entries})
    boost = 1 + SOURCE_BOOST * min(MAX_EXTRA_SOURCES, outlets - 1)
    newest = max(_when(e) for e in entries)
    age = max(0, (today - newest).days)
    fresh = 0.5 + 0.5 * math.exp(-age * math.log(2) / FRESH_DAYS)
    held = [c for c in same_event if c.kind in ("same_url", "same_text")]
    coverage, said = 1.0, ""
    if held:
        what = "a draft" if held[0].draft else "evidence"
        coverage, said = ALREADY_HELD, f"; already {what} ({held[0].id})"
    elif any(c.kind == "same_event" for c in same_event):
        coverage, said = EVENT_IN_EVIDENCE, "; evidence reports the same event"
    value = round(min(1.0, strength * boost * fresh * coverage), 3)
    why = (
        f"bears on {suggestions[0].id} ({strength:.2f})"
        + (f"; {outlets} outlets" if outlets > 1 else "")
        + (f"; {age} days old" if age else "")
        + said
    )
    return value, why
