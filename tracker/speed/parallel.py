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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tracker.speed.fasttoml import parser
from tracker.speed.filecache import Packed, pack
from tracker.store.reader import read_evidence

PARALLEL_FROM = 2000  # below this many files, starting workers costs more than it saves
CHUNK = 400


def read_packed(root: Path | str, rels: list[str]) -> list[Packed]:
    """Read, check and pack files in this process (TOML by the fast parser, `fasttoml`).
    The root as a str: a path joined to a Path costs 2 us more a file than to a str."""
    loads = parser()
    base = os.fspath(root)
    return [pack(read_evidence(base, rel, loads=loads)) for rel in rels]


def _read_chunk(root: str, rels: list[str]) -> list[Packed]:
    gc.disable()  # a worker makes many small objects and keeps none: no cycles to find
    return read_packed(root, rels)


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
    each: Callable[[int, list[Packed]], None] | None = None,
) -> list[Packed] | None:
    """The packed results of `rels` in order, read by worker processes; None when there are
    too few files to be worth it, or worker processes cannot start (or broke) here.
    `each(start, packed)` is called on each chunk as it comes (`start`: the index in
    `rels` of its first file), in whatever order the chunks finish: this process unpacks and
    stores what came while the workers read the rest; the list returned is then empty."""
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
                found = future.result()
                done += len(chunks[index])
                if each is not None:  # handed on, not kept: a cold load's texts go as they come
                    each(index * size, found)
                else:
                    results[index] = found
                if progress is not None:
                    progress(done, total)
    except (OSError, RuntimeError, ImportError):
        return None  # the caller reads them all itself (`each` again for the chunks done)
    return [packed for chunk in results for packed in chunk or ()]


# --- any job, in chunks ------------------------------------------------------------------------

_TASK: Callable[[list[Any]], list[Any]] | None = None  # the job forked workers inherit


def _run_task(chunk: list[Any]) -> list[Any]:
    gc.disable()  # as above: many small objects, none kept
    if _TASK is None:  # pragma: no cover - only a worker not forked from `in_workers`
        raise RuntimeError("no task in this worker")
    return _TASK(chunk)


def in_workers(
    task: Callable[[list[Any]], list[Any]],
    items: Sequence[Any],
    *,
    least: int = PARALLEL_FROM,
    chunk: int = CHUNK,
    smallest: int = 50,
) -> Iterator[Any] | None:
    """`task(chunk)` over `items` cut into chunks, in worker processes forked from this one,
    its results one by one in order, as they come; None when there are too few items, or no
    second core, or no fork here (the caller then runs the task itself). The task may be a
    closure over anything this process holds: the workers are forked, and inherit it. What
    it returns comes back through the pool's pipes (pickled between these processes only;
    nothing read from a project is ever unpickled). Chunks hold `smallest` items at least
    (a few large items, such as feeds, go one at a time with `smallest=1`)."""
    count = workers()
    if len(items) < least or count < 2 or sys.platform != "linux":
        return None
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover
        return None
    size = max(smallest, min(chunk, len(items) // (count * 8) or 1))
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    return _results(task, chunks, count, context)


def _results(task, chunks, count, context) -> Iterator[Any]:
    from concurrent.futures import ProcessPoolExecutor

    global _TASK
    _TASK = task
    try:
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            for done in pool.map(_run_task, chunks):
                yield from done
    finally:
        _TASK = None
