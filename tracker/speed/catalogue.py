"""Every loaded item's file, date, id, address, event and assessed nodes, as a few columns.

The workbench lists a node's evidence, finds the other reports of an event and checks a new
item against the others for a taken id or URL. Holding every validated item for that costs
most of a gigabyte at 100,000 items; these columns cost a few tens of megabytes, and the items
of the rows on screen are read when shown. The catalogue is derived from the files' facts
(`ItemFacts`), and kept in the snapshot (`tracker.speed.snapshot.catalogue`) so that a warm start
reads neither the items nor the load cache.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from tracker.domain.model import ItemFacts


class Row(NamedTuple):
    """One assessment of one item: a line of a node's timeline."""

    date: dt.date
    evidence_id: str
    path: str
    node_id: str
    impact: int


@dataclass
class Catalogue:
    """Columns in load order (`Project.paths`); the assessments flattened, each naming its
    item by position."""

    paths: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    dates: list[int] = field(default_factory=list)  # proleptic ordinals: one int per item
    urls: list[str | None] = field(default_factory=list)
    events: list[str | None] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)  # per assessment: its item's position
    nodes: list[str] = field(default_factory=list)
    impacts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, files: Iterable[tuple[str, ItemFacts]]) -> Catalogue:
        out = cls()
        for position, (path, facts) in enumerate(files):
            out.paths.append(path)
            out.ids.append(facts.id)
            out.dates.append(facts.date.toordinal())
            out.urls.append(facts.url_key)
            out.events.append(facts.event)
            for a in facts.assessments:
                out.owners.append(position)
                out.nodes.append(a.recommendation)
                out.impacts.append(a.impact)
        return out

    def pack(self) -> tuple:
        return (
            self.paths,
            self.ids,
            self.dates,
            self.urls,
            self.events,
            self.owners,
            self.nodes,
            self.impacts,
        )

    @classmethod
    def unpack(cls, packed: tuple) -> Catalogue:
        """What `pack` stored; raises (TypeError, ValueError) on anything else."""
        out = cls(*(list(column) for column in packed))
        items = len(out.paths)
        if not all(len(c) == items for c in (out.ids, out.dates, out.urls, out.events)):
            raise ValueError("item columns of unequal length")
        if not len(out.owners) == len(out.nodes) == len(out.impacts):
            raise ValueError("assessment columns of unequal length")
        if out.owners and not 0 <= min(out.owners) <= max(out.owners) < items:
            raise ValueError("an assessment of no item")
        return out

    def __len__(self) -> int:
        return len(self.paths)

    def timelines(self) -> dict[str, list[Row]]:
        """Each node's rows, newest first (ties by id, as `tracker explain` lists them)."""
        days: dict[int, dt.date] = {}
        by_node: dict[str, list[Row]] = {}
        for owner, node_id, impact in zip(self.owners, self.nodes, self.impacts, strict=True):
            ordinal = self.dates[owner]
            day = days.get(ordinal)
            if day is None:
                day = days[ordinal] = dt.date.fromordinal(ordinal)
            row = Row(day, self.ids[owner], self.paths[owner], node_id, impact)
            by_node.setdefault(node_id, []).append(row)
        for rows in by_node.values():
            rows.sort(key=lambda r: (r.date, r.evidence_id), reverse=True)
        return by_node

    def path_of(self, evidence_id: str) -> str | None:
        """The file of the first item with this id (a duplicate id is a finding of its own)."""
        try:
            return self.paths[self.ids.index(evidence_id)]
        except ValueError:
            return None

    def same_event(self, path: str) -> list[str]:
        """The files of the other items of this file's event (`EvidenceItem.event_key`: the
        event named, else the item's own id)."""
        try:
            position = self.paths.index(path)
        except ValueError:
            return []
        key = self.events[position] or self.ids[position]
        return [
            p
            for p, event, evidence_id in zip(self.paths, self.events, self.ids, strict=True)
            if (event or evidence_id) == key and p != path
        ]

    def taken(self, exclude: Iterable[str] = ()) -> tuple[dict[str, str], dict[str, str]]:
        """Ids and URL keys already used, each with the first file using it: what a new or
        edited item must not repeat (`store.duplicate_problems`)."""
        skip = set(exclude)
        ids: dict[str, str] = {}
        urls: dict[str, str] = {}
        for path, evidence_id, url in zip(self.paths, self.ids, self.urls, strict=True):
            if path in skip:
                continue
            ids.setdefault(evidence_id, path)
            if url is not None:
                urls.setdefault(url, path)
        return ids, urls
