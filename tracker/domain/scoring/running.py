"""Standings kept current while readings come and go and the date moves on.

`tracker log` scores a recommendation just before and just after each of thousands of commits,
and each commit adds or removes a reading or two. `engine.levels` goes over every reading each
time, which makes a long history quadratic. Here each node keeps the sums `engine.sweep`
keeps: a transient reading's terms as w s 2^(day/h), which one factor 2^(-t/h) decays to any
date, and lasting readings undecayed until countered. A reading added or removed, and each
reading the date brings in (its day reached) or lets go (past the horizon), changes them once,
so a figure costs what changed since the last one.

The figures are `levels`' up to rounding in the last bits; `Standings.near` says when one of
them is so close to a threshold (or to a rounding edge of two decimals) that the difference
could show, and the caller then asks `levels` itself. Tests hold the two together.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from dataclasses import dataclass

from tracker.domain.config import ScoringConfig
from tracker.domain.scoring.engine import Status, counters, status_of
from tracker.domain.scoring.readings import SCALE, Reading, pick
from tracker.domain.tree import Tree

_PENDING, _IN, _OUT = 0, 1, 2  # dated after the date; counted; too old to count
_EXPONENT_LIMIT = 512.0  # 2^512 is far from overflow; beyond it the sums start again
_NEAR = 1e-9


class Unsteady(Exception):
    """The sums cannot carry these dates (a half-life so short that 2^(days/h) overflows)."""


@dataclass(slots=True)
class Own:
    """What a node's own evidence decides at a date: `Direct`'s figures that reach a status."""

    standing: float = 0.0
    positive: float = 0.0
    negative: float = 0.0
    strength: float = 0.0
    count: int = 0
    verdict: str | None = None  # the latest 'achieved' verdict's evidence id
    overturned_by: float = 0.0  # sum(w d s) of what counts, dated after the verdict


@dataclass(slots=True)
class Standing:
    standing: float
    status: Status


class RunningNode:
    """One node's readings and their sums at the date last asked."""

    def __init__(self, config: ScoringConfig) -> None:
        self.config = config
        self.present: dict[int, Reading] = {}
        self.verdicts: dict[int, Reading] = {}
        self._reset(None)

    def _reset(self, today: int | None) -> None:
        self.today = today
        self.origin = today or 0
        self.where: dict[int, int] = {}
        self.pending: list[tuple[int, int, int]] = []  # (day, rank, id): dated after today
        self.ageing: list[tuple[int, int, int]] = []  # counted transients, oldest first
        self.events: dict[str, list[Reading]] = {}  # counted readings by event
        self.chosen: dict[str, Reading] = {}  # each event's report that counts
        self.lasting: dict[int, Reading] = {}  # chosen lasting readings
        self.lasting_sums: tuple[float, ...] | None = (0.0,) * 8
        self.strength = 0.0
        # transient chosen: sum w s f, sum w |s| f, and the positive and negative parts of
        # the first, f = 2^((day - origin)/h)
        self.t_num = self.t_mass = self.t_pos = self.t_neg = 0.0

    def copy(self) -> RunningNode:
        twin = RunningNode.__new__(RunningNode)
        twin.config = self.config
        twin.present = dict(self.present)
        twin.verdicts = dict(self.verdicts)
        twin.today, twin.origin = self.today, self.origin
        twin.where = dict(self.where)
        twin.pending = list(self.pending)
        twin.ageing = list(self.ageing)
        twin.events = {event: list(group) for event, group in self.events.items()}
        twin.chosen = dict(self.chosen)
        twin.lasting = dict(self.lasting)
        twin.lasting_sums = self.lasting_sums
        twin.strength = self.strength
        twin.t_num, twin.t_mass = self.t_num, self.t_mass
        twin.t_pos, twin.t_neg = self.t_pos, self.t_neg
        return twin

    # --- readings in and out ----------------------------------------------------------------

    def add(self, reading: Reading) -> None:
        key = id(reading)
        self.present[key] = reading
        if reading.verdict:
            self.verdicts[key] = reading
        if self.today is not None:
            self._place(reading)

    def remove(self, reading: Reading) -> None:
        key = id(reading)
        if self.present.pop(key, None) is None:
            return
        self.verdicts.pop(key, None)
        if self.where.pop(key, None) == _IN:
            self._leave(reading)

    def _place(self, r: Reading) -> None:
        """Where a reading stands at today's date: to come, counted, or too old."""
        assert self.today is not None
        if r.day > self.today:
            self.where[id(r)] = _PENDING
            heapq.heappush(self.pending, (r.day, r.rank, id(r)))
        elif not r.lasting and r.day < self.today - self.config.horizon_days:
            self.where[id(r)] = _OUT
        else:
            self._enter(r)

    def _enter(self, r: Reading) -> None:
        self.where[id(r)] = _IN
        self.events.setdefault(r.event, []).append(r)
        if not r.lasting:
            heapq.heappush(self.ageing, (r.day, r.rank, id(r)))
        self._pick(r.event)

    def _leave(self, r: Reading) -> None:
        group = self.events[r.event]
        for at, other in enumerate(group):
            if other is r:
                del group[at]
                break
        if not group:
            del self.events[r.event]
        self._pick(r.event)

    def _pick(self, event: str) -> None:
        old = self.chosen.get(event)
        group = self.events.get(event)
        new = pick(group) if group else None
        if new is old:
            return
        if old is not None:
            del self.chosen[event]
            self._count(old, -1)
        if new is not None:
            self.chosen[event] = new
            self._count(new, +1)

    def _count(self, r: Reading, way: int) -> None:
        self.strength += way * r.weight
        if r.lasting:
            if way > 0:
                self.lasting[id(r)] = r
            else:
                del self.lasting[id(r)]
            self.lasting_sums = None
            return
        f = self._factor(r.day)
        term = way * r.weight * r.impact * f
        self.t_num += term
        self.t_mass += way * r.weight * abs(r.impact) * f
        if r.impact > 0:
            self.t_pos += term
        elif r.impact < 0:
            self.t_neg += term

    def _factor(self, day: int) -> float:
        exponent = (day - self.origin) / self.config.half_life_days
        if abs(exponent) > _EXPONENT_LIMIT:
            raise Unsteady(f"2^{exponent:.0f} is beyond the sums' range")
        return 2.0**exponent

    # --- the date ---------------------------------------------------------------------------

    def move_to(self, day: int) -> None:
        """Bring the sums to `day`: readings reached come in, transients past the horizon go.
        An earlier date, or one far from where the sums started, starts them again."""
        if (
            self.today is None
            or day < self.today
            or abs(day - self.origin) / self.config.half_life_days > _EXPONENT_LIMIT / 2
        ):
            self._reset(day)
            for r in sorted(self.present.values(), key=lambda r: r.rank):
                self._place(r)
            return
        self.today = day
        while self.pending and self.pending[0][0] <= day:
            _, _, key = heapq.heappop(self.pending)
            r = self.present.get(key)
            if r is not None and self.where.get(key) == _PENDING:
                if not r.lasting and r.day < day - self.config.horizon_days:
                    self.where[key] = _OUT
                else:
                    self._enter(r)
        cutoff = day - self.config.horizon_days
        while self.ageing and self.ageing[0][0] < cutoff:
            _, _, key = heapq.heappop(self.ageing)
            r = self.present.get(key)
            if r is not None and self.where.get(key) == _IN and not r.lasting:
                self.where[key] = _OUT
                self._leave(r)

    # --- the figures ------------------------------------------------------------------------

    def own(self, day: int) -> Own:
        """`direct`'s figures at `day` that decide a status."""
        self.move_to(day)
        config = self.config
        out = Own()
        verdict = None
        for r in self.verdicts.values():
            if r.day <= day and (verdict is None or r.rank > verdict.rank):
                verdict = r
        out.verdict = verdict.evidence_id if verdict is not None else None
        if not self.chosen:
            return out
        if self.lasting_sums is None:
            self.lasting_sums = self._lasting_sums()
        l_num, l_mass, l_pos, l_neg, c_num, c_mass, c_pos, c_neg = self.lasting_sums
        now = 2.0 ** ((self.origin - day) / config.half_life_days)
        numerator = l_num + (self.t_num + c_num) * now
        mass = l_mass + (self.t_mass + c_mass) * now
        denominator = config.prior_weight + mass / SCALE
        out.standing = numerator / denominator
        out.positive = (l_pos + (self.t_pos + c_pos) * now) / denominator
        out.negative = (l_neg + (self.t_neg + c_neg) * now) / denominator
        out.strength = self.strength
        out.count = len(self.chosen)
        if verdict is not None:
            out.overturned_by = self._overturned(verdict, day)
        return out

    def _overturned(self, verdict: Reading, day: int) -> float:
        """sum(w d s) of the counted readings dated after the verdict, in canonical order."""
        by = counters(sorted(self.lasting.values(), key=lambda r: r.rank))
        half_life = self.config.half_life_days
        total = 0.0
        for r in sorted(self.chosen.values(), key=lambda r: r.rank):
            if r.day <= verdict.day:
                continue
            countered = by.get(id(r)) if r.lasting else None
            if r.lasting and countered is None:
                d = 1.0
            elif countered is not None:
                d = 2.0 ** (-max(day - countered.day, 0) / half_life)
            else:
                d = 2.0 ** (-max(day - r.day, 0) / half_life)
            total += r.weight * d * r.impact
        return total

    def _lasting_sums(self) -> tuple[float, ...]:
        ordered = sorted(self.lasting.values(), key=lambda r: r.rank)
        by = counters(ordered)
        l_num = l_mass = l_pos = l_neg = c_num = c_mass = c_pos = c_neg = 0.0
        for r in ordered:
            term = r.weight * r.impact
            countered = by.get(id(r))
            if countered is None:
                l_num += term
                l_mass += r.weight * abs(r.impact)
                l_pos += term if r.impact > 0 else 0.0
                l_neg += term if r.impact < 0 else 0.0
                continue
            f = self._factor(countered.day)
            c_num += term * f
            c_mass += r.weight * abs(r.impact) * f
            c_pos += term * f if r.impact > 0 else 0.0
            c_neg += term * f if r.impact < 0 else 0.0
        return l_num, l_mass, l_pos, l_neg, c_num, c_mass, c_pos, c_neg


