"""The numbers: each node's standing and movement at a date, from its readings.

Standing. For a node with direct evidence (counted readings i: impact s, weight w, decay d):

    M = sum(w d s) / (w0 + sum(w d |s|) / 5)

A transient reading (a statement, a visit, a draft) decays with the half-life from its date.
A lasting reading (a law adopted, a membership, a closure, an opening) keeps d = 1 until a
later lasting reading on the same node goes the other way (a repeal, an exit, a reopening):
from that date it decays like a transient one. Each contribution is w d s over the shared
denominator, so the contributions add up to M exactly. The prior weight w0 keeps thin evidence
near zero; weighing each item in the denominator by |s|/5 keeps M in (-5, 5) and monotone: a
new positive item never lowers it.

Movement. The part of the standing that comes from evidence dated in the window (by default
the last 90 days): the contributions of those items, summed. With no evidence in the window,
movement is zero, whatever the date: fading old evidence never reads as a trend.

A parent's standing and movement are the importance-weighted means of its members' (children
with evidence, and its own direct evidence).
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Literal

from tracker.domain.config import ScoringConfig
from tracker.domain.scoring.readings import SCALE, Reading, pick, sign
from tracker.domain.tree import Tree

Status = Literal["achieved", "progressing", "contested", "stalled", "regressing", "no-evidence"]
STATUSES: tuple[Status, ...] = (
    "achieved",
    "progressing",
    "contested",
    "stalled",
    "regressing",
    "no-evidence",
)
SkipReason = Literal["after_as_of", "duplicate_event", "too_old"]


@dataclass(slots=True, eq=False)
class Part:
    """A counted reading's part in a node's standing (scaled by `share` in a rollup)."""

    reading: Reading
    others: list[Reading]  # other reports of the same event, not counted again
    age: int
    decay: float
    countered_by: Reading | None  # the later lasting reading that reversed this lasting one
    share: float
    value: float  # the contribution to the standing
    recent: bool  # dated in the movement window: part of the movement too


@dataclass(slots=True, eq=False)
class Skip:
    """A reading that bears on the node but does not count at this date."""

    reading: Reading
    reason: SkipReason
    best: Reading | None = None  # for a duplicate report: the one that counts instead


@dataclass
class Direct:
    """A node's own evidence at a date: the figures, and (for an explanation) the parts."""

    standing: float = 0.0
    movement: float = 0.0
    denominator: float = 0.0
    strength: float = 0.0  # sum(w) of what counts: how much evidence there is, at any age
    parts: list[Part] = field(default_factory=list)
    listed: bool = False  # `parts` holds every counted reading's part (asked with `parts`)
    verdict: Reading | None = None
    overturned_by: float = 0.0  # sum(w d s) of counted evidence after the verdict
    newest: dt.date | None = None
    positive: float = 0.0
    negative: float = 0.0
    ids: set[str] = field(default_factory=set)
    recent_ids: set[str] = field(default_factory=set)
    toward: int = 0
    away: int = 0
    flat: int = 0
    in_force: int = 0  # lasting changes not reversed
    single: tuple[Reading, bool] | None = None  # the one counted report, and if reversed

    @property
    def count(self) -> int:
        return self.toward + self.away + self.flat


@dataclass
class Level:
    """A node at a date: its figures, its members' shares, and its status."""

    standing: float
    movement: float
    status: Status
    evidence_ids: set[str]
    strength: float
    positive: float
    negative: float
    newest: dt.date | None
    members: list[tuple[str, float]]  # ("", share) is the node's own evidence
    direct: Direct
    achieved: str | None  # the evidence carrying an unbroken 'achieved' verdict
    overturned: str | None  # the evidence whose 'achieved' verdict later evidence overturned
    thin: bool  # a parent whose evidence is too little to call a direction
    recent_ids: set[str]

    @property
    def evidence_count(self) -> int:
        return len(self.evidence_ids)


