"""Reading many evidence files in worker processes: a cold load of a large project is parsing,
and two cores parse twice as fast as one.

Each worker reads a chunk of files and sends back what a load keeps, packed as plain values
(`filecache.pack`): quick to send, and ready to be stored as cache rows without encoding them
again. The chunks are cut small enough that both workers finish together.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path

from tracker.speed.filecache import Packed, pack
from tracker.store.reader import read_evidence

PARALLEL_FROM = 2000  # below this many files, starting workers costs more than it saves
CHUNK = 400


def read_packed(root: Path, rels: list[str]) -> list[Packed]:
    """Read, check and pack files in this process."""
    return [pack(read_evidence(root, rel)) for rel in rels]


def _read_chunk(root: str, rels: list[str]) -> list[Packed]:
    gc.disable()  # a worker makes many small objects and keeps none: no cycles to find
    return read_packed(Path(root), rels)


def workers() -> int:
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        count = os.cpu_count() or 1
    return min(count, 8)


def read_parallel(
    root: Path,
    rels: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> list[Packed] | None:
    """The packed results of `rels` in order, read by worker processes; None when there are
    too few files to be worth it, or worker processes cannot start here."""
    count = workers()
    if len(rels) < PARALLEL_FROM or count < 2:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    size = max(50, min(CHUNK, len(rels) // (count * 8) or 1))
    chunks = [rels[i : i + size] for i in range(0, len(rels), size)]
    done = 0
    total = len(rels)
    if progress is not None:
        progress(0, total)
    method = "fork" if sys.platform == "linux" else "spawn"
    try:
        context = multiprocessing.get_context(method)
        results: list[list[Packed] | None] = [None] * len(chunks)
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            futures = {
                pool.submit(_read_chunk, os.fspath(root), chunk): i
                for i, chunk in enumerate(chunks)
            }
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                done += len(chunks[index])
                if progress is not None:
                    progress(done, total)
    except (OSError, RuntimeError, ImportError):
        return None
    return [packed for chunk in results for packed in chunk or ()]
