"""The few facts of an evidence item that the checks across files and the scores need.

A whole item (its quote, rationales, texts) is read only for what a command shows of it; the
facts are a handful of plain fields, cheap to hold for 100,000 items and to keep in a cache.
They are derived from a validated item by `facts_of`, the one place that says which fields the
scores and the cross-file checks depend on: a new field of the evidence model that neither
uses never touches this module.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from tracker.domain.model import EvidenceItem
from tracker.domain.urls import normalize_url


class AssessmentFacts(NamedTuple):
    recommendation: str
    analyst: str | None
    impact: int
    confidence: str
    verdict: str | None
    lasting: bool


class ItemFacts(NamedTuple):
    id: str
    date: dt.date
    midpoint: dt.date  # the date it counts from (the middle of a week or month)
    published: dt.date | None
    url_key: str | None  # the normalised URL, for duplicate-URL findings
    event: str | None
    reliability: str
    credibility: int
    assessments: tuple[AssessmentFacts, ...]

    @property
    def event_key(self) -> str:
        return self.event or self.id


def facts_of(item: EvidenceItem) -> ItemFacts:
    url = item.source.url
    return ItemFacts(
        item.id,
        item.date,
        item.midpoint,
        item.source.published,
        normalize_url(url) if url else None,
        item.event,
        item.source.reliability,
        item.source.credibility,
        tuple(
            AssessmentFacts(
                a.recommendation, a.analyst, a.impact, a.confidence, a.verdict, a.lasting
            )
            for a in item.assessments
        ),
    )


def facts_to_plain(facts: ItemFacts) -> list:
    """JSON-ready: what a cache stores (dates as ordinals)."""
    return [
        facts.id,
        facts.date.toordinal(),
        facts.midpoint.toordinal(),
        facts.published.toordinal() if facts.published else None,
        facts.url_key,
        facts.event,
        facts.reliability,
        facts.credibility,
        [list(a) for a in facts.assessments],
    ]


def facts_from_plain(plain: list) -> ItemFacts:
    """The inverse of `facts_to_plain`; raises (TypeError, ValueError) on anything else."""
    fid, date, midpoint, published, url_key, event, reliability, credibility, rows = plain
    if not isinstance(fid, str) or not isinstance(reliability, str):
        raise TypeError("not the facts of an item")
    return ItemFacts(
        fid,
        dt.date.fromordinal(date),
        dt.date.fromordinal(midpoint),
        dt.date.fromordinal(published) if published is not None else None,
        url_key,
        event,
        reliability,
        int(credibility),
        tuple(AssessmentFacts(*row) for row in rows),
    )