class Readings:
    """Every node's readings in canonical order, with their dates for bisection."""

    def __init__(self, by_node: dict[str, list[Reading]]) -> None:
        self.by_node = by_node
        self.refs = {nid: [r.ref for r in rs] for nid, rs in by_node.items()}
        # Events with more than one report on a node: only those need a pick at each date.
        self.shared: dict[str, set[str]] = {}
        self.verdicts: dict[str, list[Reading]] = {}
        self.lasting: dict[str, list[int]] = {}  # positions of the lasting readings
        for nid, rs in by_node.items():
            counts = Counter([r.event for r in rs])
            if len(counts) < len(rs):
                self.shared[nid] = {event for event, n in counts.items() if n > 1}
            else:
                self.shared[nid] = set()
            self.lasting[nid] = [i for i, r in enumerate(rs) if r.lasting]
            verdicts = [r for r in rs if r.verdict]
            if verdicts:
                self.verdicts[nid] = verdicts

    def upto(self, node_id: str, as_of: dt.date) -> list[Reading]:
        readings = self.by_node.get(node_id)
        if not readings:
            return []
        return readings[: bisect_right(self.refs[node_id], as_of)]


def _select(
    readings: Readings,
    node_id: str,
    as_of: dt.date,
    config: ScoringConfig,
    skips: list[Skip] | None,
) -> tuple[list[Reading], dict[int, list[Reading]], Reading | None]:
    """The readings that count at `as_of` (each event's best report, in canonical order),
    the other reports of each event by id(best report), and the latest verdict."""
    every = readings.by_node.get(node_id)
    if not every:
        return [], {}, None
    refs = readings.refs[node_id]
    end = bisect_right(refs, as_of)
    if skips is not None:
        skips.extend(Skip(r, "after_as_of") for r in every[end:])
    cutoff = as_of - dt.timedelta(days=config.horizon_days)
    old = bisect_left(refs, cutoff, 0, end)
    if old:  # before the horizon only lasting readings count: they are listed apart
        if skips is not None:
            skips.extend(Skip(r, "too_old") for r in every[:old] if not r.lasting)
        lasting = readings.lasting[node_id]
        counted = [every[i] for i in lasting[: bisect_left(lasting, old)]] + every[old:end]
    else:
        counted = every[:end]
    verdict = None
    for r in readings.verdicts.get(node_id, ()):
        if r.ref <= as_of and (verdict is None or r.rank > verdict.rank):
            verdict = r
    shared = readings.shared.get(node_id)
    if not shared:
        return counted, {}, verdict
    chosen: list[Reading] = []
    groups: dict[str, list[Reading]] = {}
    for r in counted:
        if r.event in shared:
            groups.setdefault(r.event, []).append(r)
        else:
            chosen.append(r)
    others_of: dict[int, list[Reading]] = {}
    for group in groups.values():
        best = pick(group)
        others = [x for x in group if x is not best]
        others_of[id(best)] = others
        chosen.append(best)
        if skips is not None:
            skips.extend(Skip(x, "duplicate_event", best) for x in others)
    if groups:
        chosen.sort(key=_RANK)
    return chosen, others_of, verdict


_RANK = attrgetter("rank")
_ALONE: list[Reading] = []  # the other reports of an event reported once: none (never changed)


def direct(
    readings: Readings,
    node_id: str,
    as_of: dt.date,
    window_start: dt.date,
    config: ScoringConfig,
    skips: list[Skip] | None = None,
    *,
    parts: bool = True,
) -> Direct:
    """A node's own evidence at `as_of`: its figures, and with `parts` the part of each
    counted reading (what an explanation lists); `skips`, if given, collects what does not
    count."""
    out = Direct(denominator=config.prior_weight, listed=parts)
    chosen, others_of, out.verdict = _select(readings, node_id, as_of, config, skips)
    if not chosen:
        return out
    countered = counters(chosen)
    half_life = config.half_life_days
    today = as_of.toordinal()
    start = window_start.toordinal()
    numerator = mass = strength = positive = negative = moving = 0.0
    listed = out.parts
    terms: list[float] = []
    in_force = toward = away = flat = 0
    newest = 0
    verdict_day = out.verdict.day if out.verdict is not None else None
    ids = out.ids
    recent = out.recent_ids
    overturned = 0.0
    for r in chosen:
        ref = r.day
        by = countered.get(id(r)) if r.lasting else None
        if r.lasting and by is None:
            d = 1.0
            if r.impact:
                in_force += 1
        elif by is not None:
            d = 2.0 ** (-max(today - by.day, 0) / half_life)
        else:
            d = 2.0 ** (-max(today - ref, 0) / half_life)
        wd = r.weight * d
        impact = r.impact
        term = wd * impact
        numerator += term
        mass += wd * abs(impact)
        strength += r.weight
        if impact > 0:
            toward += 1
            positive += term
        elif impact < 0:
            away += 1
            negative += term
        else:
            flat += 1
        if ref > start:
            recent.add(r.evidence_id)
            moving += term
        ids.add(r.evidence_id)
        if verdict_day is not None and ref > verdict_day:
            overturned += term
        if ref > newest:
            newest = ref
        if parts:
            others = others_of.get(id(r), _ALONE) if others_of else _ALONE
            listed.append(Part(r, others, today - ref, d, by, 1.0, 0.0, ref > start))
            terms.append(term)
    out.in_force, out.toward, out.away, out.flat = in_force, toward, away, flat
    out.overturned_by = overturned
    out.newest = dt.date.fromordinal(newest)
    denominator = config.prior_weight + mass / SCALE
    out.denominator = denominator
    out.strength = strength
    # Each contribution is w d s / denominator; the sums are divided once.
    out.standing = numerator / denominator
    out.movement = moving / denominator
    out.positive, out.negative = positive / denominator, negative / denominator
    if len(chosen) == 1:
        only = chosen[0]
        out.single = (only, only.lasting and id(only) in countered)
    if parts:
        for part, term in zip(listed, terms, strict=True):
            part.value = term / denominator
    return out


