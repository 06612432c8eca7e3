"""What the workbench holds between keystrokes: the loaded project, the as-of date, the scores.

Scores come from `tracker.scoring`, once per as-of date for the whole tree (never per row),
so moving through the tree only looks figures up.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.clock import today
from tracker.model import Assessment, Node
from tracker.store import EvidenceFile, Project, load_project


def shift_months(date: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(date.day, last))


def parse_as_of(text: str) -> dt.date:
    """YYYY-MM-DD, YYYY-MM (the month's last day) or YYYY (31 December), as the CLI reads it."""
    text = text.strip()
    if len(text) == 4 and text.isdigit():
        return dt.date(int(text), 12, 31)
    if len(text) == 7 and text[4] == "-":
        year, month = int(text[:4]), int(text[5:])
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date.fromisoformat(text)


@dataclass
class Entry:
    """One assessment of one evidence item, as a row of a node's timeline."""

    file: EvidenceFile
    assessment: Assessment


@dataclass
class Session:
    root: Path
    project: Project | None = None
    as_of: dt.date = field(default_factory=today)
    scores: dict[str, Any] | None = None
    scoring_note: str = ""
    config: Any = None
    children: dict[str | None, list[Node]] = field(default_factory=dict)
    by_node: dict[str, list[Entry]] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)
    history_dates: list[dt.date] = field(default_factory=list)
    use_cache: bool = True
    _similarity: Any = None
    _nodes_index: Any = None
    _prepared: Any = None  # scoring.prepare(): what does not change with the as-of date
    _weights: dict[tuple[str, str], float] = field(default_factory=dict)
    _explained: dict[tuple[str, dt.date], Any] = field(default_factory=dict)

    def load(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Read every file afresh (slow for big projects: the app runs this in a worker).

        `progress(done, total)` is called from this thread while files are read (see
        `store.load_project`); not at all when nothing needs reading.
        """
        reload = self.project is not None
        # A load makes hundreds of thousands of objects that all stay alive: collecting cycles
        # meanwhile finds nothing and, scanning an ever bigger heap, doubles the load's time.
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._load(progress)
        finally:
            if enabled:
                gc.enable()
        # The loaded evidence and what scoring prepared from it live as long as the session
        # and hold no cycles: keep the collector from rescanning them (a full pass over
        # 10,000 items and their readings costs 0.1-0.2 s, and would land on a keystroke
        # every few as-of changes). On a reload what the last load froze is unfrozen and
        # collected first, so that nothing of it is kept.
        if reload:
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    def _load(self, progress: Callable[[int, int], None] | None = None) -> None:
        self.project = load_project(self.root, use_cache=self.use_cache, progress=progress)
        self._similarity = self._nodes_index = self._prepared = None
        self._load_config()
        # Scores first, from the files' facts; then the items, which the store unpacks while
        # it lets go of the facts (never both whole at once).
        self.prepared()
        self.children = {}
        for node in self.project.nodes:
            self.children.setdefault(node.parent, []).append(node)
        self.by_node = {}
        for ev in self.project.evidence:
            for assessment in ev.item.assessments:
                self.by_node.setdefault(assessment.recommendation, []).append(Entry(ev, assessment))
        for entries in self.by_node.values():
            entries.sort(key=lambda e: (e.file.item.date, e.file.item.id), reverse=True)
        self._explained = {}
        self.scores = None

    def _load_config(self) -> None:
        try:
            from tracker import scoring  # noqa: F401  (both must be there to score)
            from tracker.config import load_config
        except ImportError:
            self.config = None
            self.scoring_note = "scores unavailable: tracker.scoring is not installed yet"
            return
        self.config, problems = load_config(self.root)
        if self.project is not None:
            known = {(p.path, p.line, p.message) for p in self.project.problems}
            self.project.problems.extend(
                p for p in problems if (p.path, p.line, p.message) not in known
            )
        self.scoring_note = ""

    def rescore(self) -> None:
        """Score every node at the as-of date, in one pass over the evidence."""
        self.history = {}
        if self.config is None or self.project is None:
            self.scores = None
            return
        from tracker.scoring import score_all

        prepared = self.prepared()
        self.scores = score_all(
            self.project.nodes,
            prepared.items,
            self.as_of,
            self.config,
            detail=(),
            prepared=prepared,
        )

    def prepared(self) -> Any:
        """The date-free part of scoring, once per load: an as-of change only re-sums."""
        if self._prepared is None and self.project is not None and self.config is not None:
            from tracker.snapshot import prepared

            self._prepared = prepared(self.project, self.config)
            self._weights = {
                (nid, r.evidence_id): r.weight
                for nid, readings in self._prepared.readings.items()
                for r in readings
            }
        return self._prepared

    def weight(self, node_id: str, evidence_id: str) -> float | None:
        """w = R x C x K of an item's assessment of a node (date-free)."""
        return self._weights.get((node_id, evidence_id))

    def explanation(self, node_id: str, limit: int = 8) -> Any:
        """A node's largest contributions at the as-of date (the figures of tracker explain)."""
        key = (node_id, self.as_of)
        if key not in self._explained and self.project is not None and self.config is not None:
            from tracker.scoring import explain_node

            self._explained[key] = explain_node(
                self.project.nodes, node_id, self.as_of, self.config, self.prepared(), limit=limit
            )
        return self._explained.get(key)

    def compute_history(self, node_id: str, months: int = 24) -> None:
        """Monthly scores of a node (and its subtree) up to the as-of date, for its chart.

        Only the subtree a chart shows is swept, once per node and as-of date (run in a
        worker): the whole tree's history on every as-of change was most of its cost.
        """
        if self.config is None or self.project is None or node_id in self.history:
            return
        from tracker.scoring import score_history

        wanted = {node_id, *self.descendants(node_id)}
        nodes = [n for n in self.project.nodes if n.id in wanted]
        dates = [shift_months(self.as_of, -k) for k in range(months - 1, -1, -1)]
        found = score_history(nodes, (), dates, self.config, prepared=self.prepared())
        if dates != self.history_dates:
            self.history = {}
            self.history_dates = dates
        self.history.update(found)

    def history_cost(self, node_id: str) -> int:
        """How many readings a node's chart sweeps (a sweep costs ~1.5 µs a reading)."""
        prepared = self.prepared()
        if prepared is None:
            return 0
        ids = [node_id, *self.descendants(node_id)]
        return sum(len(prepared.readings.get(i, ())) for i in ids)

    def entries(self, node_id: str, limit: int = 100) -> tuple[list[Entry], int]:
        """The node's evidence up to the as-of date, newest first (at most `limit`), and a count."""
        ids = [node_id, *self.descendants(node_id)]
        rows = [e for i in ids for e in self.by_node.get(i, ()) if e.file.item.date <= self.as_of]
        if len(ids) > 1:
            rows.sort(key=lambda e: (e.file.item.date, e.file.item.id), reverse=True)
        return rows[:limit], len(rows)

    def descendants(self, node_id: str) -> list[str]:
        out: list[str] = []
        stack = [n.id for n in self.children.get(node_id, [])]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(n.id for n in self.children.get(current, []))
        return out

    def node(self, node_id: str) -> Node | None:
        return self.project.node(node_id) if self.project else None

    def search(self, query: str, limit: int = 200) -> list[EvidenceFile]:
        """Evidence whose title, quote or source matches every word of the query."""
        if self.project is None:
            return []
        words = query.casefold().split()
        found = []
        for ev in self.project.evidence:
            item = ev.item
            hay = " ".join(
                [
                    item.title,
                    item.source.quote,
                    item.source.publisher,
                    item.source.url or "",
                    item.source.author or "",
                    item.id,
                ]
            ).casefold()
            if all(w in hay for w in words):
                found.append(ev)
        found.sort(key=lambda e: (e.item.date, e.item.id), reverse=True)
        return found[:limit]

    @property
    def similarity_ready(self) -> bool:
        """Whether the same-event index is built (else the next import builds it first)."""
        return self._similarity is not None

    def similarity_index(self, ingest) -> Any:
        """Built once per load: same-event detection over every item and its archived text."""
        if self._similarity is None and self.project is not None:
            self._similarity = ingest.similarity_index(
                self.root, self.project, use_cache=self.use_cache
            )
        return self._similarity

    def node_index(self, ingest) -> Any:
        if self._nodes_index is None:
            self._nodes_index = ingest.NodeIndex.build(self.project.nodes if self.project else [])
        return self._nodes_index
