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
import signal
import sys
import threading
from pathlib import Path

import orjson

from tracker.speed.stamps import Stamp, stamps
from tracker.store.listing import Listing, list_evidence

_started: dict[str, tuple[int, int, int]] = {}


def start(root: Path, *, shares: int = 1) -> None:
    """Fork the listing of `root` (Linux, a single-threaded process only). With `shares` n
    above 1, the child lists n - 1 of every n folders below `evidence/` and this process
    lists the rest when it takes the listing: for a command with little else to do meanwhile
    (import, suggest); with 1, the child lists everything while this process unpacks the
    cache's rows."""
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
            files: list[str] = []
            links: set[str] = set()
            stamped: dict[str, Stamp] = {}
            for k in range(max(shares - 1, 1)):  # all shares but the last, which is the command's
                found = list_evidence(root, stat=True, share=(k, shares))
                files += found.files
                links |= found.links
                stamped.update(stamps(found))
            payload = [files, sorted(links), [stamped.get(f) for f in files]]
            with os.fdopen(write_end, "wb") as out:
                out.write(orjson.dumps(payload))
        finally:
            os._exit(0)
    os.close(write_end)
    _started[key] = (pid, read_end, shares)


_own: dict[str, Listing] = {}


def list_own_share(root: Path) -> None:
    """List this process's share of a listing started with `shares` above 1, now (before
    reading the cache, while the child lists the rest), for `take` to join."""
    key = os.fspath(root)
    started = _started.get(key)
    if started is None or started[2] < 2 or key in _own:
        return
    shares = started[2]
    _own[key] = list_evidence(root, stat=True, share=(shares - 1, shares))


def take(root: Path) -> tuple[Listing, dict[str, Stamp]] | None:
    """The listing started for `root` (without its stats) and the stamps of its evidence
    files, or None (not started, or it failed)."""
    started = _started.pop(os.fspath(root), None)
    if started is None:
        return None
    pid, read_end, shares = started
    try:
        own = []
        if shares > 1:
            mine = _own.pop(os.fspath(root), None)
            if mine is None:
                mine = list_evidence(root, stat=True, share=(shares - 1, shares))
            own = [mine]
        with os.fdopen(read_end, "rb") as source:
            files, links, stamped_list = orjson.loads(source.read())
        if len(stamped_list) != len(files):
            raise ValueError("a listing's stamps do not match its files")
        # [stamp, newest] lists as they came (the loader reads them by index); None where a
        # file has no stamp (a link, an archived copy, gone), which the loader takes as a miss.
        stamped = dict(zip(files, stamped_list, strict=True))
        listing = Listing(files, set(links))
        for part in own:
            listing.files += part.files
            listing.links |= part.links
            stamped.update(stamps(part))
        if own:
            listing.files.sort()
        return listing, stamped
    except (OSError, ValueError, TypeError):
        return None
    finally:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def forget() -> None:
    """Drop head starts no one took (a command that failed before its load, or a fetch that
    brought nothing new): their children are stopped, not waited for."""
    for key in list(_started):
        pid, read_end, _ = _started.pop(key)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(read_end)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    _own.clear()