def counters(chosen: Sequence[Reading]) -> dict[int, Reading]:
    """For each lasting reading, the first later lasting reading of the opposite sign (the
    change that reversed it), by id(reading). Readings of impact 0 neither counter nor are
    countered. `chosen` is in canonical (date) order."""
    out: dict[int, Reading] = {}
    waiting: dict[int, list[Reading]] = {1: [], -1: []}
    for r in chosen:
        if not r.lasting:
            continue
        s = sign(r.impact)
        if s == 0:
            continue
        still: list[Reading] = []
        for earlier in waiting[-s]:
            if earlier.ref < r.ref:
                out[id(earlier)] = r
            else:
                still.append(earlier)  # the same day: neither reverses the other
        waiting[-s] = still
        waiting[s].append(r)
    return out


def status_of(
    standing: float,
    positive: float,
    negative: float,
    counted: bool,
    achieved: str | None,
    thin: bool,
    config: ScoringConfig,
) -> Status:
    if not counted:
        return "no-evidence"
    if achieved:
        return "achieved"
    if thin:
        return "stalled"
    both = positive - negative
    small = min(positive, -negative)
    if both > 0 and small >= config.contested_min and small / both >= config.contested_share:
        return "contested"
    if standing >= config.moving_threshold:
        return "progressing"
    if standing <= -config.moving_threshold:
        return "regressing"
    return "stalled"


def levels(
    tree: Tree,
    readings: Readings,
    as_of: dt.date,
    window_start: dt.date,
    config: ScoringConfig,
    *,
    parts: bool = False,
) -> dict[str, Level]:
    """Every node at `as_of`, children before parents; with `parts`, each node's own parts
    too (what explaining every node needs: one pass over the readings instead of two)."""
    out: dict[str, Level] = {}
    for nid in tree.bottom_up:
        own = direct(readings, nid, as_of, window_start, config, parts=parts)
        achieved = overturned = None
        if own.verdict is not None:
            if own.overturned_by <= -config.verdict_overturn:
                overturned = own.verdict.evidence_id
            else:
                achieved = own.verdict.evidence_id
        own_positive, own_negative = own.positive, own.negative
        own_ids, own_recent = own.ids, own.recent_ids
        kids = tree.kids(nid)
        if not kids:
            members = [("", 1.0)] if own.count else []
            level = Level(
                standing=own.standing,
                movement=own.movement,
                status="no-evidence",
                evidence_ids=own_ids,
                strength=own.strength,
                positive=own_positive,
                negative=own_negative,
                newest=own.newest,
                members=members,
                direct=own,
                achieved=achieved,
                overturned=overturned,
                thin=False,
                recent_ids=own_recent,
            )
        else:
            weights: list[tuple[str, float]] = [
                (k, tree.nodes[k].importance) for k in kids if out[k].evidence_ids
            ]
            if own.count:
                weights.insert(0, ("", config.direct_importance))
            total = math.fsum(w for _, w in weights)
            members = [(k, w / total) for k, w in weights]
            standing_terms: list[float] = []
            movement_terms: list[float] = []
            positives: list[float] = []
            negatives: list[float] = []
            ids = set(own_ids)
            recent = set(own_recent)
            strength = own.strength
            newest = own.newest
            for member, share in members:
                if member:
                    sub = out[member]
                    standing_terms.append(share * sub.standing)
                    movement_terms.append(share * sub.movement)
                    positives.append(share * sub.positive)
                    negatives.append(share * sub.negative)
                    ids |= sub.evidence_ids
                    recent |= sub.recent_ids
                    strength += sub.strength
                    if sub.newest is not None and (newest is None or sub.newest > newest):
                        newest = sub.newest
                else:
                    standing_terms.append(share * own.standing)
                    movement_terms.append(share * own.movement)
                    positives.append(share * own_positive)
                    negatives.append(share * own_negative)
            if not achieved and all(out[k].achieved for k in kids):
                achieved = "all"
            level = Level(
                standing=math.fsum(standing_terms),
                movement=math.fsum(movement_terms),
                status="no-evidence",
                evidence_ids=ids,
                strength=strength,
                positive=math.fsum(positives),
                negative=math.fsum(negatives),
                newest=newest,
                members=members,
                direct=own,
                achieved=achieved,
                overturned=overturned,
                # Only what its members bring can be too thin to call a direction: evidence on
                # the node itself counts as a measure's does.
                thin=bool(ids) and not own.count and strength < config.min_weight,
                recent_ids=recent,
            )
        level.status = status_of(
            level.standing,
            level.positive,
            level.negative,
            bool(level.evidence_ids),
            level.achieved,
            level.thin,
            config,
        )
        out[nid] = level
    return out


