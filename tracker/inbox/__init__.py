"""The inbox: new articles from the feeds a team follows, triaged against the paper.

- `config`: the `[inbox]` table of tracker.toml (the feeds) and its findings for `tracker check`;
- `parse`: a feed's bytes to entries (RSS, Atom, JSON Feed), hostile input refused in a line;
- `fetching`: feeds fetched politely (conditional, bounded, a few at once), article pages;
- `triage`: each new entry's date, suggestions and same-event candidates;
- `stories`: reports of one event from several outlets grouped as one story;
- `store`: the analyst's inbox, in SQLite in their state folder (never in the project);
- `queue`: the stories as rows, best first;
- `service`: `Inbox`, what the command line, the workbench and the tests call.

Nothing is imported until it is used: `tracker --help` never pays for feedparser.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "FeedSpec": "config",
    "InboxSettings": "config",
    "config_problems": "config",
    "read_settings": "config",
    "FeedError": "parse",
    "parse_feed": "parse",
    "Inbox": "service",
    "FetchReport": "service",
    "InboxRow": "queue",
    "inbox_path": "store",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker.inbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tracker.inbox.{module}"), name)
