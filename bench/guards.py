"""Each protection against lost words and hostile input has a test that fails without it.

For every guard, this copies the checkout, removes the guard (one textual change), runs the
tests that stand for it, and reports whether they failed, as they must. Not part of the test
suite (it runs the suite's tests a dozen times).

    python bench/guards.py            # every guard
    python bench/guards.py lock path  # some
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Guard:
    name: str
    file: str
    before: str
    after: str
    tests: tuple[str, ...]


GUARDS = [
    Guard(
        "lock",
        "tracker/store/files.py",
        "                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
        "                pass",
        (
            "tests/store/test_store.py::test_two_edits_of_one_file_only_one_wins",
            "tests/store/test_crashes.py::test_two_processes_saving_never_lose_an_update",
        ),
    ),
    Guard(
        "changed since read",
        "tracker/store/writer.py",
        "            check_expected(step.rel, current, step.expected)",
        "            pass",
        ("tests/store/test_store.py::test_refuses_to_overwrite_a_changed_file",),
    ),
    Guard(
        "path check",
        "tracker/store/files.py",
        "    for part in parts:\n        if part in",
        "    for part in []:\n        if part in",
        ("tests/store/test_store.py::test_a_write_never_leaves_the_project",),
    ),
    Guard(
        "no link followed",
        "tracker/store/files.py",
        '_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)',
        '_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)',
        ("tests/store/test_store.py::test_a_write_never_goes_through_a_link",),
    ),
    Guard(
        "id before path",
        "tracker/ingest/drafts.py",
        "        check_id(draft_id)\n    except ValueError as err:",
        "        pass\n    except ValueError as err:",
        ("tests/cli/test_hostile.py::test_promote_refuses_anything_but_a_draft_id",),
    ),
    Guard(
        "escaping",
        "tracker/textclean.py",
        "    if text.isprintable() and not _UNSAFE.search(text):",
        "    if True:",
        ("tests/cli/test_hostile.py::test_terminal_escapes_in_a_key_are_shown_not_sent",),
    ),
    Guard(
        "size limit",
        "tracker/store/files.py",
        "        if info.st_size > max_bytes:\n            article",
        "        if False:\n            article",
        ("tests/domain/test_codes.py::test_each_code_is_reported",),
    ),
    Guard(
        "regular files only",
        "tracker/store/files.py",
        "        if not stat.S_ISREG(info.st_mode):\n            kind = _kind(info.st_mode)",
        "        if False:\n            kind = _kind(info.st_mode)",
        ("tests/cli/test_hostile.py::test_a_device_or_a_pipe_in_place_of_a_data_file_never_hangs",),
    ),
    Guard(
        "directory fsync",
        "tracker/store/writer.py",
        "        for dir_fd in folders.values():\n            fsync_dir(dir_fd)",
        "        for dir_fd in folders.values():\n            pass",
        ("tests/store/test_store.py::test_a_change_makes_its_folder_durable",),
    ),
    Guard(
        "journal recovery",
        "tracker/workspace/__init__.py",
        "            done = writer.recover(data)",
        "            done = writer.Recovered([], [], [])",
        ("tests/store/test_crashes.py::test_a_move_killed_anywhere_is_undone_or_finished",),
    ),
    Guard(
        "promote's check",
        "tracker/ingest/drafts.py",
        "    errors = [p for p in problems if p.is_error]\n    # A promote",
        "    errors = []\n    # A promote",
        ("tests/cli/test_ingest_commands.py::test_promote_checks_what_check_checks",),
    ),
    Guard(
        "cache keyed by the code",
        "tracker/speed/filecache.py",
        "            if found is None or found[0] != mark:",
        "            if found is None:",
        ("tests/speed/test_loader.py::test_adding_a_model_field_invalidates_every_row",),
    ),
    Guard(
        "scores keyed by the state",
        "tracker/speed/memo.py",
        '    key = f"{_scoring_fingerprint()} {state()}"',
        '    key = f"{_scoring_fingerprint()}"',
        (
            "tests/speed/test_score_memo.py::test_an_edit_on_disk_or_through_the_workspace_is_scored_afresh",
        ),
    ),
    Guard(
        "output flushed on leaving",
        "tracker/speed/leave.py",
        "            stream.flush()",
        "            pass",
        ("tests/speed/test_leave.py::test_a_large_output_to_a_pipe_arrives_whole",),
    ),
]


def main() -> int:
    wanted = set(sys.argv[1:])
    failures = 0
    print(f"{'guard':<26} {'removed from':<34} tests fail without it?")
    for guard in GUARDS:
        if wanted and not any(w in guard.name for w in wanted):
            continue
        with tempfile.TemporaryDirectory(prefix="tracker-guards-") as tmp:
            copy = Path(tmp) / "repo"
            shutil.copytree(
                REPO, copy, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info")
            )
            target = copy / guard.file
            text = target.read_text("utf-8")
            if guard.before not in text:
                print(f"{guard.name:<26} {guard.file:<34} GUARD NOT FOUND: update bench/guards.py")
                failures += 1
                continue
            target.write_text(text.replace(guard.before, guard.after, 1), "utf-8")
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-x",
                    "-p",
                    "no:cacheprovider",
                    *guard.tests,
                ],
                cwd=copy,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(copy)},
                timeout=900,
            )
            failed = done.returncode != 0
            failures += not failed
            verdict = "yes: " + done.stdout.strip().splitlines()[-1] if failed else "NO"
            print(f"{guard.name:<26} {guard.file:<34} {verdict}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
