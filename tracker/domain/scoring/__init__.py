"""Evidence to where each recommendation stands and how it moves, at any date, explained.

`Scorer` is built once from the evidence's facts (whatever the date) and answers for any date:
every node's standing, movement, status in words and flags (`scores`), one node's evidence
weighed and adding up to both figures (`explain`), and the standing over many dates
(`history`). The method is in `engine` and `docs/scoring.md`; the words in `words`.

Pure code over the model: no files, no caches, no screen. An explanation reads the evidence
items it shows through a `lookup` the caller gives (the workspace reads them from disk).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracker.domain.config import ScoringConfig
from tracker.domain.facts import ItemFacts
from tracker.domain.model import EvidenceItem
from tracker.domain.scoring import engine, words
from tracker.domain.scoring.engine import STATUSES, Level, Part, Readings, Skip, Status
from tracker.domain.scoring.readings import build_readings, canonical_order
from tracker.domain.tree import Tree

__all__ = [
    "STATUSES",
    "ChildPart",
    "Contribution",
    "Exclusion",
    "NodeScore",
    "Scorer",
    "Status",
]

Lookup = Callable[[Sequence[str]], Mapping[str, EvidenceItem]]
Treatment = Literal["lasting", "transient", "lasting, reversed"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Contribution(_Out):
    """One evidence item's part in a node's figures. A node's contributions add up to its
    standing; those with `in_movement` add up to its movement."""

    evidence: EvidenceItem  # the item itself: every field shows where a face wants it
    evidence_id: str
    path: str
    node_id: str  # the node assessed (a descendant, for a rolled-up parent)
    counts_from: dt.date
    impact: float  # the mean of the analysts' impacts
    assessments: int
    analysts: list[str]
    confidence: str
    rationale: str
    verdict: bool
    treatment: Treatment
    countered_by: str | None  # the later lasting evidence that reversed a lasting change
    reliability_weight: float
    credibility_weight: float
    confidence_weight: float
    weight: float  # w = R * C * K
    age_days: int
    decay: float  # d: 1 for a lasting change in force
    effective_weight: float  # w * d
    share: float  # 1 for direct evidence; the member's share of a rollup otherwise
    contribution: float  # share * w d s / (w0 + sum(w d |s|) / 5)
    in_movement: bool  # dated in the movement window
    corroborated_by: list[str]  # other reports of the same event, not counted again


class Exclusion(_Out):
    """Evidence that bears on the node but does not count at this date, and why."""

    evidence_id: str
    node_id: str
    title: str
    date: dt.date
    reason: engine.SkipReason
    detail: str


class ChildPart(_Out):
    """A member's part in its parent's rollup."""

    node_id: str  # or "(direct)" for the parent's own evidence
    title: str
    importance: float
    score: float
    movement: float
    status: Status
    evidence_count: int
    included: bool  # members without evidence are left out of the mean
    share: float


class NodeScore(_Out):
    node_id: str
    title: str
    kind: str
    depth: int
    as_of: dt.date
    score: float  # the standing, in (-5, 5)
    band: str  # the standing in words
    status: Status
    status_label: str
    status_reason: str  # in plain words
    trend: float  # the movement: what evidence dated in the window brought
    trend_arrow: str
    window_start: dt.date
    evidence_count: int
    movement_count: int  # evidence dated in the window
    last_evidence: dt.date | None
    evidence_age_days: int | None
    stale: bool
    thin: bool
    strength: float  # sum(w) of what counts
    prior: float
    denominator: float
    positive: float
    negative: float
    children_scored: int | None
    children_total: int | None
    children: list[ChildPart]
    direct_score: float | None
    direct_count: int
    verdict_evidence: str | None
    explained: bool = False
    contributions: list[Contribution] = []
    excluded: list[Exclusion] = []
    contribution_count: int = 0
    excluded_count: int = 0
    rest: float = 0.0  # the sum of the contributions a limit left out of the list
    rest_movement: float = 0.0
    excluded_reasons: dict[str, int] = {}


def _row_key(part: engine.Part) -> tuple[str, str]:
    return part.reading.evidence_id, part.reading.node_id


class Scorer:
    """The date-free part of scoring, computed once: readings per node, in canonical order."""

    def __init__(
        self, tree: Tree, records: Sequence[tuple[str, ItemFacts]], config: ScoringConfig
    ) -> None:
        self.tree = tree
        self.config = config
        facts = [f for _, f in records]
        order = canonical_order(facts)
        ordered = [facts[i] for i in order]
        self.paths = [records[i][0] for i in order]  # by rank
        self.grades = [(f.reliability, f.credibility) for f in ordered]
        self.readings = Readings(build_readings(ordered, config))
        self._memo: dict[tuple[dt.date, dt.date], dict[str, Level]] = {}

    # --- figures ------------------------------------------------------------------------

    def window_start(self, as_of: dt.date) -> dt.date:
        return as_of - dt.timedelta(days=self.config.window_days)

    def levels(
        self, as_of: dt.date, since: dt.date | None = None, *, parts: bool = False
    ) -> dict[str, Level]:
        """Every node at `as_of`; with `parts`, each node's own parts listed as well."""
        start = since if since is not None else self.window_start(as_of)
        key = (as_of, start)
        hit = self._memo.get(key)
        if hit is None or (parts and not _listed(hit)):
            hit = engine.levels(self.tree, self.readings, as_of, start, self.config, parts=parts)
            if len(self._memo) >= 8:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = hit
        return hit

    def scores(
        self,
        as_of: dt.date,
        *,
        since: dt.date | None = None,
        detail: Collection[str] | None = (),
        limit: int | None = None,
        exclusions: bool = True,
        recent_only: bool = False,
        lookup: Lookup | None = None,
    ) -> dict[str, NodeScore]:
        """Every node at `as_of`, in the paper's order. `since`: the movement window's start
        (default: `window_days` before). `detail`: the nodes to explain (None: all), each
        with its largest `limit` contributions (None: all), only those dated in the window
        with `recent_only` (what a briefing of the period lists); explaining reads items
        through `lookup`."""
        start = since if since is not None else self.window_start(as_of)
        # Explaining every node: the parts are listed in the same pass as the figures.
        at = self.levels(as_of, start, parts=detail is None)
        if lookup is not None:
            lookup = _remembering(lookup)  # explaining many nodes: each item read once
        out: dict[str, NodeScore] = {}
        parts: dict[str, list[engine.Part]] = {}  # each node's own parts, for every ancestor
        for node in self.tree.in_order():
            explain = detail is None or node.id in detail
            out[node.id] = self._score(
                node.id,
                at,
                as_of,
                start,
                explain=explain,
                limit=limit,
                exclusions=exclusions,
                lookup=lookup,
                recent_only=recent_only,
                parts=parts,
            )
        return out

    def explain(
        self,
        node_id: str,
        as_of: dt.date,
        *,
        lookup: Lookup,
        limit: int | None = None,
        since: dt.date | None = None,
    ) -> NodeScore:
        start = since if since is not None else self.window_start(as_of)
        return self._score(
            node_id,
            self.levels(as_of, start),
            as_of,
            start,
            explain=True,
            limit=limit,
            exclusions=True,
            lookup=lookup,
        )

    def history(
        self, dates: list[dt.date], node_ids: Collection[str] | None = None
    ) -> dict[str, list[float]]:
        """Each node's standing at each date (the numbers `scores` gives at those dates)."""
        tree = self.tree
        if node_ids is not None:
            wanted: set[str] = set()
            for nid in node_ids:
                wanted |= tree.subtree(nid)
            tree = Tree.of([n for n in self.tree.in_order() if n.id in wanted])
        found = engine.history(tree, self.readings, dates, self.config)
        return found if node_ids is None else {k: found[k] for k in node_ids if k in found}

    def _grades_of(self, reading) -> tuple[str, int]:
        return self.grades[reading.rank]

    def weight(self, node_id: str, evidence_id: str) -> float | None:
        for r in self.readings.by_node.get(node_id, ()):
            if r.evidence_id == evidence_id:
                return r.weight
        return None

    # --- one node ------------------------------------------------------------------------

    def _score(
        self,
        nid: str,
        at: dict[str, Level],
        as_of: dt.date,
        start: dt.date,
        *,
        explain: bool,
        limit: int | None,
        exclusions: bool,
        lookup: Lookup | None,
        recent_only: bool = False,
        parts: dict[str, list[engine.Part]] | None = None,
    ) -> NodeScore:
        tree = self.tree
        node = tree.nodes[nid]
        level = at[nid]
        kids = tree.kids(nid)
        config = self.config
        counted = bool(level.evidence_ids)
        arrow = ""
        if counted or level.recent_ids:
            if level.movement >= config.trend_threshold:
                arrow = "↑"
            elif level.movement <= -config.trend_threshold:
                arrow = "↓"
            else:
                arrow = "→"
        age = (as_of - level.newest).days if level.newest is not None else None
        children = self._children(nid, level, at)
        reason = self._reason(nid, level, at, as_of)
        fields = dict(
            node_id=nid,
            title=node.title,
            kind=node.kind,
            depth=tree.depth.get(nid, 0),
            as_of=as_of,
            score=level.standing,
            band=words.band(level.standing, counted),
            status=level.status,
            status_label=words.STATUS_LABEL[level.status],
            status_reason=reason,
            trend=level.movement,
            trend_arrow=arrow,
            window_start=start,
            evidence_count=level.evidence_count,
            movement_count=len(level.recent_ids),
            last_evidence=level.newest,
            evidence_age_days=age,
            stale=age is not None and age > config.stale_days,
            thin=level.thin or (counted and level.strength < config.min_weight),
            strength=level.strength,
            prior=config.prior_weight,
            denominator=level.direct.denominator,
            positive=level.positive,
            negative=level.negative,
            children_scored=sum(1 for k in kids if at[k].evidence_ids) if kids else None,
            children_total=len(kids) if kids else None,
            children=children,
            direct_score=level.direct.standing if level.direct.count else None,
            direct_count=level.direct.count,
            verdict_evidence=level.achieved if level.achieved != "all" else None,
        )
        if explain:
            fields.update(
                self._explanation(
                    nid, at, as_of, start, limit, exclusions, lookup, recent_only, parts
                )
            )
        return NodeScore.model_construct(**fields)

    def _children(self, nid: str, level: Level, at: dict[str, Level]) -> list[ChildPart]:
        shares = dict(level.members)
        out: list[ChildPart] = []
        if "" in shares and self.tree.kids(nid):
            out.append(
                ChildPart.model_construct(
                    node_id="(direct)",
                    title="the node's own evidence",
                    importance=self.config.direct_importance,
                    score=level.direct.standing,
                    movement=level.direct.movement,
                    status="stalled",
                    evidence_count=level.direct.count,
                    included=True,
                    share=shares[""],
                )
            )
        for k in self.tree.kids(nid):
            sub = at[k]
            out.append(
                ChildPart.model_construct(
                    node_id=k,
                    title=self.tree.nodes[k].title,
                    importance=self.tree.nodes[k].importance,
                    score=sub.standing,
                    movement=sub.movement,
                    status=sub.status,
                    evidence_count=sub.evidence_count,
                    included=k in shares,
                    share=shares.get(k, 0.0),
                )
            )
        return out

    def _reason(self, nid: str, level: Level, at: dict[str, Level], as_of: dt.date) -> str:
        kids = self.tree.kids(nid)
        if level.status == "contested":
            text = (
                f"strong evidence both ways: {level.positive:+.2f} toward, "
                f"{level.negative:+.2f} away"
            )
            if level.overturned:
                text += f"; the verdict 'achieved' in {level.overturned} was overturned"
            return text
        if not kids:
            return words.leaf_reason(
                level.status,
                level.direct,
                self._grades_of,
                as_of,
                level.achieved,
                level.overturned,
            )
        node = self.tree.nodes[nid]
        noun = "recommendations" if node.kind == "section" else "sub-measures"
        scored = [k for k in kids if at[k].evidence_ids]
        return words.parent_reason(
            level.status,
            len(scored),
            len(kids),
            [at[k].status for k in scored],
            level.thin,
            level.direct.count,
            level.achieved == "all",
            noun,
        )

    def _explanation(
        self,
        nid: str,
        at: dict[str, Level],
        as_of: dt.date,
        start: dt.date,
        limit: int | None,
        exclusions: bool,
        lookup: Lookup | None,
        recent_only: bool = False,
        own_parts: dict[str, list[engine.Part]] | None = None,
    ) -> dict:
        pairs = engine.flat_parts(
            at, nid, self.readings, as_of, start, self.config, own_parts=own_parts
        )
        if recent_only:
            pairs = [(p, scale) for p, scale in pairs if p.recent]
        values = [p.value * scale for p, scale in pairs]
        chosen: Sequence[int] = range(len(pairs))
        if limit is not None and limit < len(pairs):
            # The largest `limit` by size, ties by evidence and node: only the few at or above
            # the cut are sorted by the whole key (a root node has every reading below it).
            sizes = list(map(abs, values))
            cut = heapq.nlargest(limit, sizes)[-1] if limit else math.inf
            near = [i for i, size in enumerate(sizes) if size >= cut]
            near.sort(
                key=lambda i: (
                    -sizes[i],
                    pairs[i][0].reading.evidence_id,
                    pairs[i][0].reading.node_id,
                )
            )
            chosen = near[:limit]
        shown = [engine.scaled(pairs[i][0], pairs[i][1]) for i in chosen]
        skips = (
            engine.skipped(self.tree, self.readings, nid, as_of, start, self.config)
            if exclusions
            else []
        )
        reasons: dict[str, int] = defaultdict(int)
        for skip in skips:
            reasons[skip.reason] += 1
        listed = skips if exclusions else []
        if limit is not None and exclusions:
            listed = heapq.nsmallest(
                limit, skips, key=lambda k: (k.reading.ref, k.reading.evidence_id)
            )
        wanted = [self.paths[p.reading.rank] for p in shown]
        wanted += [self.paths[k.reading.rank] for k in listed]
        if lookup is None:
            raise ValueError("explaining evidence needs a lookup of the items")
        items = lookup(list(dict.fromkeys(wanted)))
        contributions = sorted(
            (self._contribution(p, items[self.paths[p.reading.rank]]) for p in shown),
            key=lambda c: (-abs(c.contribution), c.evidence_id, c.node_id),
        )
        excluded = sorted(
            (self._exclusion(k, items[self.paths[k.reading.rank]], as_of) for k in listed),
            key=lambda e: (e.date, e.evidence_id),
        )
        rest = rest_movement = 0.0
        if len(shown) < len(pairs):
            # What the list leaves out: every value with the shown ones zeroed (fsum is exact,
            # so the zeros change nothing).
            left = list(values)
            for i in chosen:
                left[i] = 0.0
            rest = math.fsum(left)
            if recent_only:
                rest_movement = rest
            else:
                rest_movement = math.fsum(
                    [v for v, (p, _) in zip(left, pairs, strict=True) if p.recent]
                )
        return dict(
            explained=True,
            contributions=contributions,
            excluded=excluded,
            contribution_count=len(pairs),
            excluded_count=len(skips),
            rest=rest,
            rest_movement=rest_movement,
            excluded_reasons=dict(sorted(reasons.items())),
        )

    def _contribution(self, part: Part, item: EvidenceItem) -> Contribution:
        r = part.reading
        group = [a for a in item.assessments if a.recommendation == r.node_id]
        config = self.config
        if len(group) <= 1:
            levels = group[0].confidence if group else ""
            k = config.confidence.of(levels) if group else 0.0
            analysts = [group[0].analyst] if group and group[0].analyst else []
            rationale = group[0].rationale if group else ""
        else:
            order = {"high": 0, "moderate": 1, "low": 2}
            k = math.fsum(config.confidence.of(a.confidence) for a in group) / len(group)
            levels = "/".join(sorted({a.confidence for a in group}, key=order.__getitem__))
            analysts = sorted({a.analyst for a in group if a.analyst})
            rationale = "\n\n".join(a.rationale for a in group)
        if not r.lasting:
            treatment: Treatment = "transient"
        elif part.countered_by is not None:
            treatment = "lasting, reversed"
        else:
            treatment = "lasting"
        return Contribution.model_construct(
            evidence=item,
            evidence_id=r.evidence_id,
            path=self.paths[r.rank],
            node_id=r.node_id,
            counts_from=r.ref,
            impact=r.impact,
            assessments=len(group),
            analysts=analysts,
            confidence=levels,
            rationale=rationale,
            verdict=r.verdict,
            treatment=treatment,
            countered_by=part.countered_by.evidence_id if part.countered_by else None,
            reliability_weight=config.reliability.of(item.source.reliability),
            credibility_weight=config.credibility.of(item.source.credibility),
            confidence_weight=k,
            weight=r.weight,
            age_days=part.age,
            decay=part.decay,
            effective_weight=r.weight * part.decay,
            share=part.share,
            contribution=part.value,
            in_movement=part.recent,
            corroborated_by=[o.evidence_id for o in part.others],
        )

    def _exclusion(self, skip: Skip, item: EvidenceItem, as_of: dt.date) -> Exclusion:
        r = skip.reading
        if skip.reason == "after_as_of":
            counts = (
                "" if r.ref == item.date else f" (counts from {r.ref}, mid-{item.date_precision})"
            )
            detail = f"dated {item.date}{counts}, after {as_of}"
        elif skip.reason == "too_old":
            detail = (
                f"a transient report {(as_of - r.ref).days} days old: beyond the horizon of "
                f"{self.config.horizon_days} days"
            )
        else:
            best = skip.best
            assert best is not None
            detail = (
                f"reports event '{r.event}', already counted through {best.evidence_id} "
                f"(weight {best.weight:.3f} >= {r.weight:.3f})"
            )
        return Exclusion.model_construct(
            evidence_id=r.evidence_id,
            node_id=r.node_id,
            title=item.title,
            date=item.date,
            reason=skip.reason,
            detail=detail,
        )


def _listed(at: dict[str, Level]) -> bool:
    """Whether these levels list each node's own parts (`levels(..., parts=True)`)."""
    return all(level.direct.listed for level in at.values())


def _remembering(lookup: Lookup) -> Lookup:
    """`lookup`, reading each item once across the nodes of one call (a parent lists its
    children's evidence again)."""
    seen: dict[str, EvidenceItem] = {}

    def read(paths: Sequence[str]) -> Mapping[str, EvidenceItem]:
        missing = [p for p in paths if p not in seen]
        if missing:
            seen.update(lookup(missing))
        return {p: seen[p] for p in paths}

    return read
