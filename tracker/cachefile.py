"""What the two caches (evidence load, same-event index) share: writing a cache file safely,
and pausing the garbage collector while many acyclic objects are made."""

from __future__ import annotations

import contextlib
import gc
import os
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
