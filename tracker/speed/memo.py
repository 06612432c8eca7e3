"""Results computed from the whole load, remembered from one run to the next: the findings
across files, and the scores and explanations of a period (`tracker changes`).

Both need every item at once (a duplicate id, URL or event; every reading of a node), so the
load cache cannot keep them per file; but they follow from the files' content, the paper,
tracker.toml and the request alone. A digest of those keys the memo: a run in which nothing
changed (or files were only touched) reads the result back instead of computing it from
100,000 items again (the findings: 0.2 s of a warm `status`; the period of `changes` over
ten years: 0.76 s); an edit, another paper, another day or another request computes afresh
and remembers the new result. A status table's bare figures are not remembered: they cost
the scoring pass alone, and a run after an edit should cost what a run with nothing changed
does.

Kept in the load cache's database (`filecache`), under its fingerprint of the code: a change
to the checks forgets the memo with the rows; the scores' key holds a fingerprint of the
scoring code besides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.domain.problems import Code, Problem
from tracker.speed.filecache import FileCache

if TYPE_CHECKING:
    from tracker.domain.scoring import NodeScore

NAME = "cross-file"
SCORES = "scores "  # one memo row per period asked, all under the digest of one project state
SCORES_KEPT = 8  # requests remembered for that state (the latest)
SCORES_MAX_CHARS = 16 << 20  # a larger result is not kept: reading it back would cost about
# what computing it does

# The modules whose code decides the scores, beside those the load cache's fingerprint covers.
_SCORING_SOURCES = (
    "tracker.domain.config",
    "tracker.domain.scoring",
    "tracker.domain.scoring.engine",
    "tracker.domain.scoring.readings",
    "tracker.domain.scoring.words",
    "tracker.speed.memo",
)
_SCORING_FINGERPRINT: str | None = None


def files_digest(files: Sequence[tuple[str, str]]) -> str:
    """A digest of every item file's content, (path, sha256) in load order: what both memos
    follow from, computed once per load."""
    text = "\n".join(f"{path}\t{sha}" for path, sha in files)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def cross_file_problems(
    root: Path,
    *,
    paper_sha256: str | None,
    today: str,
    files: str,
    compute: Callable[[], list[Problem]],
) -> list[Problem]:
    """`compute()`, or what it returned last time for the same paper, day and files (their
    `files_digest`)."""
    key = hashlib.sha256(f"{paper_sha256}\n{today}\n{files}".encode()).hexdigest()
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


# --- scores --------------------------------------------------------------------------------


def project_state(paper_sha256: str | None, config_json: str, files: str) -> str:
    """A digest of what every score follows from: the paper, the scoring parameters and each
    item file's content (their `files_digest`)."""
    return hashlib.sha256(f"{paper_sha256}\n{config_json}\n{files}".encode()).hexdigest()


def period(
    root: Path,
    *,
    state: Callable[[], str],
    since: dt.date,
    until: dt.date,
    limit: int,
    compute: Callable[[], tuple[dict[str, NodeScore], dict[str, NodeScore]]],
) -> tuple[dict[str, NodeScore], dict[str, NodeScore]]:
    """`compute()` (a period's figures at its start, and every node explained at its end with
    its largest `limit` contributions of the period), or what it returned for the same period
    on the same `state()` (`project_state`; asked only here). A result larger than
    `SCORES_MAX_CHARS` is not kept."""
    from pydantic import TypeAdapter, ValidationError

    from tracker.domain.scoring import NodeScore

    adapter = TypeAdapter(tuple[dict[str, NodeScore], dict[str, NodeScore]])
    request = json.dumps(["period", str(since), str(until), limit])
    name = SCORES + hashlib.sha256(request.encode()).hexdigest()
    key = f"{_scoring_fingerprint()} {state()}"
    store = FileCache(root)
    try:
        text = store.remembered(name, key)
        if text is not None:
            try:  # validated as any input is: a text tracker did not write is a miss
                return adapter.validate_json(text)
            except (ValidationError, ValueError):
                pass
        result = compute()
        text = adapter.dump_json(result).decode("utf-8")
        if len(text) <= SCORES_MAX_CHARS:
            store.remember(name, key, text, among=SCORES, kept=SCORES_KEPT)
        return result
    finally:
        store.close()


def _scoring_fingerprint() -> str:
    global _SCORING_FINGERPRINT
    if _SCORING_FINGERPRINT is None:
        import importlib
        import inspect

        from tracker.speed.filecache import fingerprint

        digest = hashlib.sha256(fingerprint().encode())
        for name in _SCORING_SOURCES:
            try:
                digest.update(inspect.getsource(importlib.import_module(name)).encode())
            except (OSError, TypeError):  # no source shipped: the load cache's version stands
                digest.update(name.encode())
        _SCORING_FINGERPRINT = digest.hexdigest()[:32]
    return _SCORING_FINGERPRINT
