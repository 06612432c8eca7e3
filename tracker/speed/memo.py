"""Results computed from the whole load, remembered from one run to the next: the findings
across files, and the scores a command asked for.

Both need every item at once (a duplicate id, URL or event; every reading of a node), so the
load cache cannot keep them per file; but they follow from the files' content, the paper,
tracker.toml and the request alone. A digest of those keys the memo: a run in which nothing
changed (or files were only touched) reads the result back instead of computing it from
100,000 items again (the findings: 0.2 s of a warm `status`; the explanations of `changes`
over ten years: 0.45 s); an edit, another paper, another day or another request computes
afresh and remembers the new result.

Kept in the load cache's database (`filecache`), under its fingerprint of the code: a change
to the checks forgets the memo with the rows; the scores' key holds a fingerprint of the
scoring code besides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.domain.problems import Code, Problem
from tracker.speed.filecache import FileCache

if TYPE_CHECKING:
    from tracker.domain.scoring import NodeScore

NAME = "cross-file"
SCORES = "scores "  # one memo row per request, all under the digest of one state of the project
SCORES_KEPT = 8  # requests remembered for that state (the latest)
SCORES_MAX_CHARS = 16 << 20  # a larger result (every contribution of a large project) is not
# kept: reading it back would cost about what computing it does

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


# --- scores --------------------------------------------------------------------------------


def project_state(
    paper_sha256: str | None, config_json: str, files: Sequence[tuple[str, str]]
) -> str:
    """A digest of what every score follows from: the paper, the scoring parameters and each
    item file's content ((path, sha256), in load order)."""
    digest = hashlib.sha256(f"{paper_sha256}\n{config_json}\n".encode())
    digest.update("\n".join(f"{path}\t{sha}" for path, sha in files).encode("utf-8", "replace"))
    return digest.hexdigest()


def scores(
    root: Path,
    *,
    state: Callable[[], str],
    as_of: dt.date,
    since: dt.date | None,
    detail: Collection[str] | None,
    limit: int | None,
    exclusions: bool,
    recent_only: bool,
    compute: Callable[[], dict[str, NodeScore]],
) -> dict[str, NodeScore]:
    """`compute()`, or what it returned for the same explaining request on the same
    `state()` (`project_state`, asked only for a request that is remembered). Only
    explanations with a limit are remembered: they read items from disk and list every
    node's parts, while the bare figures (`detail` empty: a status table) cost the scoring
    pass alone, so a run after an edit costs what a run with nothing changed does; an
    explanation without a limit can hold every contribution of the project."""
    if limit is None or (detail is not None and not detail):
        return compute()
    from tracker.domain.scoring import NodeScore

    request = [
        "scores",
        str(as_of),
        None if since is None else str(since),
        None if detail is None else sorted(detail),
        limit,
        exclusions,
        recent_only,
    ]
    return _remembered(root, state(), request, compute, dict[str, NodeScore])


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
    on the same `state()`: one explaining request, remembered as `scores` are."""
    from tracker.domain.scoring import NodeScore

    request = ["period", str(since), str(until), limit]
    shape = tuple[dict[str, NodeScore], dict[str, NodeScore]]
    return _remembered(root, state(), request, compute, shape)


def _remembered(root: Path, state: str, request: list, compute: Callable[[], Any], shape) -> Any:
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(shape)
    name = SCORES + hashlib.sha256(json.dumps(request).encode()).hexdigest()
    key = f"{_scoring_fingerprint()} {state}"
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
