"""Evidence to scores: a momentum, a status and a trend for every recommendation, at any date.

Pure functions over the model: no I/O, no UI. Every number is kept with the evidence behind it,
so a score can be explained back to its items (docs/scoring.md is the method for analysts).

The momentum of a node with direct evidence i (impact s, weight w = R*C*K, decay d) is

    M = sum(w d s) / (w0 + sum(w d |s|) / 5)

The issue proposed `w0 + sum(w d)` as the denominator: a weighted mean of the impacts. A mean
falls when a new item is weaker than the mean, so a statement (+1) that follows a verified
outcome (+5) would *lower* the score: good news reading as bad. Weighting each item in the
denominator by |s|/5 is the one change that keeps M in (-5, 5), keeps thin evidence near
zero, and makes M monotone: a positive item never lowers it, a negative one never raises it.
Items of impact 0 (relevant, no movement) leave M unchanged but count as evidence, so a node
with only "no movement" news reads as stalled, not as lacking evidence.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracker.config import ScoringConfig
from tracker.model import EvidenceItem, Node

SCALE = 5.0  # the largest impact: the denominator counts each item's |s| against it

Status = Literal["achieved", "insufficient", "contested", "progressing", "regressing", "stalled"]
STATUSES: tuple[Status, ...] = (
    "achieved",
    "progressing",
    "contested",
    "stalled",
    "regressing",
    "insufficient",
)
ExclusionReason = Literal["after_as_of", "duplicate_event", "outside_window"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Contribution(_Out):
    """One evidence item's part in a score; the contributions of a node add up to its score."""

    evidence_id: str
    node_id: str  # the node the assessment is about (a descendant, for a rolled-up parent)
    title: str
    date: dt.date
    date_precision: str
    counts_from: dt.date  # the middle of a week or month
    event: str | None
    publisher: str
    url: str | None
    quote: str
    reliability: str
    credibility: int
    confidence: str  # the analysts' level, or levels joined with "/" when they differ
    impact: float  # the mean of the analysts' impacts
    assessments: int  # how many analysts' assessments were combined
    analysts: list[str]
    rationale: str
    verdict: bool
    reliability_weight: float
    credibility_weight: float
    confidence_weight: float  # the mean over the combined assessments
    weight: float  # w = R * C * K
    age_days: int
    decay: float  # d = 2^(-age / half-life)
    effective_weight: float  # w * d
    share: float  # 1 for direct evidence; a child's share of the parent's rollup otherwise
    contribution: float  # share * w d s / (w0 + sum(w d |s|) / 5)
    corroborated_by: list[str]  # other reports of the same event, not counted again


class Exclusion(_Out):
    """Evidence that bears on the node but does not count at this date, and why."""

    evidence_id: str
    node_id: str
    title: str
    date: dt.date
    reason: ExclusionReason
    detail: str


class ChildPart(_Out):
    """A child's part in its parent's rollup."""

    node_id: str  # or "(direct)" for the parent's own evidence
    title: str
    importance: float
    score: float
    status: Status
    evidence_count: int
    included: bool  # children without evidence are left out of the mean (coverage shows them)
    share: float


class NodeScore(_Out):
    node_id: str
    title: str
    kind: str
    depth: int
    as_of: dt.date
    score: float  # M, in (-5, 5)
    status: Status
    status_reason: str
    trend: float  # M now minus M a window ago
    trend_arrow: str
    previous_score: float
    window_start: dt.date
    evidence_count: int  # distinct evidence items counted (the subtree's, for a parent)
    total_weight: float  # sum(w d) of what counts
    prior: float
    denominator: float  # leaves: w0 + sum(w d |s|)/5 over direct evidence
    positive: float  # the sum of positive contributions
    negative: float  # the sum of negative contributions (<= 0)
    contributions: list[Contribution]
    excluded: list[Exclusion]
    children_scored: int | None  # coverage: children with any evidence (None for a leaf)
    children_total: int | None
    children: list[ChildPart]
    direct_score: float | None  # the node's own evidence alone, where it has any
    direct_count: int
    verdict_evidence: str | None  # the evidence carrying an analyst's 'achieved' verdict


# --- readings: the analysts' assessments of one item for one node, combined ---------------


@dataclass
class _Reading:
    item: EvidenceItem
    node_id: str
    impact: float
    confidence: str
    confidence_weight: float
    reliability_weight: float
    credibility_weight: float
    weight: float
    assessments: int
    analysts: list[str]
    rationale: str
    verdict: bool
    ref: dt.date  # the date it counts from
    key: tuple  # canonical order, independent of file order

    @property
    def event(self) -> str:
        return self.item.event_key


