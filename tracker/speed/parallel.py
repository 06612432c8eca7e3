"""Reading many evidence files in worker processes: a cold load of a large project is parsing,
and two cores parse twice as fast as one.

Each worker reads a chunk of files and sends back only what a load keeps (findings, facts,
digests), not the items; the chunks are cut small enough that both ends finish together.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path

from tracker.store.reader import EvidenceResult, read_evidence

PARALLEL_FROM = 2000  # below this many files, starting workers costs more than it saves
CHUNK = 400


def _read_chunk(root: str, rels: list[str]) -> list[EvidenceResult]:
    gc.disable()  # a worker makes many small objects and keeps none: no cycles to find
    base = Path(root)
    out = []
    for rel in rels:
        result = read_evidence(base, rel)
        result.item = None  # the parent keeps no items: do not send them back
        out.append(result)
    return out


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
) -> list[EvidenceResult] | None:
    """The results of `rels` in order, read by worker processes and this one; None when
    worker processes cannot start here (the caller reads them itself)."""
    count = workers()
    if len(rels) < PARALLEL_FROM or count < 2:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = max(50, min(CHUNK, len(rels) // (count * 8) or 1))
    chunks = [rels[i : i + size] for i in range(0, len(rels), size)]
    done = 0
    total = len(rels)
    if progress is not None:
        progress(0, total)
    method = "fork" if sys.platform == "linux" else "spawn"
    try:
        context = multiprocessing.get_context(method)
        results: list[list[EvidenceResult] | None] = [None] * len(chunks)
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            futures = {
                pool.submit(_read_chunk, os.fspath(root), c): i for i, c in enumerate(chunks)
            }
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                done += len(chunks[index])
                if progress is not None:
                    progress(done, total)
    except (OSError, RuntimeError, ImportError):
        return None
    return [r for chunk in results for r in chunk or ()]
