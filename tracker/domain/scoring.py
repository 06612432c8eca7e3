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
import heapq
import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracker.domain.config import ScoringConfig
from tracker.domain.model import Assessment, AssessmentFacts, EvidenceItem, ItemFacts, Node

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
    # Built on first use: most reports construct these without validation (model_construct).
    model_config = ConfigDict(frozen=True, defer_build=True)


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
    explained: bool = True  # False: contributions and excluded were not asked for
    excluded_count: int = 0  # how many are excluded, also when the list is cut by a limit
    contribution_count: int = 0  # how many count, also when the list is cut by a limit
    rest: float = 0.0  # the sum of the contributions a limit left out of the list
    excluded_reasons: dict[str, int] = {}  # how many are excluded for each reason
    children_scored: int | None  # coverage: children with any evidence (None for a leaf)
    children_total: int | None
    children: list[ChildPart]
    direct_score: float | None  # the node's own evidence alone, where it has any
    direct_count: int
    verdict_evidence: str | None  # the evidence carrying an analyst's 'achieved' verdict


# --- readings: the analysts' assessments of one item for one node, combined ---------------


@dataclass(slots=True, eq=False)
class _Reading:
    """What the numbers need of one item's assessment(s) of one node: small, so a warm run can
    rebuild a hundred thousand of them from the snapshot without the items themselves."""

    rank: int  # the item's place in canonical order: ties are broken by it, never by files
    evidence_id: str
    node_id: str
    impact: float  # the mean of the analysts' impacts
    weight: float  # w = R * C * K (K the mean of the analysts' confidence weights)
    ref: dt.date  # the date it counts from
    event: str
    verdict: bool


@dataclass(frozen=True)
class _Details:
    """The rest of a reading, for an explanation only: derived from its item when asked."""

    confidence: str
    confidence_weight: float
    reliability_weight: float
    credibility_weight: float
    assessments: int
    analysts: list[str]
    rationale: str


def canonical_order(facts: Sequence[ItemFacts]) -> list[int]:
    """The positions of the items in one order whatever the order of the files, so sums are
    bit-for-bit repeatable: by the date each counts from, then by id.

    Only items that share both (a duplicate id, itself a data error) are told apart by their
    whole facts, which is costly, so it is computed for those alone.
    """
    order = sorted(range(len(facts)), key=lambda i: (facts[i].midpoint, facts[i].id))
    out: list[int] = []
    start = 0
    while start < len(order):
        first = facts[order[start]]
        end = start + 1
        while end < len(order) and (facts[order[end]].midpoint, facts[order[end]].id) == (
            first.midpoint,
            first.id,
        ):
            end += 1
        group = order[start:end]
        if len(group) > 1:
            group = sorted(group, key=lambda i: repr(facts[i]))
        out += group
        start = end
    return out


class ItemSource(Sequence[EvidenceItem]):
    """The evidence items by canonical rank, for explanations.

    A plain list when the items are loaded; `LazyItems` (tracker.speed.snapshot) when scoring came
    from the snapshot and the items are read only for the nodes a report explains.
    """

    def fetch(self, ranks: Iterable[int]) -> None:
        """A hint: these ranks are about to be read (a lazy source reads them in one go)."""


