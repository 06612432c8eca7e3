"""The load cache: a warm run reads and validates only the evidence files that changed.

Each entry is keyed by the file's path, size and modification time, and by those of its
archived copy, and holds the whole per-file result: the validated item *and* its problems, so a
cache hit never hides an error. The cache lives in `.tracker-cache/` (ignored by git), is
written atomically, and is ignored whole when it is corrupt, foreign, or from another version
of tracker. Entries for files modified in the last seconds are not kept: a second edit in the
same clock tick could keep size and time unchanged (git calls this "racy").
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CACHE_FILE = "evidence.pickle"
MAGIC = b"tracker-load-cache\n"
RACY_SECONDS = 2.0

Key = tuple[int, int, int, int]


def _version_tag() -> str:
    import pydantic

    from tracker import __version__
    from tracker.model import SCHEMA_VERSION

    return f"tracker {__version__} schema {SCHEMA_VERSION} pydantic {pydantic.VERSION} v1"


def cache_path(root: Path) -> Path:
    from tracker.store import CACHE_DIR

    return root / CACHE_DIR / CACHE_FILE


def _read(path: Path) -> dict[str, tuple[Key, object]]:
    try:
        raw = path.read_bytes()
    except OSError:
        return {}
    if not raw.startswith(MAGIC):
        return {}
    try:
        payload = pickle.loads(raw[len(MAGIC) :])
    except Exception:  # a corrupt or foreign cache is ignored, never trusted
        return {}
    if not isinstance(payload, dict) or payload.get("version") != _version_tag():
        return {}
    entries = payload.get("entries")
    return entries if isinstance(entries, dict) else {}


def _write(path: Path, entries: dict[str, tuple[Key, object]]) -> None:
    data = MAGIC + pickle.dumps(
        {"version": _version_tag(), "entries": entries}, protocol=pickle.HIGHEST_PROTOCOL
    )
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
        fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:  # a read-only project still loads; it is only slower
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(tmp)


def _key(path: Path) -> tuple[Key, float] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    try:
        txt = path.with_suffix(".txt").stat()
        archive = (txt.st_size, txt.st_mtime_ns)
        newest = max(st.st_mtime, txt.st_mtime)
    except OSError:
        archive = (-1, -1)
        newest = st.st_mtime
    return (st.st_size, st.st_mtime_ns, *archive), newest


def load_files(
    root: Path,
    paths: list[Path],
    loader: Callable,
    *,
    enabled: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list:
    """One loader result per path, in order; from the cache where the file has not changed."""
    if not enabled:
        return _load_all(root, paths, loader, progress)
    location = cache_path(root)
    old = _read(location)
    fresh: dict[str, tuple[Key, object]] = {}
    results: list = [None] * len(paths)
    misses: list[int] = []
    keys: list[tuple[Key, float] | None] = []
    for index, path in enumerate(paths):
        rel = path.relative_to(root).as_posix()
        key = _key(path)
        keys.append(key)
        hit = old.get(rel)
        if key is not None and hit is not None and hit[0] == key[0]:
            results[index] = hit[1]
            fresh[rel] = hit
        else:
            misses.append(index)
    now = time.time()
    loaded = _load_all(root, [paths[i] for i in misses], loader, progress)
    for index, result in zip(misses, loaded, strict=True):
        results[index] = result
        key = keys[index]
        if key is not None and now - key[1] > RACY_SECONDS:
            fresh[paths[index].relative_to(root).as_posix()] = (key[0], result)
    if misses or len(fresh) != len(old):
        _write(location, fresh)
    return results


def _load_all(root: Path, paths: list[Path], loader: Callable, progress) -> list:
    total = len(paths)
    results = []
    for index, path in enumerate(paths):
        results.append(loader(root, path))
        if progress is not None and index % 250 == 0:
            progress(index, total)
    if progress is not None and total:
        progress(total, total)
    return results


def clear(root: Path) -> bool:
    """Remove the cache file; True when there was one."""
    try:
        cache_path(root).unlink()
        return True
    except FileNotFoundError:
        return False
