"""The few facts of an evidence item that the checks across files and the scores need.

A whole item (its quote, rationales, texts) is read only for what a command shows of it; the
facts are a handful of plain fields, cheap to hold for 100,000 items and to keep in a cache.
They are derived from a validated item by `facts_of`, the one place that says which fields the
scores and the cross-file checks depend on: a new field of the evidence model that neither
uses never touches this module. (A cache may keep them: that is the speed layer's business.)
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