def _canonical(items: Iterable[EvidenceItem]) -> list[EvidenceItem]:
    """Items in one order whatever the order of the files, so sums are bit-for-bit repeatable."""
    return sorted(items, key=lambda i: (i.midpoint, i.id, i.model_dump_json()))


def _readings(items: Iterable[EvidenceItem], config: ScoringConfig) -> dict[str, list[_Reading]]:
    by_node: dict[str, list[_Reading]] = defaultdict(list)
    for rank, item in enumerate(_canonical(items)):
        grouped: dict[str, list] = defaultdict(list)
        for assessment in item.assessments:
            grouped[assessment.recommendation].append(assessment)
        r = config.reliability.of(item.source.reliability)
        c = config.credibility.of(item.source.credibility)
        for node_id, group in grouped.items():
            k = math.fsum(config.confidence.of(a.confidence) for a in group) / len(group)
            levels = sorted({a.confidence for a in group}, key=["high", "moderate", "low"].index)
            by_node[node_id].append(
                _Reading(
                    item=item,
                    node_id=node_id,
                    impact=math.fsum(a.impact for a in group) / len(group),
                    confidence="/".join(levels),
                    confidence_weight=k,
                    reliability_weight=r,
                    credibility_weight=c,
                    weight=r * c * k,
                    assessments=len(group),
                    analysts=sorted({a.analyst for a in group if a.analyst}),
                    rationale="\n\n".join(a.rationale for a in group),
                    verdict=any(a.verdict == "achieved" for a in group),
                    ref=item.midpoint,
                    key=(rank,),
                )
            )
    return by_node


def _pick(readings: Sequence[_Reading]) -> _Reading:
    """The report of an event that counts: the strongest weight; ties go to the earliest."""
    return min(readings, key=lambda r: (-r.weight, r.ref, r.item.id, r.key))


def decay(age_days: float, half_life: float) -> float:
    return 2.0 ** (-max(age_days, 0.0) / half_life)


# --- the tree -------------------------------------------------------------------------------


@dataclass
class _Tree:
    nodes: dict[str, Node]
    children: dict[str | None, list[str]]
    order: list[str]  # children before parents
    depth: dict[str, int] = field(default_factory=dict)


def _tree(nodes: Sequence[Node]) -> _Tree:
    """Tolerates a broken tree (unknown parent, cycle): such nodes are scored, never lost."""
    known: dict[str, Node] = {}
    for node in nodes:
        known.setdefault(node.id, node)
    children: dict[str | None, list[str]] = defaultdict(list)
    for node in known.values():
        parent = node.parent if node.parent in known and node.parent != node.id else None
        children[parent].append(node.id)
    order: list[str] = []
    depth: dict[str, int] = {}
    via: dict[str, str | None] = {}  # the parent each node was reached from

    def visit(root: str) -> None:
        stack: list[tuple[str, str | None, int, bool]] = [(root, None, 0, False)]
        while stack:
            nid, parent, level, done = stack.pop()
            if done:
                order.append(nid)
                continue
            if nid in via:
                continue
            via[nid] = parent
            depth[nid] = level
            stack.append((nid, parent, level, True))
            for child in reversed(children.get(nid, [])):
                stack.append((child, nid, level + 1, False))

    for root in list(children.get(None, [])):
        visit(root)
    for nid in known:  # in a cycle: unreachable from the top
        if nid not in via:
            visit(nid)
    children = defaultdict(list)
    for nid in known:
        children[via[nid]].append(nid)
    return _Tree(known, children, order, depth)


# --- one node's direct evidence at a date ---------------------------------------------------


@dataclass
class _Direct:
    score: float = 0.0
    denominator: float = 0.0
    total_weight: float = 0.0
    contributions: list[Contribution] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)
    verdict: _Reading | None = None
    overturned_by: float = 0.0  # sum(w d s) of counted evidence after the verdict


