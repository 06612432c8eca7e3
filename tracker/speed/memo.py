"""The findings across files, remembered from one run to the next.

They need every item at once (a duplicate id, URL or event), so the load cache cannot keep
them per file; but they follow from the files' content, the paper and the day alone. A
digest of those keys the memo: a run in which nothing changed (or files were only touched)
reads the findings back instead of checking 100,000 items again (0.2 s of a warm `status`);
an edit, another paper or another day checks afresh and remembers the new findings.

Kept in the load cache's database (`filecache`), under its fingerprint of the code: a change
to the checks forgets the memo with the rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from tracker.domain.problems import Code, Problem
from tracker.speed.filecache import FileCache

NAME = "cross-file"


def cross_file_problems(
    root: Path,
    *,
    paper_sha256: str | None,
    today: str,
    files: Sequence[tuple[str, str]],
    compute: Callable[[], list[Problem]],
) -> list[Problem]:
    """`compute()`, or what it returned last time for the same paper, day and files
    ((path, sha256) of every item, in load order)."""
    digest = hashlib.sha256(f"{paper_sha256}\n{today}\n".encode())
    digest.update("\n".join(f"{path}\t{sha}" for path, sha in files).encode("utf-8", "replace"))
    key = digest.hexdigest()
    store = FileCache(root)
    try:
        text = store.remembered(NAME, key)
        if text is not None:
            found = _unpack(text)
            if found is not None:
                return found
        problems = compute()
        store.remember(NAME, key, _pack(problems))
        return problems
    finally:
        store.close()


def _pack(problems: list[Problem]) -> str:
    return json.dumps(
        [[p.path, str(p.code), p.message, p.line, p.severity] for p in problems],
        ensure_ascii=False,
    )


def _unpack(text: str) -> list[Problem] | None:
    """The findings back; None for a text tracker did not write."""
    try:
        return [Problem(p[0], Code(p[1]), p[2], p[3], p[4]) for p in json.loads(text)]
    except (ValueError, TypeError, IndexError, KeyError):
        return None
