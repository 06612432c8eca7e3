"""What changed between two dates, from evidence only: the quarterly briefing's content.

Movement in the period is what evidence dated in it brought to the standing (the scorer's
movement with the period as its window); a status change is listed when evidence in the
period moved the node, and apart from those, the statuses that changed only because old
transient evidence faded.
"""

from __future__ import annotations

import datetime as dt
import heapq

from pydantic import BaseModel

from tracker.domain.scoring import Contribution, NodeScore

MOVE_FLOOR = 0.005  # a movement that rounds to 0.00 is not a move
EVIDENCE_SHOWN = 10  # the largest contributions listed under each move (the rest are counted)


class NewEvidence(BaseModel):
    evidence_id: str
    title: str
    date: dt.date
    publisher: str
    reliability: str
    credibility: int
    url: str | None
    quote: str
    recommendations: list[str]


class Move(BaseModel):
    node_id: str
    title: str
    kind: str
    movement: float  # what evidence dated in the period brought
    before: float  # the standing at the start of the period
    after: float  # the standing at its end
    before_status: str
    after_status: str
    status_reason: str
    evidence: list[Contribution]  # the period's largest contributions behind the move
    evidence_count: int = 0  # how many items dated in the period moved it


class Changes(BaseModel):
    since: dt.date
    until: dt.date
    new_evidence: list[NewEvidence]  # the latest, or all (see `new_count`)
    new_count: int  # how many items are dated in the period
    status_changes: list[Move]  # moved by evidence in the period
    faded: list[Move]  # status changed with no evidence in the period (old evidence faded)
    up: list[Move]
    down: list[Move]


def changes(ws, since: dt.date, until: dt.date, *, top: int = 5, listed: int | None = None):
    """The period (since, until] of the workspace `ws`; `listed`: read only the latest so
    many new items (a terminal shows a few; exports list every one)."""
    before, after = ws.period(since, until, limit=EVIDENCE_SHOWN)
    moves: list[Move] = []
    for nid, a in after.items():
        b = before[nid]
        moves.append(_move(a, b))
    up = sorted(
        (m for m in moves if m.movement >= MOVE_FLOOR), key=lambda m: (-m.movement, m.node_id)
    )
    down = sorted(
        (m for m in moves if m.movement <= -MOVE_FLOOR), key=lambda m: (m.movement, m.node_id)
    )
    by_evidence = {m.node_id for m in moves if after[m.node_id].movement_count}
    status_changes = [
        m for m in moves if m.before_status != m.after_status and m.node_id in by_evidence
    ]
    faded = [m for m in moves if m.before_status != m.after_status and m.node_id not in by_evidence]
    fresh = [r for r in ws.records if since < r.facts.midpoint <= until]
    count = len(fresh)
    if listed is not None:  # the latest few: picked without sorting the whole period
        fresh = heapq.nlargest(listed, fresh, key=_newest) if listed else []
    fresh.sort(key=_newest)
    items = ws.items([r.path for r in fresh])
    new = [
        NewEvidence(
            evidence_id=i.id,
            title=i.title,
            date=i.date,
            publisher=i.source.publisher,
            reliability=i.source.reliability,
            credibility=i.source.credibility,
            url=i.source.url,
            quote=i.source.quote,
            recommendations=sorted({a.recommendation for a in i.assessments}),
        )
        for i in (items[r.path] for r in fresh)
    ]
    return Changes(
        since=since,
        until=until,
        new_evidence=new,
        new_count=count,
        status_changes=status_changes,
        faded=faded,
        up=up[:top],
        down=down[:top],
    )


def _newest(record) -> tuple[dt.date, str]:
    return record.facts.midpoint, record.facts.id


def _move(a: NodeScore, b: NodeScore) -> Move:
    return Move(
        node_id=a.node_id,
        title=a.title,
        kind=a.kind,
        movement=a.trend,
        before=b.score,
        after=a.score,
        before_status=b.status,
        after_status=a.status,
        status_reason=a.status_reason,
        evidence=[c for c in a.contributions if c.in_movement],
        evidence_count=a.contribution_count or a.movement_count,
    )