def _direct(readings: Sequence[_Reading], as_of: dt.date, config: ScoringConfig) -> _Direct:
    out = _Direct(denominator=config.prior_weight)
    events: dict[str, list[_Reading]] = defaultdict(list)
    for r in readings:
        if r.ref > as_of:
            counts = (
                ""
                if r.ref == r.item.date
                else f" (counts from {r.ref}, mid-{r.item.date_precision})"
            )
            out.excluded.append(
                _exclusion(r, "after_as_of", f"dated {r.item.date}{counts}, after {as_of}")
            )
        elif (as_of - r.ref).days > config.horizon_days:
            out.excluded.append(
                _exclusion(
                    r,
                    "outside_window",
                    f"{(as_of - r.ref).days} days old: beyond the horizon "
                    f"of {config.horizon_days} days",
                )
            )
        else:
            events[r.event].append(r)
        if r.verdict and r.ref <= as_of and (out.verdict is None or r.key > out.verdict.key):
            out.verdict = r
    chosen: list[tuple[_Reading, list[_Reading]]] = []
    for group in events.values():
        best = _pick(group)
        others = sorted((r for r in group if r is not best), key=lambda r: r.key)
        for r in others:
            out.excluded.append(
                _exclusion(
                    r,
                    "duplicate_event",
                    f"reports event '{r.event}', already counted through {best.item.id} "
                    f"(weight {best.weight:.3f} >= {r.weight:.3f})",
                )
            )
        chosen.append((best, others))
    chosen.sort(key=lambda pair: pair[0].key)
    decays = [decay((as_of - r.ref).days, config.half_life_days) for r, _ in chosen]
    denominator = config.prior_weight + math.fsum(
        r.weight * d * abs(r.impact) / SCALE for (r, _), d in zip(chosen, decays, strict=True)
    )
    out.denominator = denominator
    out.total_weight = math.fsum(r.weight * d for (r, _), d in zip(chosen, decays, strict=True))
    for (r, others), d in zip(chosen, decays, strict=True):
        out.contributions.append(
            _contribution(r, others, as_of, d, r.weight * d * r.impact / denominator)
        )
        if out.verdict is not None and r.ref > out.verdict.ref:
            out.overturned_by += r.weight * d * r.impact
    out.score = math.fsum(c.contribution for c in out.contributions)
    out.excluded.sort(key=lambda e: (e.date, e.evidence_id))
    return out


def _exclusion(r: _Reading, reason: ExclusionReason, detail: str) -> Exclusion:
    return Exclusion(
        evidence_id=r.item.id,
        node_id=r.node_id,
        title=r.item.title,
        date=r.item.date,
        reason=reason,
        detail=detail,
    )


def _contribution(
    r: _Reading, others: list[_Reading], as_of: dt.date, d: float, value: float
) -> Contribution:
    item = r.item
    return Contribution(
        evidence_id=item.id,
        node_id=r.node_id,
        title=item.title,
        date=item.date,
        date_precision=item.date_precision,
        counts_from=r.ref,
        event=item.event,
        publisher=item.source.publisher,
        url=item.source.url,
        quote=item.source.quote,
        reliability=item.source.reliability,
        credibility=item.source.credibility,
        confidence=r.confidence,
        impact=r.impact,
        assessments=r.assessments,
        analysts=r.analysts,
        rationale=r.rationale,
        verdict=r.verdict,
        reliability_weight=r.reliability_weight,
        credibility_weight=r.credibility_weight,
        confidence_weight=r.confidence_weight,
        weight=r.weight,
        age_days=(as_of - r.ref).days,
        decay=d,
        effective_weight=r.weight * d,
        share=1.0,
        contribution=value,
        corroborated_by=[o.item.id for o in others],
    )


# --- the whole tree at a date ---------------------------------------------------------------


@dataclass
class _Level:
    """A node's score at a date, before the trend is known."""

    score: float
    status: Status
    reason: str
    evidence_count: int
    total_weight: float
    contributions: list[Contribution]
    excluded: list[Exclusion]
    children: list[ChildPart]
    direct: _Direct
    achieved: bool


def _status(
    score: float,
    total_weight: float,
    contributions: list[Contribution],
    achieved: str | None,
    config: ScoringConfig,
) -> tuple[Status, str, float, float]:
    positive = math.fsum(c.contribution for c in contributions if c.contribution > 0)
    negative = math.fsum(c.contribution for c in contributions if c.contribution < 0)
    if achieved:
        return "achieved", achieved, positive, negative
    if total_weight < config.min_weight:
        return (
            "insufficient",
            f"evidence weight {total_weight:.3f} is below the {config.min_weight} needed",
            positive,
            negative,
        )
    both = positive - negative
    small = min(positive, -negative)
    if both > 0 and small >= config.contested_min and small / both >= config.contested_share:
        return (
            "contested",
            f"strong evidence both ways: {positive:+.2f} toward, {negative:+.2f} away",
            positive,
            negative,
        )
    if score >= config.moving_threshold:
        return "progressing", f"score {score:+.2f} >= {config.moving_threshold}", positive, negative
    if score <= -config.moving_threshold:
        return "regressing", f"score {score:+.2f} <= -{config.moving_threshold}", positive, negative
    return (
        "stalled",
        f"score {score:+.2f} within +-{config.moving_threshold}",
        positive,
        negative,
    )