def flat_parts(
    levels_at: dict[str, Level],
    node_id: str,
    readings: Readings,
    as_of: dt.date,
    window_start: dt.date,
    config: ScoringConfig,
    share: float = 1.0,
    *,
    own_parts: dict[str, list[Part]] | None = None,
) -> list[tuple[Part, float]]:
    """A node's counted readings, its subtree's included, each as (the part in its own node,
    the scale of that node's share in this one): the rows of an explanation, made with
    `scaled` for the rows shown. They add up to the standing (and the recent ones to the
    movement). `own_parts` keeps each node's own parts for the next node explained at the
    same date (a report explaining every node explains each leaf once, not once per
    ancestor)."""
    out: list[tuple[Part, float]] = []
    level = levels_at[node_id]
    for member, part_share in level.members:
        scale = share * part_share
        if member:
            out += flat_parts(
                levels_at,
                member,
                readings,
                as_of,
                window_start,
                config,
                scale,
                own_parts=own_parts,
            )
            continue
        listed = level.direct
        own = listed.parts if listed.listed else None
        if own is None and own_parts is not None:
            own = own_parts.get(node_id)
        if own is None:
            own = direct(readings, node_id, as_of, window_start, config).parts
            if own_parts is not None:
                own_parts[node_id] = own
        out += [(p, scale) for p in own]
    return out


def scaled(part: Part, scale: float) -> Part:
    """A node's own part as a row of an ancestor's explanation (its share scaled)."""
    if scale == 1.0:
        return part
    return Part(
        part.reading,
        part.others,
        part.age,
        part.decay,
        part.countered_by,
        part.share * scale,
        part.value * scale,
        part.recent,
    )


def skipped(
    tree: Tree,
    readings: Readings,
    node_id: str,
    as_of: dt.date,
    window_start: dt.date,
    config: ScoringConfig,
) -> list[Skip]:
    """What bears on a node (or its subtree) but does not count at `as_of`, and why."""
    out: list[Skip] = []
    for nid in [node_id, *tree.descendants(node_id)]:
        direct(readings, nid, as_of, window_start, config, out)
    return out


# --- many dates in one sweep ----------------------------------------------------------------


