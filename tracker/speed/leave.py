"""A finished command leaves its objects to the operating system instead of freeing them.

A command that loaded 100,000 items holds a few hundred thousand objects when it is done.
Freeing them one by one, and the collector's pass over them at interpreter shutdown, takes
0.2 s of a warm `changes` (2.29 s -> 2.09 s at 100,000 items, `bench/run.py`): memory the
operating system takes back at once when the process ends.

Only the console entry point (`tracker.cli.entry`) turns this on; `main()` called by a
process that goes on (tests, another program) frees its objects as usual. The command's
workspace is kept (`keep`) until the end, so that returning from the command frees nothing;
`leave` then flushes the output, runs the exit handlers (worker pools, temporary folders)
and ends the process. Everything the command writes is written, synced and renamed before
the command returns, so nothing waits for an exit to be finished.
`TRACKER_FAST_EXIT=0` switches it off.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

ENV = "TRACKER_FAST_EXIT"

_enabled = False
_kept: list[object] = []


def enable() -> None:
    """This process ends when its command does (the console entry point)."""
    global _enabled
    _enabled = os.environ.get(ENV) != "0"


def keep(value: object) -> None:
    """Hold `value` until the process ends, when leaving fast (a no-op otherwise)."""
    if _enabled:
        _kept.append(value)


def leave(code: int) -> None:
    """End the process with `code`: at once when enabled, after the output is flushed and
    the exit handlers have run; the usual way otherwise. Never returns."""
    if not _enabled:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed (`>&-`)
            continue
        with contextlib.suppress(OSError, ValueError):  # a reader gone (`| head`), closed
            stream.flush()
    try:
        atexit._run_exitfuncs()
    finally:
        os._exit(code)