def _levels(
    tree: _Tree,
    readings: dict[str, list[_Reading]],
    as_of: dt.date,
    config: ScoringConfig,
) -> dict[str, _Level]:
    levels: dict[str, _Level] = {}
    for nid in tree.order:
        direct = _direct(readings.get(nid, ()), as_of, config)
        verdict_note: str | None = None
        if direct.verdict is not None:
            v = direct.verdict.item.id
            if direct.overturned_by <= -config.verdict_overturn:
                verdict_note = None
                direct_reason = (
                    f"verdict 'achieved' in {v} overturned: later evidence sums "
                    f"{direct.overturned_by:+.2f} (w d s) <= -{config.verdict_overturn}"
                )
            else:
                verdict_note = f"analyst's verdict 'achieved' in {v}"
                direct_reason = ""
        else:
            direct_reason = ""
        kids = tree.children.get(nid, [])
        if not kids:
            contributions = direct.contributions
            excluded = direct.excluded
            score = direct.score
            total = direct.total_weight
            parts: list[ChildPart] = []
            achieved = verdict_note
        else:
            included = [(k, levels[k]) for k in kids if levels[k].evidence_count > 0]
            members = [(tree.nodes[k].importance, lvl.score) for k, lvl in included]
            if direct.contributions:
                members.append((config.direct_importance, direct.score))
            total_importance = math.fsum(imp for imp, _ in members)
            parts = []
            contributions = []
            excluded = list(direct.excluded)
            if direct.contributions:
                share = config.direct_importance / total_importance
                contributions += [
                    c.model_copy(
                        update={"share": c.share * share, "contribution": c.contribution * share}
                    )
                    for c in direct.contributions
                ]
                parts.append(
                    ChildPart(
                        node_id="(direct)",
                        title="the node's own evidence",
                        importance=config.direct_importance,
                        score=direct.score,
                        status="stalled",
                        evidence_count=len(direct.contributions),
                        included=True,
                        share=share,
                    )
                )
            for k in kids:
                lvl = levels[k]
                child = tree.nodes[k]
                share = child.importance / total_importance if lvl.evidence_count else 0.0
                parts.append(
                    ChildPart(
                        node_id=k,
                        title=child.title,
                        importance=child.importance,
                        score=lvl.score,
                        status=lvl.status,
                        evidence_count=lvl.evidence_count,
                        included=lvl.evidence_count > 0,
                        share=share,
                    )
                )
                if share:
                    contributions += [
                        c.model_copy(
                            update={
                                "share": c.share * share,
                                "contribution": c.contribution * share,
                            }
                        )
                        for c in lvl.contributions
                    ]
                excluded += lvl.excluded
            score = math.fsum(c.contribution for c in contributions)
            total = math.fsum(c.effective_weight for c in contributions)
            all_achieved = all(levels[k].achieved for k in kids)
            achieved = verdict_note or (
                f"all {len(kids)} sub-measures achieved" if all_achieved else None
            )
        status, reason, _, _ = _status(score, total, contributions, achieved, config)
        if direct_reason and status != "achieved":
            reason = f"{reason}; {direct_reason}"
        levels[nid] = _Level(
            score=score,
            status=status,
            reason=reason,
            evidence_count=len({c.evidence_id for c in contributions}),
            total_weight=total,
            contributions=contributions,
            excluded=excluded,
            children=parts,
            direct=direct,
            achieved=status == "achieved",
        )
    return levels


def trend_arrow(trend: float, config: ScoringConfig) -> str:
    if trend >= config.trend_threshold:
        return "↑"
    if trend <= -config.trend_threshold:
        return "↓"
    return "→"


