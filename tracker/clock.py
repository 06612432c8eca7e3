"""Today's date, in one place, so tests and benchmarks can pin it (TRACKER_TODAY=YYYY-MM-DD)."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    pinned = os.environ.get("TRACKER_TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.date.today()
