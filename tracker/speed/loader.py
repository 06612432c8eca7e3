"""The speed layer around the store's loader: cached results for unchanged files, worker
processes for many changed ones. Switch it off and `tracker.store.reader.read_all` does the
same work, the same way, one file after another; the tests hold the two equal.

The cache's rows can be read and unpacked (`Warm.read`) before the listing of `evidence/`
is known: while the head start lists the folder on the other core, this one unpacks rows,
and the listing then only decides which of them still hold.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker.speed import filecache
from tracker.speed.filecache import Packed, unpack
from tracker.speed.parallel import read_packed, read_parallel
from tracker.speed.stamps import Stamp, stamps
from tracker.store.listing import Listing
from tracker.store.reader import EvidenceResult


@dataclass
class LoadStats:
    """What a load did: rows used as they were, rows verified by content, files read."""

    hits: int = 0
    verified: int = 0
    read: int = 0
    cache: bool = False


# What a load without facts gives for a cached file that yields an item (`Warm.read`): the
# workspace keeps such a file's path and sha256, and no facts.
NO_FACTS: Any = object()


class Warm:
    """The load cache of one project, its rows read and unpacked: (stamp, checked, newest,
    what the file yielded, or None for a row tracker did not write) by path.

    Read without `facts`, a row yields only the file's identity (its sha256s, and a stand-in
    for the facts when it yields an item: `NO_FACTS`), and no findings: what import and
    suggest need (which files are there, by content), without decoding 100,000 rows."""

    def __init__(self, store: filecache.FileCache, rows: dict[str, tuple]) -> None:
        self.store = store
        self.rows = rows

    @classmethod
    def read(cls, root: Path, *, facts: bool = True) -> Warm:
        store = filecache.FileCache(root)
        rows = {}
        if not facts:
            for rel, stamp, checked, newest, sha256, archive, item in store.identities().values():
                if isinstance(sha256, str) and (archive is None or isinstance(archive, str)):
                    found = (sha256, archive, NO_FACTS if item else None, [])
                    rows[rel] = (stamp, checked, newest, found)
                else:
                    rows[rel] = (stamp, checked, newest, None)
            return cls(store, rows)
        for rel, (_, stamp, checked, newest, text, crc) in store.entries().items():
            try:
                rows[rel] = (stamp, checked, newest, unpack(rel, text, crc))
            except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError):
                rows[rel] = (stamp, checked, newest, None)  # a row tracker did not write
        return cls(store, rows)


def load(
    root: Path,
    rels: list[str],
    listing: Listing,
    *,
    cache: bool = True,
    workers: bool = True,
    progress: Callable[[int, int], None] | None = None,
    stats: LoadStats | None = None,
    warm: Warm | None = None,
    stamped: dict[str, Stamp] | None = None,
) -> list[EvidenceResult]:
    """One result per evidence file in `rels` (in order). `listing` carries each file's stat
    (`list_evidence(stat=True)`) when `cache` is on, unless `stamped` brings their stamps
    (the head start's); `warm`, the cache already read (it is closed here)."""
    stats = stats if stats is not None else LoadStats()
    if not cache:
        if warm is not None:
            warm.store.close()
        stats.read = len(rels)
        return _results(root, rels, workers, progress)
    stats.cache = True
    warm = warm if warm is not None else Warm.read(root)
    try:
        if stamped is None:
            stamped = stamps(listing)
        return _cached(root, rels, stamped, warm, workers, progress, stats)
    finally:
        warm.store.close()


def _read(
    root: Path,
    rels: list[str],
    workers: bool,
    progress,
    each: Callable[[int, list[Packed]], None],
) -> None:
    """Every file of `rels` read, checked and packed, handed on chunk by chunk as
    `each(start, packed)` (in any order; a chunk again when worker processes broke)."""
    if workers and read_parallel(root, rels, progress, each) is not None:
        return
    total = len(rels)
    for start in range(0, total, 250):
        if progress is not None:
            progress(start, total)
        each(start, read_packed(root, rels[start : start + 250]))
    if progress is not None and total:
        progress(total, total)


def _results(root: Path, rels: list[str], workers: bool, progress) -> list[EvidenceResult]:
    out: list[Any] = [None] * len(rels)

    def each(start: int, packed: list[Packed]) -> None:
        for index, (text, crc) in enumerate(packed, start):
            rel = rels[index]
            sha256, archive_sha256, facts, problems = unpack(rel, text, crc)
            out[index] = EvidenceResult(rel, sha256, problems, facts, None, archive_sha256)

    _read(root, rels, workers, progress, each)
    return out


def _cached(
    root: Path,
    rels: list[str],
    stamped: dict[str, Stamp],
    warm: Warm,
    workers: bool,
    progress,
    stats: LoadStats,
) -> list[EvidenceResult]:
    rows = warm.rows
    base = os.path.join(root, "")
    results: list[EvidenceResult | None] = [None] * len(rels)
    misses: list[int] = []
    checked: list[str] = []
    now = time.time()
    racy = filecache.RACY_SECONDS
    get_stamp = stamped.get
    get_row = rows.get
    for index, rel in enumerate(rels):
        known = get_stamp(rel)
        row = get_row(rel)
        if known is None or row is None or row[0] != known[0] or row[3] is None:
            misses.append(index)  # changed, new, gone, or a row tracker did not write: read it
            continue
        sha256, archive_sha256, facts, problems = row[3]
        if row[2] >= row[1] - racy:  # changed within the tick it was checked in: verify
            if not filecache.still_true(sha256, archive_sha256, base + rel):
                misses.append(index)
                continue
            stats.verified += 1
            if now - row[2] > racy:
                checked.append(rel)
        results[index] = EvidenceResult(rel, sha256, problems, facts, None, archive_sha256)
    stats.read = len(misses)
    stats.hits = len(rels) - len(misses)
    missed = [rels[i] for i in misses]
    writer = warm.store.writer()
    row = filecache.row

    def each(start: int, packed: list[Packed]) -> None:
        """Unpack and store a chunk while the workers read the next ones."""
        written: list[tuple] = []
        for offset, found in enumerate(packed, start):
            index = misses[offset]
            rel = rels[index]
            sha256, archive_sha256, facts, problems = unpack(rel, *found)
            results[index] = result = EvidenceResult(
                rel, sha256, problems, facts, None, archive_sha256
            )
            known = get_stamp(rel)
            if sha256 and known is not None:  # an unreadable file keys no row
                written.append(row(rel, known[0], now, known[1], found, result))
        writer.put(written)

    try:
        if misses:
            _read(root, missed, workers, progress, each)
        present = set(rels)
        writer.finish(drop=[rel for rel in rows if rel not in present], checked=checked)
    finally:
        writer.abort()  # what `finish` did not commit (an interruption)
    return [r for r in results if r is not None]