def score_all(
    nodes: list[Node], items: list[EvidenceItem], as_of: dt.date, config: ScoringConfig
) -> dict[str, NodeScore]:
    """Every node's score at `as_of`, in the paper's order; evidence after `as_of` is ignored."""
    tree = _tree(nodes)
    readings = _readings(items, config)
    levels = _levels(tree, readings, as_of, config)
    window_start = as_of - dt.timedelta(days=config.window_days)
    before = _levels(tree, readings, window_start, config)
    out: dict[str, NodeScore] = {}
    for nid in tree.nodes:
        lvl = levels[nid]
        node = tree.nodes[nid]
        kids = tree.children.get(nid, [])
        trend = lvl.score - before[nid].score
        _, _, positive, negative = _status(
            lvl.score, lvl.total_weight, lvl.contributions, None, config
        )
        has_any = lvl.evidence_count or before[nid].evidence_count
        out[nid] = NodeScore(
            node_id=nid,
            title=node.title,
            kind=node.kind,
            depth=tree.depth.get(nid, 0),
            as_of=as_of,
            score=lvl.score,
            status=lvl.status,
            status_reason=lvl.reason,
            trend=trend,
            trend_arrow=trend_arrow(trend, config) if has_any else "",
            previous_score=before[nid].score,
            window_start=window_start,
            evidence_count=lvl.evidence_count,
            total_weight=lvl.total_weight,
            prior=config.prior_weight,
            denominator=lvl.direct.denominator,
            positive=positive,
            negative=negative,
            contributions=sorted(
                lvl.contributions, key=lambda c: (-abs(c.contribution), c.evidence_id, c.node_id)
            ),
            excluded=lvl.excluded,
            children_scored=sum(1 for k in kids if levels[k].evidence_count) if kids else None,
            children_total=len(kids) if kids else None,
            children=lvl.children,
            direct_score=lvl.direct.score if lvl.direct.contributions else None,
            direct_count=len(lvl.direct.contributions),
            verdict_evidence=lvl.direct.verdict.item.id if lvl.direct.verdict else None,
        )
    return out


# --- history: many dates in one sweep ------------------------------------------------------


def _sweep(readings: list[_Reading], dates: list[dt.date], config: ScoringConfig):
    """A node's direct score at each (sorted) date: one pass over its time-sorted readings.

    Running sums are decayed from date to date; an event's counted report is re-picked only
    when one of its reports enters or leaves, so the work is linear in readings plus dates.
    """
    half_life, horizon = config.half_life_days, config.horizon_days
    num = mass = 0.0  # sum(w d s) and sum(w d |s|) / 5 at the current date
    active: dict[str, list[_Reading]] = defaultdict(list)
    chosen: dict[str, _Reading] = {}
    add = drop = 0
    previous: dt.date | None = None
    scores: list[float] = []
    counts: list[int] = []
    for t in dates:
        if previous is not None:
            factor = 2.0 ** (-(t - previous).days / half_life)
            num *= factor
            mass *= factor
        previous = t
        changed: set[str] = set()
        while add < len(readings) and readings[add].ref <= t:
            r = readings[add]
            add += 1
            if (t - r.ref).days <= horizon:
                active[r.event].append(r)
                changed.add(r.event)
        while drop < add and (t - readings[drop].ref).days > horizon:
            r = readings[drop]
            drop += 1
            group = active.get(r.event, [])
            for i, other in enumerate(group):
                if other is r:
                    del group[i]
                    changed.add(r.event)
                    break
        for event in sorted(changed):
            for sign, r in ((-1.0, chosen.pop(event, None)), (1.0, None)):
                if sign > 0 and active.get(event):
                    r = chosen[event] = _pick(active[event])
                if r is None:
                    continue
                d = decay((t - r.ref).days, half_life)
                num += sign * r.weight * d * r.impact
                mass += sign * r.weight * d * abs(r.impact) / SCALE
        if not chosen:
            num = mass = 0.0
        scores.append(num / (config.prior_weight + mass))
        counts.append(len(chosen))
    return scores, counts


def score_history(
    nodes: list[Node], items: list[EvidenceItem], dates: list[dt.date], config: ScoringConfig
) -> dict[str, list[float]]:
    """Every node's score at each date (in the order given): the same numbers as score_all."""
    tree = _tree(nodes)
    readings = _readings(items, config)
    order = sorted(range(len(dates)), key=lambda i: dates[i])
    ordered = [dates[i] for i in order]
    scores: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for nid in tree.order:
        direct, direct_counts = _sweep(readings.get(nid, []), ordered, config)
        kids = tree.children.get(nid, [])
        if not kids:
            scores[nid], counts[nid] = direct, direct_counts
            continue
        rolled: list[float] = []
        subtree: list[int] = []
        for k in range(len(ordered)):
            members = [(tree.nodes[c].importance, scores[c][k]) for c in kids if counts[c][k] > 0]
            if direct_counts[k]:
                members.append((config.direct_importance, direct[k]))
            total = math.fsum(imp for imp, _ in members)
            rolled.append(math.fsum(imp * s for imp, s in members) / total if members else 0.0)
            subtree.append(direct_counts[k] + sum(counts[c][k] for c in kids))
        scores[nid], counts[nid] = rolled, subtree
    out: dict[str, list[float]] = {}
    for nid in tree.nodes:
        values = [0.0] * len(dates)
        for position, original in enumerate(order):
            values[original] = scores[nid][position]
        out[nid] = values
    return out