class LoadedItems(ItemSource):
    def __init__(self, items: list[EvidenceItem]) -> None:
        self._items = items

    def __getitem__(self, rank):  # type: ignore[override]
        return self._items[rank]

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Prepared:
    """What scoring derives from the evidence alone, whatever the date: compute it once and
    score many dates with it (the workbench does, on every as-of change).

    Each node's readings are in canonical order, which is date order, so the readings that
    count at a date are one slice, found by bisection rather than by a scan of them all.
    """

    readings: dict[str, list[_Reading]]
    refs: dict[str, list[dt.date]]
    verdicts: dict[str, list[_Reading]]
    items: ItemSource  # by rank: what explanations read titles, sources and rationales from
    # The scored tree at recent dates, so explaining a node after scoring costs nothing more.
    memo: dict[tuple, tuple[_Tree, dict[str, _Level]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, readings: dict[str, list[_Reading]], items: ItemSource) -> Prepared:
        refs = {nid: [r.ref for r in rs] for nid, rs in readings.items()}
        verdicts = {nid: [r for r in rs if r.verdict] for nid, rs in readings.items()}
        return cls(readings, refs, {k: v for k, v in verdicts.items() if v}, items)

    def levels(
        self, nodes: Sequence[Node], as_of: dt.date, config: ScoringConfig
    ) -> tuple[_Tree, dict[str, _Level]]:
        key = (as_of, id(nodes), len(nodes), id(config))
        hit = self.memo.get(key)
        if hit is None:
            tree = _tree(nodes)
            hit = (tree, _levels(tree, self, as_of, config))
            if len(self.memo) >= 8:  # four as-of dates, each with its trend window's start
                self.memo.pop(next(iter(self.memo)))
            self.memo[key] = hit
        return hit

    def pack(self) -> dict[str, tuple]:
        """Each node's readings as columns of plain values: quick to store and to load."""
        return {
            nid: (
                [r.rank for r in rs],
                [r.evidence_id for r in rs],
                [r.impact for r in rs],
                [r.weight for r in rs],
                [r.ref.toordinal() for r in rs],
                [r.event for r in rs],
                [r.verdict for r in rs],
            )
            for nid, rs in self.readings.items()
        }

    @classmethod
    def unpack(cls, packed: dict[str, tuple], items: ItemSource) -> Prepared:
        """What `pack` stored; raises (TypeError, ValueError) on data it did not write."""
        days: dict[int, dt.date] = {}
        readings: dict[str, list[_Reading]] = {}
        for nid, (ranks, ids, impacts, weights, ordinals, events, verdicts) in packed.items():
            for ordinal in ordinals:
                if ordinal not in days:
                    days[ordinal] = dt.date.fromordinal(ordinal)
            refs = [days[o] for o in ordinals]
            readings[nid] = list(
                map(_Reading, ranks, ids, repeat(nid), impacts, weights, refs, events, verdicts)
            )
            if len({len(ranks), len(refs), len(events), len(verdicts)}) != 1:
                raise ValueError("packed readings differ in length")
        return cls.of(readings, items)


def prepare(items: Iterable[EvidenceItem], config: ScoringConfig) -> Prepared:
    """The date-free part of scoring, from validated items."""
    items = list(items)
    facts = [ItemFacts.of(item, None) for item in items]
    order = canonical_order(facts)
    return prepare_facts([facts[i] for i in order], LoadedItems([items[i] for i in order]), config)


def prepare_facts(
    ordered: Sequence[ItemFacts], items: ItemSource, config: ScoringConfig
) -> Prepared:
    """The same from the items' facts in canonical order (`canonical_order`), with `items` in
    that order too: what a load that did not materialise the items can score."""
    return Prepared.of(_readings(ordered, config), items)


_CONFIDENCE_ORDER = {"high": 0, "moderate": 1, "low": 2}


def _groups(item: EvidenceItem) -> dict[str, list[Assessment]]:
    """An item's assessments by node: several analysts' of one node are combined."""
    if len(item.assessments) == 1:
        return {item.assessments[0].recommendation: [item.assessments[0]]}
    groups: dict[str, list[Assessment]] = defaultdict(list)
    for assessment in item.assessments:
        groups[assessment.recommendation].append(assessment)
    return groups


def _readings(ordered: Sequence[ItemFacts], config: ScoringConfig) -> dict[str, list[_Reading]]:
    by_node: dict[str, list[_Reading]] = defaultdict(list)
    confidence = config.confidence.of
    for rank, facts in enumerate(ordered):
        rc = config.reliability.of(facts.reliability) * config.credibility.of(facts.credibility)
        event = facts.event or facts.id
        ref = facts.midpoint
        assessments = facts.assessments
        if len(assessments) == 1:  # the common case, kept quick
            a = assessments[0]
            k = confidence(a.confidence)
            verdict = a.verdict == "achieved"
            reading = _Reading(
                rank, facts.id, a.recommendation, a.impact, rc * k, ref, event, verdict
            )
            by_node[a.recommendation].append(reading)
            continue
        groups: dict[str, list[AssessmentFacts]] = defaultdict(list)
        for a in assessments:
            groups[a.recommendation].append(a)
        for node_id, group in groups.items():
            if len(group) == 1:
                a = group[0]
                k = confidence(a.confidence)
                impact = float(a.impact)
                verdict = a.verdict == "achieved"
            else:
                k = math.fsum(confidence(a.confidence) for a in group) / len(group)
                impact = math.fsum(a.impact for a in group) / len(group)
                verdict = any(a.verdict == "achieved" for a in group)
            by_node[node_id].append(
                _Reading(rank, facts.id, node_id, impact, rc * k, ref, event, verdict)
            )
    return by_node


def _details(item: EvidenceItem, node_id: str, config: ScoringConfig) -> _Details:
    group = _groups(item)[node_id]
    if len(group) == 1:
        a = group[0]
        k = config.confidence.of(a.confidence)
        levels = a.confidence
        analysts = [a.analyst] if a.analyst else []
        rationale = a.rationale
    else:
        k = math.fsum(config.confidence.of(a.confidence) for a in group) / len(group)
        levels = "/".join(sorted({a.confidence for a in group}, key=_CONFIDENCE_ORDER.__getitem__))
        analysts = sorted({a.analyst for a in group if a.analyst})
        rationale = "\n\n".join(a.rationale for a in group)
    return _Details(
        confidence=levels,
        confidence_weight=k,
        reliability_weight=config.reliability.of(item.source.reliability),
        credibility_weight=config.credibility.of(item.source.credibility),
        assessments=len(group),
        analysts=analysts,
        rationale=rationale,
    )


def _pick(readings: Sequence[_Reading]) -> _Reading:
    """The report of an event that counts: the strongest weight; ties go to the earliest."""
    if len(readings) == 1:
        return readings[0]
    return min(readings, key=lambda r: (-r.weight, r.ref, r.evidence_id, r.rank))


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
# The numbers are computed with small slotted records; the explanation (pydantic Contribution
# and Exclusion models with their sentences) is built only for the nodes a caller asks about,
# since building it for every node on every date was nine tenths of the cost.


@dataclass(slots=True, eq=False)
class _Part:
    """A counted reading's part in a node's score (scaled by `share` in a parent's rollup)."""

    reading: _Reading
    others: list[_Reading]  # other reports of the same event, not counted again
    age: int
    decay: float
    share: float
    value: float  # the contribution


@dataclass(slots=True, eq=False)
class _Skip:
    """A reading that bears on the node but does not count at this date."""

    reading: _Reading
    reason: ExclusionReason
    as_of: dt.date
    best: _Reading | None = None  # for a duplicate: the report that counts instead
    horizon: int = 0


@dataclass
class _Direct:
    score: float = 0.0
    denominator: float = 0.0
    total_weight: float = 0.0
    parts: list[_Part] = field(default_factory=list)
    best_of: dict[str, _Reading] = field(default_factory=dict)  # each event's counted report
    verdict: _Reading | None = None
    overturned_by: float = 0.0  # sum(w d s) of counted evidence after the verdict


def _direct(prepared: Prepared, nid: str, as_of: dt.date, config: ScoringConfig) -> _Direct:
    out = _Direct(denominator=config.prior_weight)
    readings = prepared.readings.get(nid)
    if not readings:
        return out
    refs = prepared.refs[nid]
    oldest = as_of - dt.timedelta(days=config.horizon_days)
    window = readings[bisect_left(refs, oldest) : bisect_right(refs, as_of)]
    for r in prepared.verdicts.get(nid, ()):
        if r.ref <= as_of and (out.verdict is None or r.rank > out.verdict.rank):
            out.verdict = r
    # Most events have one report: those need no grouping, and keep the window's rank order.
    first: dict[str, _Reading] = {}
    shared: dict[str, list[_Reading]] = {}
    for r in window:
        seen = first.setdefault(r.event, r)
        if seen is not r:
            group = shared.get(r.event)
            if group is None:
                shared[r.event] = [seen, r]
            else:
                group.append(r)
    chosen: list[tuple[_Reading, list[_Reading]]] = []
    none: list[_Reading] = []  # shared by the singletons; never appended to
    for event, r in first.items():
        group = shared.get(event)
        if group is None:
            out.best_of[event] = r
            chosen.append((r, none))
            continue
        best = _pick(group)
        out.best_of[event] = best
        chosen.append((best, sorted((x for x in group if x is not best), key=_rank)))
    if shared:  # a group's best may stand later than its first report
        chosen.sort(key=_first_rank)
    half_life = config.half_life_days
    ages = [(as_of - r.ref).days for r, _ in chosen]
    decays = [2.0 ** (-(age if age > 0 else 0) / half_life) for age in ages]  # `decay`
    denominator = config.prior_weight + math.fsum(
        r.weight * d * abs(r.impact) / SCALE for (r, _), d in zip(chosen, decays, strict=True)
    )
    out.denominator = denominator
    out.total_weight = math.fsum(r.weight * d for (r, _), d in zip(chosen, decays, strict=True))
    for (r, others), age, d in zip(chosen, ages, decays, strict=True):
        out.parts.append(_Part(r, others, age, d, 1.0, r.weight * d * r.impact / denominator))
        if out.verdict is not None and r.ref > out.verdict.ref:
            out.overturned_by += r.weight * d * r.impact
    out.score = math.fsum(p.value for p in out.parts)
    return out


def _rank(r: _Reading) -> int:
    return r.rank


def _first_rank(pair: tuple[_Reading, list[_Reading]]) -> int:
    return pair[0].rank


def _exclusion(skip: _Skip, item: EvidenceItem) -> Exclusion:
    r = skip.reading
    if skip.reason == "after_as_of":
        counts = "" if r.ref == item.date else f" (counts from {r.ref}, mid-{item.date_precision})"
        detail = f"dated {item.date}{counts}, after {skip.as_of}"
    elif skip.reason == "outside_window":
        detail = f"{(skip.as_of - r.ref).days} days old: beyond the horizon of {skip.horizon} days"
    else:
        best = skip.best
        assert best is not None
        detail = (
            f"reports event '{r.event}', already counted through {best.evidence_id} "
            f"(weight {best.weight:.3f} >= {r.weight:.3f})"
        )
    # model_construct: built from validated data by this module; validating again costs 3x
    return Exclusion.model_construct(
        evidence_id=r.evidence_id,
        node_id=r.node_id,
        title=item.title,
        date=item.date,
        reason=skip.reason,
        detail=detail,
    )


def _contribution(part: _Part, item: EvidenceItem, config: ScoringConfig) -> Contribution:
    r = part.reading
    details = _details(item, r.node_id, config)
    return Contribution.model_construct(
        evidence_id=r.evidence_id,
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
        confidence=details.confidence,
        impact=r.impact,
        assessments=details.assessments,
        analysts=details.analysts,
        rationale=details.rationale,
        verdict=r.verdict,
        reliability_weight=details.reliability_weight,
        credibility_weight=details.credibility_weight,
        confidence_weight=details.confidence_weight,
        weight=r.weight,
        age_days=part.age,
        decay=part.decay,
        effective_weight=r.weight * part.decay,
        share=part.share,
        contribution=part.value,
        corroborated_by=[o.evidence_id for o in part.others],
    )


# --- the whole tree at a date ---------------------------------------------------------------


@dataclass
class _Level:
    """A node's score at a date, before the trend is known."""

    score: float
    status: Status
    reason: str
    evidence_count: int
    evidence_ids: set[str]
    total_weight: float
    members: list[tuple[str, float]]  # ("", share) for the node's own evidence, (child, share)
    children: list[ChildPart]
    direct: _Direct
    achieved: bool
    positive: float
    negative: float


def _status(
    score: float,
    total_weight: float,
    positive: float,
    negative: float,
    achieved: str | None,
    config: ScoringConfig,
) -> tuple[Status, str]:
    if achieved:
        return "achieved", achieved
    if total_weight < config.min_weight:
        return (
            "insufficient",
            f"evidence weight {total_weight:.3f} is below the {config.min_weight} needed",
        )
    both = positive - negative
    small = min(positive, -negative)
    if both > 0 and small >= config.contested_min and small / both >= config.contested_share:
        return (
            "contested",
            f"strong evidence both ways: {positive:+.2f} toward, {negative:+.2f} away",
        )
    if score >= config.moving_threshold:
        return "progressing", f"score {score:+.2f} >= {config.moving_threshold}"
    if score <= -config.moving_threshold:
        return "regressing", f"score {score:+.2f} <= -{config.moving_threshold}"
    return "stalled", f"score {score:+.2f} within +-{config.moving_threshold}"


def _flat_parts(levels: dict[str, _Level], nid: str, share: float = 1.0) -> list[_Part]:
    """A node's counted readings with their shares in its score, its subtree's included.

    Built only for explained nodes: a rollup's numbers come from its members' sums, so
    scoring the tree creates no object per reading and level.
    """
    out: list[_Part] = []
    level = levels[nid]
    for member, part_share in level.members:
        scale = share * part_share
        if member:
            out += _flat_parts(levels, member, scale)
        elif scale == 1.0:
            out += level.direct.parts
        else:
            out += [
                _Part(p.reading, p.others, p.age, p.decay, p.share * scale, p.value * scale)
                for p in level.direct.parts
            ]
    return out


def _levels(
    tree: _Tree, prepared: Prepared, as_of: dt.date, config: ScoringConfig
) -> dict[str, _Level]:
    levels: dict[str, _Level] = {}
    for nid in tree.order:
        direct = _direct(prepared, nid, as_of, config)
        verdict_note: str | None = None
        direct_reason = ""
        if direct.verdict is not None:
            v = direct.verdict.evidence_id
            if direct.overturned_by <= -config.verdict_overturn:
                direct_reason = (
                    f"verdict 'achieved' in {v} overturned: later evidence sums "
                    f"{direct.overturned_by:+.2f} (w d s) <= -{config.verdict_overturn}"
                )
            else:
                verdict_note = f"analyst's verdict 'achieved' in {v}"
        direct_positive = math.fsum(p.value for p in direct.parts if p.value > 0)
        direct_negative = math.fsum(p.value for p in direct.parts if p.value < 0)
        direct_ids = {p.reading.evidence_id for p in direct.parts}
        kids = tree.children.get(nid, [])
        members: list[tuple[str, float]] = []
        if not kids:
            if direct.parts:
                members.append(("", 1.0))
            score = direct.score
            total = direct.total_weight
            positive, negative = direct_positive, direct_negative
            evidence_ids = direct_ids
            child_parts: list[ChildPart] = []
            achieved = verdict_note
        else:
            weights = [
                (tree.nodes[k].importance, levels[k].score)
                for k in kids
                if levels[k].evidence_count > 0
            ]
            if direct.parts:
                weights.append((config.direct_importance, direct.score))
            total_importance = math.fsum(imp for imp, _ in weights)
            child_parts = []
            terms: list[float] = []
            totals: list[float] = []
            positives: list[float] = []
            negatives: list[float] = []
            evidence_ids = set(direct_ids)
            if direct.parts:
                share = config.direct_importance / total_importance
                members.append(("", share))
                terms.append(share * direct.score)
                totals.append(direct.total_weight)
                positives.append(share * direct_positive)
                negatives.append(share * direct_negative)
                child_parts.append(
                    ChildPart.model_construct(
                        node_id="(direct)",
                        title="the node's own evidence",
                        importance=config.direct_importance,
                        score=direct.score,
                        status="stalled",
                        evidence_count=len(direct.parts),
                        included=True,
                        share=share,
                    )
                )
            for k in kids:
                lvl = levels[k]
                child = tree.nodes[k]
                share = child.importance / total_importance if lvl.evidence_count else 0.0
                child_parts.append(
                    ChildPart.model_construct(
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
                    members.append((k, share))
                    terms.append(share * lvl.score)
                    totals.append(lvl.total_weight)
                    positives.append(share * lvl.positive)
                    negatives.append(share * lvl.negative)
                    evidence_ids |= lvl.evidence_ids
            score = math.fsum(terms)
            total = math.fsum(totals)
            positive = math.fsum(positives)
            negative = math.fsum(negatives)
            all_achieved = all(levels[k].achieved for k in kids)
            achieved = verdict_note or (
                f"all {len(kids)} sub-measures achieved" if all_achieved else None
            )
        status, reason = _status(score, total, positive, negative, achieved, config)
        if direct_reason and status != "achieved":
            reason = f"{reason}; {direct_reason}"
        levels[nid] = _Level(
            score=score,
            status=status,
            reason=reason,
            evidence_count=len(evidence_ids),
            evidence_ids=evidence_ids,
            total_weight=total,
            members=members,
            children=child_parts,
            direct=direct,
            achieved=status == "achieved",
            positive=positive,
            negative=negative,
        )
    return levels


def _skipped(
    tree: _Tree,
    prepared: Prepared,
    levels: dict[str, _Level],
    nid: str,
    as_of: dt.date,
    config: ScoringConfig,
) -> list[_Skip]:
    """What bears on a node (or its subtree) but does not count: only for explained nodes."""
    out: list[_Skip] = []
    stack = [nid]
    horizon = config.horizon_days
    while stack:
        current = stack.pop()
        stack.extend(tree.children.get(current, []))
        best_of = levels[current].direct.best_of
        for r in prepared.readings.get(current, ()):
            if r.ref > as_of:
                out.append(_Skip(r, "after_as_of", as_of))
            elif (as_of - r.ref).days > horizon:
                out.append(_Skip(r, "outside_window", as_of, horizon=horizon))
            elif best_of.get(r.event) is not r:
                out.append(_Skip(r, "duplicate_event", as_of, best_of.get(r.event)))
    return out


@dataclass(frozen=True)
class Explanation:
    """One node's contributions and exclusions at a date.

    With a limit, only the largest contributions and the earliest exclusions are built (an
    item is read for each row shown, and a node of a large project has tens of thousands):
    `rest` sums the contributions not listed, and the counts say how many there are in all.
    """

    contributions: list[Contribution]
    excluded: list[Exclusion]
    excluded_count: int
    contribution_count: int = 0
    rest: float = 0.0  # the sum of the contributions not listed
    excluded_reasons: dict[str, int] = field(default_factory=dict)


def _explain(
    tree: _Tree,
    prepared: Prepared,
    levels: dict[str, _Level],
    nid: str,
    as_of: dt.date,
    config: ScoringConfig,
    limit: int | None,
    exclusions: bool = True,
) -> Explanation:
    parts = _flat_parts(levels, nid)
    shown = parts
    if limit is not None:
        shown = heapq.nsmallest(
            limit, parts, key=lambda p: (-abs(p.value), p.reading.evidence_id, p.reading.node_id)
        )
    skips = _skipped(tree, prepared, levels, nid, as_of, config)
    reasons: dict[str, int] = defaultdict(int)
    for skip in skips:
        reasons[skip.reason] += 1
    listed = skips if exclusions else []
    if limit is not None and exclusions:
        listed = heapq.nsmallest(limit, skips, key=lambda k: (k.reading.ref, k.reading.evidence_id))
    items = prepared.items
    items.fetch([p.reading.rank for p in shown] + [k.reading.rank for k in listed])
    contributions = sorted(
        (_contribution(p, items[p.reading.rank], config) for p in shown),
        key=lambda c: (-abs(c.contribution), c.evidence_id, c.node_id),
    )
    excluded = sorted(
        (_exclusion(k, items[k.reading.rank]) for k in listed),
        key=lambda e: (e.date, e.evidence_id),
    )
    rest = 0.0
    if len(shown) < len(parts):
        kept = {id(p) for p in shown}
        rest = math.fsum(p.value for p in parts if id(p) not in kept)
    return Explanation(
        contributions, excluded, len(skips), len(parts), rest, dict(sorted(reasons.items()))
    )


def explain_node(
    nodes: list[Node],
    node_id: str,
    as_of: dt.date,
    config: ScoringConfig,
    prepared: Prepared,
    *,
    limit: int | None = None,
) -> Explanation:
    """The explanation of one node alone: what a browser of the tree needs on each move."""
    tree, levels = prepared.levels(nodes, as_of, config)
    return _explain(tree, prepared, levels, node_id, as_of, config, limit)


def trend_arrow(trend: float, config: ScoringConfig) -> str:
    if trend >= config.trend_threshold:
        return "↑"
    if trend <= -config.trend_threshold:
        return "↓"
    return "→"


def score_all(
    nodes: list[Node],
    items: list[EvidenceItem],
    as_of: dt.date,
    config: ScoringConfig,
    *,
    detail: Collection[str] | None = None,
    detail_limit: int | None = None,
    detail_exclusions: bool = True,
    prepared: Prepared | None = None,
) -> dict[str, NodeScore]:
    """Every node's score at `as_of`, in the paper's order; evidence after `as_of` is ignored.

    `detail`: the nodes whose `contributions` and `excluded` are wanted (None: all of them);
    the others carry the numbers only. `detail_limit`: list only the largest contributions
    and the earliest exclusions (with their counts and the rest's sum): a quick view of a
    node with thousands of items, which reads only the items it lists. `detail_exclusions`:
    False lists no exclusion (only their counts): what a report of contributions alone needs.
    `prepared`: `prepare(items, config)`, reused across dates.
    """
    prepared = prepared or prepare(items, config)
    tree, levels = prepared.levels(nodes, as_of, config)
    window_start = as_of - dt.timedelta(days=config.window_days)
    _, before = prepared.levels(nodes, window_start, config)
    out: dict[str, NodeScore] = {}
    for nid in tree.nodes:
        lvl = levels[nid]
        node = tree.nodes[nid]
        kids = tree.children.get(nid, [])
        trend = lvl.score - before[nid].score
        has_any = lvl.evidence_count or before[nid].evidence_count
        explained = detail is None or nid in detail
        why = (
            _explain(tree, prepared, levels, nid, as_of, config, detail_limit, detail_exclusions)
            if explained
            else Explanation([], [], 0)
        )
        out[nid] = NodeScore.model_construct(  # computed here: nothing to validate
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
            positive=lvl.positive,
            negative=lvl.negative,
            contributions=why.contributions,
            excluded=why.excluded,
            explained=explained,
            excluded_count=why.excluded_count,
            contribution_count=why.contribution_count,
            rest=why.rest,
            excluded_reasons=why.excluded_reasons,
            children_scored=sum(1 for k in kids if levels[k].evidence_count) if kids else None,
            children_total=len(kids) if kids else None,
            children=lvl.children,
            direct_score=lvl.direct.score if lvl.direct.parts else None,
            direct_count=len(lvl.direct.parts),
            verdict_evidence=lvl.direct.verdict.evidence_id if lvl.direct.verdict else None,
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
    nodes: list[Node],
    items: list[EvidenceItem],
    dates: list[dt.date],
    config: ScoringConfig,
    *,
    prepared: Prepared | None = None,
) -> dict[str, list[float]]:
    """Every node's score at each date (in the order given): the same numbers as score_all."""
    tree = _tree(nodes)
    readings = (prepared or prepare(items, config)).readings
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
