"""The load cache: a warm run reads and validates only the evidence files that changed.

Each entry is keyed by the file's path, size and modification time, and by those of its
archived copy, and holds the whole per-file result: the validated item *and* its problems, so a
cache hit never hides an error. The cache lives in `.tracker-cache/` (ignored by git), is
written atomically, and is ignored whole when it is corrupt, foreign, or from another version
of tracker. Entries for files modified in the last seconds are not kept: a second edit in the
same clock tick could keep size and time unchanged (git calls this "racy").
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tracker.speed.cachefile import read_cache_file, write_cache_file
from tracker.store import FileResult, load_evidence_file

CACHE_FILE = "evidence.pickle"
MAGIC = b"tracker-load-cache\n"
RACY_SECONDS = 2.0

Key = tuple[int, int, int, int]


def _version_tag() -> str:
    import pydantic

    from tracker import __version__
    from tracker.domain.model import SCHEMA_VERSION

    return f"tracker {__version__} schema {SCHEMA_VERSION} pydantic {pydantic.VERSION} v3"


def cache_path(root: Path) -> Path:
    from tracker.store import CACHE_DIR

    return root / CACHE_DIR / CACHE_FILE


def _read(path: Path) -> dict[str, tuple[Key, object]]:
    payload = read_cache_file(path, MAGIC)
    if not isinstance(payload, dict) or payload.get("version") != _version_tag():
        return {}
    entries = payload.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write(path: Path, entries: dict[str, tuple[Key, object]]) -> None:
    data = MAGIC + pickle.dumps(
        {"version": _version_tag(), "entries": entries}, protocol=pickle.HIGHEST_PROTOCOL
    )
    write_cache_file(path, data, ".cache-")


def _key(path: str) -> tuple[Key, float] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    try:
        txt = os.stat(path[:-5] + ".txt")
        archive = (txt.st_size, txt.st_mtime_ns)
        newest = max(st.st_mtime, txt.st_mtime)
    except OSError:
        archive = (-1, -1)
        newest = st.st_mtime
    return (st.st_size, st.st_mtime_ns, *archive), newest


def _key_from(stats: Mapping[str, tuple[int, int]], rel: str) -> tuple[Key, float] | None:
    """The same key from the sizes and times a scan already took: no second stat per file."""
    own = stats.get(rel)
    if own is None or own[0] < 0:
        return None
    archive = stats.get(rel[:-5] + ".txt", (-1, -1))
    return (*own, *archive), max(own[1], archive[1]) / 1e9


def load_files(
    root: Path,
    rels: list[str],
    loader: Callable,
    *,
    enabled: bool = True,
    progress: Callable[[int, int], None] | None = None,
    stats: Mapping[str, tuple[int, int]] | None = None,
    items: bool = True,
    complete: bool = True,
    meanwhile: Callable[[], None] | None = None,
) -> list[FileResult]:
    """One loader result per path (relative, posix), in order; cached where unchanged.

    `stats`: each entry's size and modification time as a scan found them (see
    `scan.evidence_state`), to key the files without a second stat each. `items=False`
    (only without the cache): worker processes need not send the items back, only findings
    and facts. `complete=False`: `rels` are some of the files, not all, so the entries of the
    others stay in the cache (a complete load drops those of files that are gone).
    `meanwhile`: work of the caller's to do while worker processes read (see `_load_all`).
    """
    if not enabled:
        return _load_all(root, rels, loader, progress, items, meanwhile)
    location = cache_path(root)
    old = _read(location)
    fresh: dict[str, tuple[Key, tuple]] = {}
    results: list = [None] * len(rels)
    misses: list[int] = []
    keys: list[tuple[Key, float] | None] = []
    base = os.fspath(root)
    for index, rel in enumerate(rels):
        key = _key_from(stats, rel) if stats is not None else _key(os.path.join(base, rel))
        keys.append(key)
        hit = old.get(rel)
        if key is not None and hit is not None and hit[0] == key[0]:
            try:
                results[index] = FileResult.from_plain(hit[1])
            except Exception:  # a damaged entry is a miss
                misses.append(index)
                continue
            fresh[rel] = hit
        else:
            misses.append(index)
    now = time.time()
    loaded = _load_all(root, [rels[i] for i in misses], loader, progress, True, meanwhile)
    for index, result in zip(misses, loaded, strict=True):
        results[index] = result
        key = keys[index]
        if key is not None and now - key[1] > RACY_SECONDS:
            fresh[rels[index]] = (key[0], result.to_plain())
    if not complete:  # a part of the files: keep the others' entries
        fresh = {**old, **fresh}
    if misses or len(fresh) != len(old):
        _write(location, fresh)
    return results


PARALLEL_FROM = 3000  # below this many files, starting workers costs more than it saves
CHUNK = 500  # the most files in one chunk; fewer when there are few files (`_chunk_size`)


def _load_all(
    root: Path, rels: list[str], loader: Callable, progress, items: bool, meanwhile=None
) -> list[FileResult]:
    """Read and validate files: in worker processes for a large cold load, else here.

    `meanwhile` runs once the workers have their files: the caller's own imports then use
    the time this process would spend waiting, instead of following the load.
    """
    total = len(rels)
    workers = min(os.cpu_count() or 1, 8)
    if total >= PARALLEL_FROM and workers > 1 and loader is load_evidence_file:
        try:
            return _load_parallel(root, rels, workers, progress, items, meanwhile)
        except (OSError, RuntimeError, ImportError):  # no worker processes here: do it alone
            pass
    results = []
    for index, rel in enumerate(rels):
        results.append(loader(root, root / rel, rel=rel))
        if progress is not None and index % 250 == 0:
            progress(index, total)
    if progress is not None and total:
        progress(total, total)
    return results


def _load_chunk(root: Path, rels: list[str], items: bool) -> list[tuple]:
    gc.disable()
    base = os.path.join(root, "")  # plain strings: a Path per file costs a few percent
    return [load_evidence_file(root, base + rel, rel=rel).to_plain(with_item=items) for rel in rels]


def _load_parallel(
    root: Path, rels: list[str], workers: int, progress, items: bool, meanwhile=None
) -> list[FileResult]:
    """The files in chunks, read by `workers - 1` worker processes and by this one.

    The workers take chunks from the first; this process, once `meanwhile` is done, takes
    them from the last, each one no worker has started (its future is cancelled there), until
    the two meet. It would otherwise only wait, and what it reads itself is never pickled.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = _chunk_size(len(rels), workers)
    chunks = [rels[i : i + size] for i in range(0, len(rels), size)]
    total = len(rels)
    done = 0
    if progress is not None:
        progress(0, total)  # a bar can show before the first chunk comes back
    read: list[list[FileResult] | None] = [None] * len(chunks)
    base = os.path.join(root, "")
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        futures = [pool.submit(_load_chunk, root, chunk, items) for chunk in chunks]
        if meanwhile is not None:  # with fork, the first submit started every worker
            meanwhile()
        for index in range(len(chunks) - 1, -1, -1):
            if not futures[index].cancel():  # a worker has it: the rest are theirs
                break
            read[index] = [
                FileResult.from_plain(
                    load_evidence_file(root, base + rel, rel=rel).to_plain(with_item=items)
                )
                for rel in chunks[index]
            ]
            done += len(chunks[index])
            if progress is not None:
                progress(done, total)
        for index, future in enumerate(futures):
            if read[index] is None:
                read[index] = [FileResult.from_plain(plain) for plain in future.result()]
                done += len(chunks[index])
                if progress is not None:
                    progress(done, total)
    return [result for chunk in read for result in chunk or ()]


def _chunk_size(total: int, workers: int) -> int:
    """About forty chunks a process, so that the two ends meet evenly (a worker may hold two
    chunks when they do), and at most CHUNK files each, so that little is sent at once."""
    return max(1, min(CHUNK, total // (workers * 40)))


def clear(root: Path) -> bool:
    """Remove the cache file; True when there was one."""
    try:
        cache_path(root).unlink()
        return True
    except FileNotFoundError:
        return False
