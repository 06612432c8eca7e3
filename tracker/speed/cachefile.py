"""What the caches in `.tracker-cache/` share: reading and writing a cache file safely, and
pausing the garbage collector while many acyclic objects are made."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: while a load makes many objects (which hold no
    cycles) it would rescan them over and over, a third of a large load's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_cache_file(path: Path, header: bytes) -> object | None:
    """What `write_cache_file` stored after `header`, unpickled straight from the open file
    (reading it whole first would hold its bytes twice); None when absent, stale (another
    header), corrupt or foreign: a cache is ignored, never trusted."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(header)) != header:
                return None
            try:
                return pickle.load(handle)
            except Exception:  # damaged, cut short, or not a pickle of ours
                return None
    except OSError:
        return None


def write_cache_file(path: Path, data: bytes | Callable[[BinaryIO], None], prefix: str) -> None:
    """Replace a cache file atomically, in a folder that git ignores; a read-only project is
    no error (it is only slower next time). `data`: the bytes, or a function that writes
    them to the open file (a large file in pieces, without a second copy in memory)."""
    tmp = None
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n")
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                data(handle)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
