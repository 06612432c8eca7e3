"""The speed layer around the store's loader: cached results for unchanged files, worker
processes for many changed ones. Switch it off and `tracker.store.reader.read_all` does the
same work, the same way, one file after another; the tests hold the two equal.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracker.speed import filecache
from tracker.speed.parallel import read_parallel
from tracker.store.layout import Listing, archive_rel
from tracker.store.reader import EvidenceResult, read_all


@dataclass
class LoadStats:
    """What a load did: rows used as they were, rows verified by content, files read."""

    hits: int = 0
    verified: int = 0
    read: int = 0
    cache: bool = False


def load(
    root: Path,
    rels: list[str],
    listing: Listing,
    *,
    cache: bool = True,
    workers: bool = True,
    progress: Callable[[int, int], None] | None = None,
    stats: LoadStats | None = None,
) -> list[EvidenceResult]:
    """One result per evidence file in `rels` (in order). `listing` carries each file's stat
    (`list_evidence(stat=True)`) when `cache` is on."""
    stats = stats if stats is not None else LoadStats()
    if not cache:
        stats.read = len(rels)
        return _read(root, rels, workers, progress)
    stats.cache = True
    store = filecache.FileCache(root)
    try:
        return _cached(root, rels, listing, store, workers, progress, stats)
    finally:
        store.close()


def _read(root: Path, rels: list[str], workers: bool, progress) -> list[EvidenceResult]:
    if workers:
        found = read_parallel(root, rels, progress)
        if found is not None:
            return found
    results = read_all(root, rels, progress)
    for result in results:
        result.item = None  # a load keeps facts, not items: the same whichever way it read
    return results


def _cached(
    root: Path,
    rels: list[str],
    listing: Listing,
    store: filecache.FileCache,
    workers: bool,
    progress,
    stats: LoadStats,
) -> list[EvidenceResult]:
    entries = store.entries()
    stat_of = listing.stats
    base = os.path.join(root, "")
    results: list[EvidenceResult | None] = [None] * len(rels)
    misses: list[int] = []
    checked: list[str] = []
    stamps: list[tuple[str, float]] = []
    now = time.time()
    for index, rel in enumerate(rels):
        own = stat_of.get(rel)
        archive = stat_of.get(archive_rel(rel))
        stamp = filecache.stamp_of(own, archive)
        newest = filecache.newest_of(own, archive)
        stamps.append((stamp, newest))
        entry = entries.get(rel)
        if entry is None or entry.stamp != stamp or own is None or own[0] < 0:
            misses.append(index)
            continue
        if filecache.is_racy(entry):
            if not filecache.still_true(entry, base + rel):
                misses.append(index)
                continue
            stats.verified += 1
            if now - entry.newest > filecache.RACY_SECONDS:
                checked.append(rel)
        results[index] = EvidenceResult(
            rel, entry.sha256, list(entry.problems), entry.facts, None, entry.archive_sha256
        )
    stats.read = len(misses)
    stats.hits = len(rels) - len(misses)
    fresh = _read(root, [rels[i] for i in misses], workers, progress) if misses else []
    rows: list[tuple[str, filecache.Entry]] = []
    for index, result in zip(misses, fresh, strict=True):
        results[index] = result
        if not result.sha256:  # unreadable: nothing to key a row on
            continue
        stamp, newest = stamps[index]
        rows.append(
            (
                rels[index],
                filecache.Entry(
                    stamp,
                    now,
                    newest,
                    result.sha256,
                    result.archive_sha256,
                    result.problems,
                    result.facts,
                ),
            )
        )
    present = set(rels)
    gone = [rel for rel in entries if rel not in present]
    store.store(rows, drop=gone, checked=checked)
    return [r for r in results if r is not None]