class Standings:
    """Every node of a tree, kept current: its standing and status at any date."""

    def __init__(self, tree: Tree, config: ScoringConfig) -> None:
        self.tree = tree
        self.config = config
        self.nodes: dict[str, RunningNode] = {}
        self.near = False  # the last figures came close enough to an edge to ask `levels`

    def copy(self) -> Standings:
        twin = Standings(self.tree, self.config)
        twin.nodes = {nid: node.copy() for nid, node in self.nodes.items()}
        return twin

    def add(self, reading: Reading) -> None:
        node = self.nodes.get(reading.node_id)
        if node is None:
            node = self.nodes[reading.node_id] = RunningNode(self.config)
        node.add(reading)

    def remove(self, reading: Reading) -> None:
        node = self.nodes.get(reading.node_id)
        if node is not None:
            node.remove(reading)

    def at(self, as_of: dt.date) -> dict[str, Standing]:
        """Every node's standing and status at `as_of`, children before parents, as `levels`
        rolls them up; `near` is set when a figure is within rounding of an edge."""
        config = self.config
        tree = self.tree
        day = as_of.toordinal()
        self.near = False
        out: dict[str, Standing] = {}
        rolled: dict[str, _Rolled] = {}
        empty = Own()
        for nid in tree.bottom_up:
            node = self.nodes.get(nid)
            own = node.own(day) if node is not None else empty
            achieved = None
            if own.verdict is not None and own.overturned_by > -config.verdict_overturn:
                achieved = own.verdict
            if own.verdict is not None:
                self._edge(own.overturned_by, -config.verdict_overturn)
            kids = tree.kids(nid)
            if not kids:
                here = _Rolled(
                    own.standing, own.positive, own.negative, own.strength, own.count > 0,
                    achieved, thin=False,
                )  # fmt: skip
            else:
                weights = [(k, tree.nodes[k].importance) for k in kids if rolled[k].has]
                if own.count:
                    weights.insert(0, ("", config.direct_importance))
                total = math.fsum(w for _, w in weights)
                standing_terms: list[float] = []
                positives: list[float] = []
                negatives: list[float] = []
                strength = own.strength
                has = own.count > 0
                for member, weight in weights:
                    share = weight / total
                    sub = rolled[member] if member else None
                    if sub is not None:
                        standing_terms.append(share * sub.standing)
                        positives.append(share * sub.positive)
                        negatives.append(share * sub.negative)
                        strength += sub.strength
                        has = True
                    else:
                        standing_terms.append(share * own.standing)
                        positives.append(share * own.positive)
                        negatives.append(share * own.negative)
                if not achieved and all(rolled[k].achieved for k in kids):
                    achieved = "all"
                thin = has and not own.count and strength < config.min_weight
                if has and not own.count:
                    self._edge(strength, config.min_weight)
                here = _Rolled(
                    math.fsum(standing_terms), math.fsum(positives), math.fsum(negatives),
                    strength, has, achieved, thin,
                )  # fmt: skip
            rolled[nid] = here
            status = status_of(
                here.standing,
                here.positive,
                here.negative,
                here.has,
                here.achieved,
                here.thin,
                config,
            )
            self._edges(here)
            out[nid] = Standing(here.standing, status)
        return out

    def _edge(self, value: float, edge: float) -> None:
        if abs(value - edge) <= _NEAR * max(1.0, abs(edge)):
            self.near = True

    def _edges(self, here: _Rolled) -> None:
        config = self.config
        self._edge(here.standing, config.moving_threshold)
        self._edge(here.standing, -config.moving_threshold)
        both = here.positive - here.negative
        small = min(here.positive, -here.negative)
        self._edge(small, config.contested_min)
        if both > 0:
            self._edge(small / both, config.contested_share)
        self._edge(both, 0.0)
        # a figure shown with two decimals: never on the edge between two of them
        hundredths = abs(here.standing) * 100.0
        self._edge(hundredths - math.floor(hundredths), 0.5)


@dataclass(slots=True)
class _Rolled:
    standing: float
    positive: float
    negative: float
    strength: float
    has: bool  # any evidence counts here or below
    achieved: str | None
    thin: bool
