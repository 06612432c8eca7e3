"""Run `tracker` as `python -m tracker` would, then record the process's own peak resident
memory in the file named by BENCH_RSS_FILE.

The peak that `wait4` reports for a command is the largest of the command and its worker
processes, and a worker forked from a large process counts the pages it shares with it: a
cold load looks bigger than it is. This is the command's own figure, beside that one.
"""

from __future__ import annotations

import os
import resource
import sys

from tracker.cli import main

if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except SystemExit as err:  # argparse's --help and usage errors
        code = err.code if isinstance(err.code, int) else 1
    target = os.environ.get("BENCH_RSS_FILE")
    if target:
        with open(target, "w") as handle:
            handle.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    sys.stdout.flush()
    sys.exit(code)
