"""The one base of every error tracker raises on purpose.

Each carries a message written for the analyst (what went wrong, what to do); the faces decide
how to show it and which exit code it means. Anything else that escapes is a bug.
"""

from __future__ import annotations


class TrackerError(Exception):
    """An expected failure: bad input, a refused write, an unreachable address."""


class UsageError(TrackerError):
    """The command or call was used wrongly (a bad option, no project, a missing file)."""


class DataError(TrackerError):
    """The data stops the work (a broken file, a changed file, a failed check)."""
