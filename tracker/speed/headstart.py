"""The listing's head start: `evidence/` is listed and stat'ed by a forked process while the
command imports its modules and reads the load cache, instead of after.

At 100,000 items the listing (130,000 entries, one `stat` each) is 0.35-0.45 s of a warm
run; started at once beside the command, it runs on the other core while this one imports
and unpacks the load cache's rows (`loader.Warm`), and is ready when the load needs it. The
child sends its listing back as JSON through a pipe (never anything it could run) and exits;
the parent takes it once, for this command only, and lists the folder itself if anything
went wrong. `TRACKER_HEADSTART=0` switches it off (a warm `status` at 100,000 items: 2.7 s
without it, 2.3 s with it, measured when the rows were unpacked beside it).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path

import orjson

from tracker.speed.stamps import Stamp, stamps
from tracker.store.listing import Listing, list_evidence

_started: dict[str, tuple[int, int]] = {}


def start(root: Path) -> None:
    """Fork the listing of `root` (Linux, a single-threaded process only)."""
    key = os.fspath(root)
    if (
        key in _started
        or sys.platform != "linux"
        or threading.active_count() != 1
        or os.environ.get("TRACKER_HEADSTART") == "0"
    ):
        return
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return
    if pid == 0:  # the child: list, send, leave (no exit handler of the parent runs here)
        try:
            os.close(read_end)
            found = list_evidence(root, stat=True)
            stamped = stamps(found)
            payload = [found.files, sorted(found.links), [stamped.get(f) for f in found.files]]
            with os.fdopen(write_end, "wb") as out:
                out.write(orjson.dumps(payload))
        finally:
            os._exit(0)
    os.close(write_end)
    _started[key] = (pid, read_end)


def take(root: Path) -> tuple[Listing, dict[str, Stamp]] | None:
    """The listing started for `root` (without its stats) and the stamps of its evidence
    files, or None (not started, or it failed)."""
    started = _started.pop(os.fspath(root), None)
    if started is None:
        return None
    pid, read_end = started
    try:
        with os.fdopen(read_end, "rb") as source:
            files, links, stamped = orjson.loads(source.read())
        listing = Listing(files, set(links))
        return listing, {f: tuple(s) for f, s in zip(files, stamped, strict=True) if s is not None}
    except (OSError, ValueError, TypeError):
        return None
    finally:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def forget() -> None:
    """Drop head starts no one took (a command that failed before its load)."""
    for key in list(_started):
        take(Path(key))
