"""What the workbench holds between keystrokes: the loaded project, the as-of date, the scores.

Scores come from `tracker.domain.scoring`, once per as-of date for the whole tree (never per row),
so moving through the tree only looks figures up.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.clock import today
from tracker.domain.model import EvidenceItem, Node
from tracker.store.files import FileChangedError
from tracker.workspace import EvidenceFile, Row, Workspace, open_workspace


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
class Session:
    """The workbench's view of one workspace: the as-of date, the scores at it, and what the
    screens read often (children by parent, timelines by node), derived once per load."""

    root: Path
    project: Workspace | None = None
    as_of: dt.date = field(default_factory=today)
    scores: dict[str, Any] | None = None
    scoring_note: str = ""
    children: dict[str | None, list[Node]] = field(default_factory=dict)
    by_node: dict[str, list[Row]] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)
    history_dates: list[dt.date] = field(default_factory=list)
    use_cache: bool = True
    _explained: dict[tuple[str, dt.date], Any] = field(default_factory=dict)
    _items: dict[str, EvidenceItem | None] = field(default_factory=dict)  # by path, as shown
    _haystacks: list[tuple[str, str]] | None = None  # (path, what search matches)

    @property
    def config(self) -> Any:
        return self.project.config if self.project is not None else None

    def load(
        self,
        progress: Callable[[int, int], None] | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        """Open the workspace afresh (the app runs this in a worker)."""
        self.project = open_workspace(self.root, cache=self.use_cache, progress=progress)
        if meanwhile is not None:
            meanwhile()
        self._derive()

    def adopt(self, ws: Workspace) -> None:
        """Take a workspace opened beforehand (`tracker tui` opens it while Textual loads)."""
        self.project = ws
        self._derive()

    def _derive(self) -> None:
        ws = self.project
        assert ws is not None
        self.children = {}
        for node in ws.tree.in_order():
            self.children.setdefault(ws.tree.parent.get(node.id), []).append(node)
        self.by_node = ws.timelines()
        self._explained = {}
        self._items = {}
        self._haystacks = None
        self.scores = None
        self.history = {}

    def rescore(self) -> None:
        """Score every node at the as-of date, in one pass over the evidence."""
        self.history = {}
        if self.project is None:
            self.scores = None
            return
        self.scores = self.project.scores(self.as_of, detail=())

    def weight(self, node_id: str, evidence_id: str) -> float | None:
        """w = R x C x K of an item's assessment of a node (date-free)."""
        return self.project.scorer().weight(node_id, evidence_id) if self.project else None

    def explanation(self, node_id: str, limit: int = 8) -> Any:
        """A node's largest contributions at the as-of date (the figures of tracker explain)."""
        key = (node_id, self.as_of)
        if key not in self._explained and self.project is not None:
            try:
                self._explained[key] = self.project.explain(node_id, self.as_of, limit=limit)
            except FileChangedError:  # an item it lists is gone from disk: the screen says so
                self._explained[key] = None
        return self._explained.get(key)

    def compute_history(self, node_id: str, months: int = 24) -> None:
        """Monthly standings of a node (and its subtree) up to the as-of date, for its chart."""
        if self.project is None or node_id in self.history:
            return
        dates = [shift_months(self.as_of, -k) for k in range(months - 1, -1, -1)]
        found = self.project.history(dates, [node_id, *self.descendants(node_id)])
        if dates != self.history_dates:
            self.history = {}
            self.history_dates = dates
        self.history.update(found)

    def history_cost(self, node_id: str) -> int:
        """How many readings a node's chart sweeps."""
        if self.project is None:
            return 0
        readings = self.project.scorer().readings.by_node
        return sum(len(readings.get(i, ())) for i in [node_id, *self.descendants(node_id)])

    def entries(self, node_id: str, limit: int = 100) -> tuple[list[Row], int]:
        """The node's evidence up to the as-of date, newest first (at most `limit`), and a count."""
        ids = [node_id, *self.descendants(node_id)]
        rows = [r for i in ids for r in self.by_node.get(i, ()) if r.date <= self.as_of]
        if len(ids) > 1:
            rows.sort(key=lambda r: (r.date, r.evidence_id), reverse=True)
        return rows[:limit], len(rows)

    def items_at(self, paths: list[str]) -> dict[str, EvidenceItem | None]:
        """The items of these files, read once per load; None for a file that changed on disk
        since the load and no longer yields an item (a reload shows it as it is now)."""
        if self.project is not None:
            if len(self._items) > 5000:  # rows browsed long ago: read again if shown again
                self._items.clear()
            for path in dict.fromkeys(paths):
                if path not in self._items:
                    try:
                        self._items[path] = self.project.read(path).item
                    except FileChangedError:
                        self._items[path] = None
        return {p: self._items.get(p) for p in paths}

    def evidence_file(self, evidence_id: str) -> EvidenceFile | None:
        """An item as the evidence screen and the form need it: read afresh from its file."""
        return self.project.evidence_file(evidence_id) if self.project is not None else None

    def same_event(self, ev: EvidenceFile) -> list[EvidenceItem]:
        """The other items recorded as reports of this item's event, newest first."""
        if self.project is None:
            return []
        paths = self.project.same_event(ev.path)
        found = [item for item in self.items_at(paths).values() if item is not None]
        return sorted(found, key=lambda item: (item.date, item.id), reverse=True)

    def descendants(self, node_id: str) -> list[str]:
        return self.project.tree.descendants(node_id) if self.project else []

    def node(self, node_id: str) -> Node | None:
        return self.project.node(node_id) if self.project else None

    @property
    def search_ready(self) -> bool:
        """Whether search has its texts (else the first search reads every item once)."""
        return self._haystacks is not None or self.project is None

    def prepare_search(self) -> None:
        """Read the texts search matches (run in a worker: seconds for 100,000 items)."""
        if self._haystacks is None and self.project is not None:
            self._haystacks = self._search_texts()

    def search(self, query: str, limit: int = 200) -> list[EvidenceItem]:
        """Evidence whose title, quote or source matches every word of the query, newest
        first."""
        if self.project is None:
            return []
        if self._haystacks is None:
            self._haystacks = self._search_texts()
        words = query.casefold().split()
        dates = {r.path: (r.facts.date, r.facts.id) for r in self.project.records}
        hits = [path for path, hay in self._haystacks if all(w in hay for w in words)]
        hits.sort(key=lambda p: dates.get(p, (dt.date.min, "")), reverse=True)
        return [item for item in self.items_at(hits[:limit]).values() if item is not None]

    def _search_texts(self) -> list[tuple[str, str]]:
        assert self.project is not None
        out = []
        for ev in self.project.iter_items():
            item = ev.item
            text = " ".join(
                [
                    item.title,
                    item.source.quote,
                    item.source.publisher,
                    item.source.url or "",
                    item.source.author or "",
                    item.id,
                ]
            ).casefold()
            out.append((ev.path, text))
        return out

    @property
    def similarity_ready(self) -> bool:
        """Whether the same-event index is built (else the next import builds it first)."""
        return self.project is not None and self.project._similarity is not None