def sweep(readings: list[Reading], dates: list[dt.date], config: ScoringConfig):
    """A node's direct standing, and its count of counted reports, at each (sorted) date.

    The same numbers as `direct`, in time linear in readings plus dates: transient terms are
    kept as sums of w s 2^(ref/h) (and w |s| 2^(ref/h)), which one factor 2^(-t/h) turns into
    their decayed values at any date; lasting terms are summed undecayed, and moved among the
    decaying ones, from the date of the reading that countered them, whenever the set of
    counted lasting readings changes.
    """
    if not readings:
        return [0.0] * len(dates), [0] * len(dates)
    half_life, horizon = config.half_life_days, config.horizon_days
    origin = dates[0] if dates else readings[0].ref
    w0 = config.prior_weight

    def scale(day: dt.date) -> float:
        return 2.0 ** ((day - origin).days / half_life)

    active: dict[str, list[Reading]] = defaultdict(list)
    chosen: dict[str, Reading] = {}
    t_num = t_mass = 0.0  # transient chosen: sum w s 2^(ref/h), sum w |s|/5 2^(ref/h)
    lasting: dict[str, Reading] = {}  # event -> chosen lasting reading
    l_num = l_mass = c_num = c_mass = 0.0  # lasting: undecayed, and countered (as transient)
    add = 0
    transients: list[Reading] = [r for r in readings if not r.lasting]
    drop = 0
    scores: list[float] = []
    counts: list[int] = []

    def term(r: Reading, ref: dt.date) -> tuple[float, float]:
        f = scale(ref)
        return r.weight * r.impact * f, r.weight * abs(r.impact) / SCALE * f

    for t in dates:
        changed: set[str] = set()
        while add < len(readings) and readings[add].ref <= t:
            r = readings[add]
            add += 1
            if r.lasting or (t - r.ref).days <= horizon:
                active[r.event].append(r)
                changed.add(r.event)
        while (
            drop < len(transients)
            and transients[drop].ref <= t
            and (t - transients[drop].ref).days > horizon
        ):
            r = transients[drop]
            drop += 1
            group = active.get(r.event, [])
            for i, other in enumerate(group):
                if other is r:
                    del group[i]
                    changed.add(r.event)
                    break
        lasting_changed = False
        for event in sorted(changed):
            old = chosen.pop(event, None)
            if old is not None:
                if old.lasting:
                    lasting.pop(event, None)
                    lasting_changed = True
                else:
                    n, m = term(old, old.ref)
                    t_num -= n
                    t_mass -= m
            if active.get(event):
                new = chosen[event] = pick(active[event])
                if new.lasting:
                    lasting[event] = new
                    lasting_changed = True
                else:
                    n, m = term(new, new.ref)
                    t_num += n
                    t_mass += m
        if lasting_changed:
            ordered = sorted(lasting.values(), key=lambda r: r.rank)
            by = counters(ordered)
            l_num = l_mass = c_num = c_mass = 0.0
            for r in ordered:
                countered = by.get(id(r))
                if countered is None:
                    l_num += r.weight * r.impact
                    l_mass += r.weight * abs(r.impact) / SCALE
                else:
                    n, m = term(r, countered.ref)
                    c_num += n
                    c_mass += m
        if not chosen:
            t_num = t_mass = 0.0
            scores.append(0.0)
            counts.append(0)
            continue
        now = 1.0 / scale(t)
        numerator = l_num + (t_num + c_num) * now
        denominator = w0 + l_mass + (t_mass + c_mass) * now
        scores.append(numerator / denominator)
        counts.append(len(chosen))
    return scores, counts


def history(
    tree: Tree, readings: Readings, dates: list[dt.date], config: ScoringConfig
) -> dict[str, list[float]]:
    """Every node's standing at each date (in the order given): the numbers of `levels`."""
    order = sorted(range(len(dates)), key=lambda i: dates[i])
    ordered = [dates[i] for i in order]
    scores: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for nid in tree.bottom_up:
        own, own_counts = sweep(readings.by_node.get(nid, []), ordered, config)
        kids = tree.kids(nid)
        if not kids:
            scores[nid], counts[nid] = own, own_counts
            continue
        rolled: list[float] = []
        subtree: list[int] = []
        for k in range(len(ordered)):
            members = [(tree.nodes[c].importance, scores[c][k]) for c in kids if counts[c][k] > 0]
            if own_counts[k]:
                members.insert(0, (config.direct_importance, own[k]))
            total = math.fsum(w for w, _ in members)
            rolled.append(math.fsum((w / total) * s for w, s in members) if members else 0.0)
            subtree.append(own_counts[k] + sum(counts[c][k] for c in kids))
        scores[nid], counts[nid] = rolled, subtree
    out: dict[str, list[float]] = {}
    for nid in tree.nodes:
        values = [0.0] * len(dates)
        for position, original in enumerate(order):
            values[original] = scores[nid][position]
        out[nid] = values
    return out
