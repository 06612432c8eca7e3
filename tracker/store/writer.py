"""Writing evidence without ever losing a word.

Every change is a list of steps (write this file, delete that one), each with the sha256 the
file must have now (None: it must not exist). Under the project's write lock, all steps are
checked first, so a file changed on disk since it was read stops the whole change before
anything is written; then the new contents go to temporary files beside their targets, a
journal of the renames is written outside the project, and the renames and deletions run.

A change interrupted anywhere (a crash, a kill, a full disk) is either not begun (the old files
are intact; only temporary `.tracker-*.tmp` files may be left, which `tracker check` reports)
or finished by `recover`, which every workspace runs when it opens: the journal says what the
files must become, and the temporary files hold the new contents. An item and its archived
copy therefore always move together.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tracker.domain.model import EvidenceItem
from tracker.store import layout
from tracker.store.files import (
    FileChangedError,
    UnsafePathError,
    check_expected,
    check_rel,
    fsync_dir,
    open_dir,
    project_lock,
    read_at,
    sha256_of,
    temp_name,
    write_temp,
)
from tracker.store.toml_write import evidence_to_toml

JOURNAL_DIR = "journal"
FAULT = "TRACKER_FAULT_AT"  # tests only: the process kills itself at this point of a change


def _fault(point: str) -> None:
    """Fault injection for the crash tests: with TRACKER_FAULT_AT set to this point, the
    process sends itself SIGKILL here, as a power cut or a kill -9 would stop it."""
    if os.environ.get(FAULT) == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Step:
    """One file of a change: its new bytes (None: delete it) and the sha256 it must have now
    (None: it must not exist)."""

    rel: str
    data: bytes | None
    expected: str | None


@dataclass(frozen=True)
class Written:
    """A file as it now stands: what the next edit of it is checked against."""

    rel: str
    sha256: str


def _journal_dir(root: Path) -> Path:
    from tracker.store.state import project_state_dir

    return project_state_dir(root) / JOURNAL_DIR


def apply(root: Path, steps: Sequence[Step], *, lock: bool = True, label: str = "") -> None:
    """Carry out `steps` all or nothing (see the module's docstring). `label` names the
    change in its journal ("promote ID"), so a run that finishes it can say what it finished.

    A step whose file already holds its new content counts as done, so a change that was
    interrupted and is asked for again completes instead of failing.
    """
    context = project_lock(root) if lock else contextlib.nullcontext()
    with context:
        recover(root, lock=False)
        _apply(root, steps, label)


def _apply(root: Path, steps: Sequence[Step], label: str = "") -> None:
    folders: dict[tuple[str, ...], int] = {}

    def folder(parts: list[str]) -> int:
        key = tuple(parts[:-1])
        if key not in folders:
            folders[key] = open_dir(root, list(key), create=True)
        return folders[key]

    try:
        planned: list[tuple[Step, list[str], str | None]] = []
        for step in steps:
            parts = check_rel(step.rel)
            current = read_at(folder(parts), parts[-1])
            if sha256_of(current) == sha256_of(step.data):
                continue  # already done (a repeated request after an interruption)
            check_expected(step.rel, current, step.expected)
            planned.append((step, parts, temp_name() if step.data is not None else None))
        if not planned:
            return
        # The journal names the temporary files before they exist: an interruption before
        # it is marked committed is rolled back (they are deleted), one after it rolled
        # forward (they are renamed).
        journal = _write_journal(root, planned, label, committed=False)
        try:
            for step, parts, temp in planned:
                if temp is not None:
                    write_temp(folder(parts), step.data, temp)
            _fault("staged")
            _write_journal(root, planned, label, committed=True, path=journal)
            _fault("journaled")
        except BaseException:
            _roll_back(root, planned, folder)
            with contextlib.suppress(OSError):
                journal.unlink()
            raise
        for number, (_, parts, temp) in enumerate(planned, start=1):
            dir_fd = folder(parts)
            if temp is not None:
                os.replace(temp, parts[-1], src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(parts[-1], dir_fd=dir_fd)
            _fault(f"step-{number}")
        for dir_fd in folders.values():
            fsync_dir(dir_fd)
        with contextlib.suppress(OSError):
            journal.unlink()
    finally:
        for dir_fd in folders.values():
            os.close(dir_fd)


def _roll_back(root: Path, planned, folder) -> None:
    for _, parts, temp in planned:  # nothing was renamed: the old files stand
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=folder(parts))


def _write_journal(
    root: Path,
    planned: list[tuple[Step, list[str], str | None]],
    label: str,
    *,
    committed: bool,
    path: Path | None = None,
) -> Path:
    folder = _journal_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    entries = [
        {"rel": step.rel, "temp": temp, "sha256": sha256_of(step.data), "expected": step.expected}
        for step, _, temp in planned
    ]
    path = path or folder / f"{secrets.token_hex(8)}.json"
    tmp = path.with_suffix(".tmp")
    payload = {
        "root": os.fspath(root.resolve()),
        "label": label,
        "committed": committed,
        "steps": entries,
    }
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(payload, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path


@dataclass
class Unfinished:
    """A change `recover` could not finish: which file, and why."""

    rel: str
    reason: str


@dataclass
class Recovered:
    """What `recover` did: the changes it finished (their labels), the files it changed, and
    the changes it could not finish."""

    labels: list[str]
    files: list[str]
    stuck: list[Unfinished]


def recover(root: Path, *, lock: bool = True) -> Recovered:
    """Finish every change an interruption left half done (see the module's docstring):
    a committed one is carried to its end, one interrupted before its commit is undone (its
    temporary files deleted). What cannot be finished (a temporary file gone, a file changed
    since) stays in the journal, and `tracker check` reports it."""
    out = Recovered([], [], [])
    folder = _journal_dir(root)
    if not folder.is_dir():
        return out
    context = project_lock(root) if lock else contextlib.nullcontext()
    with context:
        for journal in sorted(folder.glob("*.json")):
            try:
                payload = json.loads(journal.read_text("utf-8"))
                steps = payload["steps"]
                committed = bool(payload.get("committed", True))
            except (OSError, ValueError, KeyError, TypeError):
                with contextlib.suppress(OSError):
                    journal.unlink()  # not ours, or cut short before any temporary file
                continue
            if not committed:
                for entry in steps:
                    _discard(root, entry)
                with contextlib.suppress(OSError):
                    journal.unlink()
                continue
            problems = [_finish(root, entry, out.files) for entry in steps]
            problems = [p for p in problems if p is not None]
            if problems:
                out.stuck.extend(problems)
                continue
            with contextlib.suppress(OSError):
                journal.unlink()
            if payload.get("label"):
                out.labels.append(str(payload["label"]))
    return out


def _discard(root: Path, entry: dict) -> None:
    """Delete the temporary file of a change that never committed."""
    temp = entry.get("temp")
    if not isinstance(temp, str) or "/" in temp or not temp.startswith(".tracker-"):
        return
    try:
        parts = check_rel(str(entry.get("rel")))
        dir_fd = open_dir(root, parts[:-1], create=False)
    except (UnsafePathError, OSError):
        return
    try:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
    finally:
        os.close(dir_fd)


def _finish(root: Path, entry: dict, finished: list[str]) -> Unfinished | None:
    rel = entry.get("rel")
    temp = entry.get("temp")
    want = entry.get("sha256")
    try:
        parts = check_rel(str(rel))
        if temp is not None and (not isinstance(temp, str) or "/" in temp):
            raise UnsafePathError("bad temporary name")
        dir_fd = open_dir(root, parts[:-1], create=False)
    except (UnsafePathError, OSError):
        return Unfinished(str(rel), "its folder is gone or not a real folder")
    try:
        current = read_at(dir_fd, parts[-1])
        if sha256_of(current) == want:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=dir_fd)
            return None  # done before the interruption
        if temp is None:  # a deletion
            if sha256_of(current) == entry.get("expected"):
                os.unlink(parts[-1], dir_fd=dir_fd)
                finished.append(str(rel))
                return None
            return Unfinished(str(rel), "it changed since the interrupted change began")
        staged = read_at(dir_fd, temp)
        if staged is None or sha256_of(staged) != want:
            return Unfinished(str(rel), "the new content it was to get is gone")
        if sha256_of(current) not in (entry.get("expected"),):
            return Unfinished(str(rel), "it changed since the interrupted change began")
        os.replace(temp, parts[-1], src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        fsync_dir(dir_fd)
        finished.append(str(rel))
        return None
    except (UnsafePathError, OSError) as err:
        return Unfinished(str(rel), str(err))
    finally:
        os.close(dir_fd)


def pending(root: Path) -> list[Unfinished]:
    """The changes a journal holds that are not finished (for `tracker check`), without
    touching any file."""
    folder = _journal_dir(root)
    out: list[Unfinished] = []
    if not folder.is_dir():
        return out
    for journal in sorted(folder.glob("*.json")):
        try:
            steps = json.loads(journal.read_text("utf-8"))["steps"]
            out.extend(Unfinished(str(s["rel"]), "an interrupted change") for s in steps)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


# --- evidence -------------------------------------------------------------------------------


def save_evidence(
    root: Path,
    item: EvidenceItem,
    *,
    expected_sha256: str | None,
    previous_rel: str | None = None,
    archive: bytes | None = None,
) -> Written:
    """Write an item in canonical form, with its archived article when `archive` is given, in
    one change. A changed date (another year) or id moves the file, and its archived copy
    moves with it. The item must be as it was read (`expected_sha256`); the old file is
    removed only if it still is."""
    target = layout.evidence_rel(item.id, item.date.year)
    data = evidence_to_toml(item).encode("utf-8")
    moving = previous_rel is not None and previous_rel != target
    with project_lock(root):
        steps = [Step(target, data, None if moving else expected_sha256)]
        old_archive = _read_rel(root, layout.archive_rel(previous_rel or target))
        new_txt = layout.archive_rel(target)
        if archive is not None:
            current = _read_rel(root, new_txt) if moving else old_archive
            steps.insert(0, Step(new_txt, archive, sha256_of(current)))
        elif moving and old_archive is not None:
            steps.insert(0, Step(new_txt, old_archive, None))
        if moving:
            assert previous_rel is not None
            steps.append(Step(previous_rel, None, expected_sha256))
            if old_archive is not None:
                steps.append(Step(layout.archive_rel(previous_rel), None, sha256_of(old_archive)))
        recover(root, lock=False)
        _apply(root, steps, f"save {item.id}")
    return Written(target, sha256_of(data) or "")


def _read_rel(root: Path, rel: str) -> bytes | None:
    parts = check_rel(rel)
    try:
        dir_fd = open_dir(root, parts[:-1], create=False)
    except FileNotFoundError:
        return None
    try:
        return read_at(dir_fd, parts[-1])
    finally:
        os.close(dir_fd)


def delete_evidence(root: Path, rel: str, expected_sha256: str) -> None:
    """Remove an item and its archived copy, unless the item changed since it was read."""
    with project_lock(root):
        if _read_rel(root, rel) is None:
            raise FileChangedError(f"{rel} was deleted since it was read; nothing to delete")
        steps = [Step(rel, None, expected_sha256)]
        archive = _read_rel(root, layout.archive_rel(rel))
        if archive is not None:
            steps.append(Step(layout.archive_rel(rel), None, sha256_of(archive)))
        recover(root, lock=False)
        _apply(root, steps, f"delete {rel}")
