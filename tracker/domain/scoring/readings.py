"""From the evidence's facts to readings: one item's assessment(s) of one node, weighed.

A reading is what the numbers need: the impact (the mean of the analysts' impacts when several
assessed the node in one item), the weight w = R x C x K (reliability, credibility, confidence),
the date it counts from, its event, and whether it is a lasting change or a transient one.
Readings are built once per load, whatever the date, and kept in one canonical order (by date,
then id) so every sum is bit-for-bit repeatable whatever the order of the files.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.domain.config import ScoringConfig
from tracker.domain.facts import AssessmentFacts, ItemFacts

SCALE = 5.0  # the largest impact


@dataclass(slots=True, eq=False)
class Reading:
    rank: int  # the item's place in canonical order: ties are broken by it, never by files
    evidence_id: str
    node_id: str
    impact: float  # the mean of the analysts' impacts
    weight: float  # w = R * C * K (K the mean of the analysts' confidence weights)
    ref: dt.date  # the date it counts from
    event: str
    verdict: bool  # an analyst's 'achieved'
    lasting: bool  # persists until countered, instead of fading
    day: int  # `ref` as an ordinal: date arithmetic on plain ints, in the hot loops


def canonical_order(facts: Sequence[ItemFacts]) -> list[int]:
    """Positions of the items by the date each counts from, then id; only items that share
    both (a duplicate id, itself a data error) are told apart by their whole facts."""
    keys = [(f.midpoint, f.id) for f in facts]
    order = sorted(range(len(facts)), key=keys.__getitem__)
    if len(set(keys)) == len(keys):  # no two items share both: the sort alone decides
        return order
    out: list[int] = []
    start = 0
    while start < len(order):
        key = keys[order[start]]
        end = start + 1
        while end < len(order) and keys[order[end]] == key:
            end += 1
        group = order[start:end]
        if len(group) > 1:
            group = sorted(group, key=lambda i: repr(facts[i]))
        out += group
        start = end
    return out


def build_readings(ordered: Sequence[ItemFacts], config: ScoringConfig) -> dict[str, list[Reading]]:
    """Each node's readings, in canonical order (`ordered` is already in it)."""
    by_node: dict[str, list[Reading]] = defaultdict(list)
    confidence = {level: config.confidence.of(level) for level in ("high", "moderate", "low")}
    reliability = {grade: config.reliability.of(grade) for grade in "ABCDEF"}
    credibility = {grade: config.credibility.of(grade) for grade in range(1, 7)}
    for rank, facts in enumerate(ordered):
        rc = reliability[facts.reliability] * credibility[facts.credibility]
        event = facts.event or facts.id
        day = facts.midpoint.toordinal()
        assessments = facts.assessments
        if len(assessments) == 1 or len({a.recommendation for a in assessments}) == len(
            assessments
        ):  # each node assessed once: nothing to combine
            for a in assessments:
                by_node[a.recommendation].append(
                    Reading(
                        rank,
                        facts.id,
                        a.recommendation,
                        float(a.impact),
                        rc * confidence[a.confidence],
                        facts.midpoint,
                        event,
                        a.verdict == "achieved",
                        a.lasting,
                        day,
                    )
                )
            continue
        groups: dict[str, list[AssessmentFacts]] = defaultdict(list)
        for a in assessments:
            groups[a.recommendation].append(a)
        for node_id, group in groups.items():
            k = math.fsum(confidence[a.confidence] for a in group) / len(group)
            impact = math.fsum(a.impact for a in group) / len(group)
            verdict = any(a.verdict == "achieved" for a in group)
            lasting = 2 * sum(a.lasting for a in group) >= len(group)
            by_node[node_id].append(
                Reading(
                    rank,
                    facts.id,
                    node_id,
                    impact,
                    rc * k,
                    facts.midpoint,
                    event,
                    verdict,
                    lasting,
                    day,
                )
            )
    return dict(by_node)


def pick(readings: Sequence[Reading]) -> Reading:
    """The report of an event that counts: the strongest weight; ties go to the earliest."""
    if len(readings) == 1:
        return readings[0]
    return min(readings, key=lambda r: (-r.weight, r.ref, r.evidence_id, r.rank))


def decay(age_days: float, half_life: float) -> float:
    return 2.0 ** (-max(age_days, 0.0) / half_life)


def sign(value: float) -> int:
    return (value > 0) - (value < 0)
