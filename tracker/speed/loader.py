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
from tracker.speed.filecache import Packed, pack, unpack
from tracker.speed.parallel import read_parallel
from tracker.store.listing import Listing
from tracker.store.reader import EvidenceResult, read_evidence


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
        return _results(rels, _read(root, rels, workers, progress))
    stats.cache = True
    store = filecache.FileCache(root)
    try:
        return _cached(root, rels, listing, store, workers, progress, stats)
    finally:
        store.close()


def _read(root: Path, rels: list[str], workers: bool, progress) -> list[Packed]:
    if workers:
        found = read_parallel(root, rels, progress)
        if found is not None:
            return found
    out: list[Packed] = []
    total = len(rels)
    for index, rel in enumerate(rels):
        out.append(pack(read_evidence(root, rel)))
        if progress is not None and index % 250 == 0:
            progress(index, total)
    if progress is not None and total:
        progress(total, total)
    return out


def _results(rels: list[str], packed: list[Packed]) -> list[EvidenceResult]:
    out = []
    for rel, (text, crc) in zip(rels, packed, strict=True):
        sha256, archive_sha256, facts, problems = unpack(rel, text, crc)
        out.append(EvidenceResult(rel, sha256, problems, facts, None, archive_sha256))
    return out


def _cached(
    root: Path,
    rels: list[str],
    listing: Listing,
    store: filecache.FileCache,
    workers: bool,
    progress,
    stats: LoadStats,
) -> list[EvidenceResult]:
    rows = store.entries()
    stat_of = listing.stats
    base = os.path.join(root, "")
    results: list[EvidenceResult | None] = [None] * len(rels)
    misses: list[int] = []
    checked: list[str] = []
    stamps: list[tuple[int, float] | None] = []
    now = time.time()
    racy = filecache.RACY_SECONDS
    none = filecache.NO_FILE
    for index, rel in enumerate(rels):
        own = stat_of.get(rel)
        if own is None or own[0] < 0:
            stamps.append(None)
            misses.append(index)
            continue
        archive = stat_of.get(rel[:-5] + ".txt", none)
        stamp = hash((*own, *archive))  # filecache.stamp_of, inline: it runs for every file
        stamps.append((stamp, max(own[1], archive[1]) / 1e9))
        row = rows.get(rel)
        if row is None or row[1] != stamp:
            misses.append(index)
            continue
        try:
            sha256, archive_sha256, facts, problems = unpack(rel, row[4], row[5])
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError):
            misses.append(index)  # a row tracker did not write: read the file
            continue
        if row[3] >= row[2] - racy:  # changed within the tick it was checked in: verify
            if not filecache.still_true(sha256, archive_sha256, base + rel):
                misses.append(index)
                continue
            stats.verified += 1
            if now - row[3] > racy:
                checked.append(rel)
        results[index] = EvidenceResult(rel, sha256, problems, facts, None, archive_sha256)
    stats.read = len(misses)
    stats.hits = len(rels) - len(misses)
    missed = [rels[i] for i in misses]
    fresh = _read(root, missed, workers, progress) if misses else []
    written: list[tuple] = []
    for index, result, packed in zip(misses, _results(missed, fresh), fresh, strict=True):
        results[index] = result
        known = stamps[index]
        if result.sha256 and known is not None:  # an unreadable file keys no row
            written.append(filecache.row(rels[index], known[0], now, known[1], packed))
    present = set(rels)
    gone = [rel for rel in rows if rel not in present]
    store.store(written, drop=gone, checked=checked)
    return [r for r in results if r is not None]
