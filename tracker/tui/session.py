"""What the workbench holds between keystrokes: the loaded project, the as-of date, the scores.

Scores come from `tracker.domain.scoring`, once per as-of date for the whole tree (never per row),
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
from tracker.domain.model import EvidenceItem, Node
from tracker.speed.catalogue import Catalogue, Row
from tracker.store import EvidenceFile, FileChangedError, Project, load_project


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
    root: Path
    project: Project | None = None
    as_of: dt.date = field(default_factory=today)
    scores: dict[str, Any] | None = None
    scoring_note: str = ""
    config: Any = None
    children: dict[str | None, list[Node]] = field(default_factory=dict)
    catalogue: Catalogue = field(default_factory=Catalogue)
    by_node: dict[str, list[Row]] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)
    history_dates: list[dt.date] = field(default_factory=list)
    use_cache: bool = True
    _similarity: Any = None
    _nodes_index: Any = None
    _prepared: Any = None  # scoring.prepare(): what does not change with the as-of date
    _weights: dict[tuple[str, str], float] = field(default_factory=dict)
    _explained: dict[tuple[str, dt.date], Any] = field(default_factory=dict)
    _items: dict[str, EvidenceItem | None] = field(default_factory=dict)  # by path, as shown
    _haystacks: list[str] | None = None  # what search matches, one per item (built when asked)

    def load(
        self,
        progress: Callable[[int, int], None] | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        """Read every file afresh (slow for big projects: the app runs this in a worker, or
        `tracker tui` before the app starts).

        `progress(done, total)` is called from this thread while files are read (see
        `store.load_project`); not at all when nothing needs reading. `meanwhile` runs once
        while the load waits on other processes (`store.load_project`).
        """
        reload = self.project is not None
        # A load makes hundreds of thousands of objects that all stay alive: collecting cycles
        # meanwhile finds nothing and, scanning an ever bigger heap, doubles the load's time.
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._load(progress, meanwhile)
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

    def _load(
        self,
        progress: Callable[[int, int], None] | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        # No item is kept: the scores and the timelines come from the files' facts (or the
        # snapshot), and the items of the rows on screen are read when shown. 100,000 items
        # held whole would be most of a gigabyte.
        self.project = load_project(
            self.root, use_cache=self.use_cache, progress=progress, items=False, meanwhile=meanwhile
        )
        self._similarity = self._nodes_index = self._prepared = None
        self._load_config()
        self.prepared()
        self.catalogue = self.project.catalogue()
        self.project.release()
        self.children = {}
        for node in self.project.nodes:
            self.children.setdefault(node.parent, []).append(node)
        self.by_node = self.catalogue.timelines()
        self._explained = {}
        self._items = {}
        self._haystacks = None
        self.scores = None

    def _load_config(self) -> None:
        try:
            from tracker.domain import scoring  # noqa: F401  (both must be there to score)
            from tracker.domain.config import load_config
        except ImportError:
            self.config = None
            self.scoring_note = "scores unavailable: tracker.domain.scoring is not installed yet"
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
        from tracker.domain.scoring import score_all

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
            from tracker.speed.snapshot import prepared

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
            from tracker.domain.scoring import explain_node

            try:
                self._explained[key] = explain_node(
                    self.project.nodes,
                    node_id,
                    self.as_of,
                    self.config,
                    self.prepared(),
                    limit=limit,
                )
            except FileChangedError:  # an item it lists is gone from disk: the screen says so
                self._explained[key] = None
        return self._explained.get(key)

    def compute_history(self, node_id: str, months: int = 24) -> None:
        """Monthly scores of a node (and its subtree) up to the as-of date, for its chart.

        Only the subtree a chart shows is swept, once per node and as-of date (run in a
        worker): the whole tree's history on every as-of change was most of its cost.
        """
        if self.config is None or self.project is None or node_id in self.history:
            return
        from tracker.domain.scoring import score_history

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
        missing = [p for p in dict.fromkeys(paths) if p not in self._items]
        if missing and self.project is not None:
            if len(self._items) > 5000:  # rows browsed long ago: read again if shown again
                self._items.clear()
            try:
                self._items.update(self.project.items_at(missing))
            except FileChangedError:
                for path in missing:
                    try:
                        self._items.update(self.project.items_at([path]))
                    except FileChangedError:
                        self._items[path] = None
        return {p: self._items.get(p) for p in paths}

    def evidence_file(self, evidence_id: str) -> EvidenceFile | None:
        """An item as the evidence screen and the form need it: read afresh from its file."""
        return self.project.evidence_file(evidence_id) if self.project is not None else None

    def same_event(self, ev: EvidenceFile) -> list[EvidenceItem]:
        """The other items recorded as reports of this item's event, newest first."""
        paths = self.catalogue.same_event(ev.path)
        found = [item for item in self.items_at(paths).values() if item is not None]
        return sorted(found, key=lambda item: (item.date, item.id), reverse=True)

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

    @property
    def search_ready(self) -> bool:
        """Whether search has its texts (else the first search reads every item once)."""
        return self._haystacks is not None or self.project is None

    def prepare_search(self) -> None:
        """Read the texts search matches (run in a worker: seconds for 100,000 items)."""
        if self._haystacks is None and self.project is not None:
            self._haystacks = self._search_texts()

    def search(self, query: str, limit: int = 200) -> list[EvidenceItem]:
        """Evidence whose title, quote or source matches every word of the query, newest first.

        The first search reads every item once (in one pass, keeping none) for the texts it
        matches; later ones only compare strings.
        """
        if self.project is None:
            return []
        if self._haystacks is None:
            self._haystacks = self._search_texts()
        words = query.casefold().split()
        hits = [i for i, hay in enumerate(self._haystacks) if all(w in hay for w in words)]
        cat = self.catalogue
        hits.sort(key=lambda i: (cat.dates[i], cat.ids[i]), reverse=True)
        paths = [cat.paths[i] for i in hits[:limit]]
        return [item for item in self.items_at(paths).values() if item is not None]

    def _search_texts(self) -> list[str]:
        assert self.project is not None
        texts = dict.fromkeys(self.catalogue.paths, "")
        for ev in self.project.iter_evidence():
            item = ev.item
            texts[ev.path] = " ".join(
                [
                    item.title,
                    item.source.quote,
                    item.source.publisher,
                    item.source.url or "",
                    item.source.author or "",
                    item.id,
                ]
            ).casefold()
        return list(texts.values())

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
