"""No word lost by a crash or by two writers: real processes, killed with SIGKILL at each point
of a change, and racing each other."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, evidence_toml, write_evidence
from tracker.workspace import open_workspace

MOVE = """
import datetime as dt, sys
from pathlib import Path
from tracker.workspace import open_workspace
ws = open_workspace(Path(sys.argv[1]))
ev = ws.read(ws.records[0].path)
moved = ev.item.model_copy(update={"date": dt.date(2024, 12, 30), "title": "Moved"})
ws.save(moved, expected_sha256=ev.sha256, previous_path=ev.path)
"""

PROMOTE = """
import sys
from pathlib import Path
from tracker.workspace import open_workspace
open_workspace(Path(sys.argv[1])).promote("2025-03-01-a-draft")
"""


def python(code: str, root: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, str(root)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        timeout=120,
    )


def with_archive(root: Path) -> None:
    from tracker.store.toml_read import sha256_bytes

    text = "Full text: Something happened."
    item = evidence_toml().replace(
        'quote = "Something happened."',
        f'quote = "Something happened."\narchive_sha256 = "{sha256_bytes(text.encode())}"',
    )
    path = write_evidence(root, item)
    path.with_suffix(".txt").write_text(text)


def state(root: Path) -> tuple[list[str], list[str]]:
    ws = open_workspace(root, cache=False)
    return sorted(r.path for r in ws.records), sorted(p.render() for p in ws.problems)


@pytest.mark.parametrize("point", ["staged", "journaled", "step-1", "step-2", "step-3"])
def test_a_move_killed_anywhere_is_undone_or_finished(mini, point):
    with_archive(mini)
    before = state(mini)
    done = python(MOVE, mini, TRACKER_FAULT_AT=point)
    assert done.returncode == -signal.SIGKILL
    after = state(mini)  # opening undoes an uncommitted change, finishes a committed one
    moved = (["evidence/2024/2025-03-01-an-event.toml"], [])
    assert after == (before if point == "staged" else moved), after
    assert [p.name for p in mini.rglob(".tracker-*.tmp")] == []


@pytest.mark.parametrize("point", ["staged", "journaled", "step-1", "step-2", "step-3", "step-4"])
def test_a_promote_killed_anywhere_can_be_finished(mini, point):
    drafts = mini / "drafts"
    drafts.mkdir()
    text = "MINSK. Something happened in full.\n"
    from tracker.store.toml_read import sha256_bytes

    (drafts / "2025-03-01-a-draft.txt").write_text(text)
    (drafts / "2025-03-01-a-draft.toml").write_text(
        'id = "2025-03-01-a-draft"\ntitle = "A draft"\ndate = 2025-03-01\n'
        'imported = 2025-03-02\n\n[source]\npublisher = "Outlet"\npublished = 2025-03-01\n'
        f'reliability = "B"\ncredibility = 2\nquote = "Something happened"\n'
        f'archive_sha256 = "{sha256_bytes(text.encode())}"\n\n'
        '[[assessment]]\nrecommendation = "reboot"\nimpact = 1\nconfidence = "high"\n'
        'rationale = "Because."\n'
    )
    assert python(PROMOTE, mini, TRACKER_FAULT_AT=point).returncode == -signal.SIGKILL
    again = python(PROMOTE, mini)  # asked again, it completes (never "already exists")
    assert again.returncode == 0, again.stderr
    paths, problems = state(mini)
    assert paths == ["evidence/2025/2025-03-01-a-draft.toml"] and problems == []
    assert (mini / "evidence/2025/2025-03-01-a-draft.txt").read_text() == text
    assert list(drafts.iterdir()) == []


SAVER = """
import sys
from pathlib import Path
from tracker.store.files import FileChangedError
from tracker.workspace import open_workspace
root, name, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
won = 0
for n in range(rounds):
    ws = open_workspace(root, cache=False)
    ev = ws.read(ws.records[0].path)
    item = ev.item.model_copy(update={"title": f"{name} {n}"})
    try:
        ws.save(item, expected_sha256=ev.sha256, previous_path=ev.path)
        won += 1
        print(f"{name} {n}", flush=True)
    except FileChangedError:
        pass
"""


def test_two_processes_saving_never_lose_an_update(mini):
    """Each save that reports success read the file the other had written: so each success
    is a separate version, and the last one is what stands."""
    write_evidence(mini, evidence_toml())
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(mini), name, "60"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for name in ("ana", "bo")
    ]
    lines = [line for p in procs for line in p.communicate(timeout=300)[0].split("\n") if line]
    assert all(p.returncode == 0 for p in procs)
    final = open_workspace(mini, cache=False)
    title = final.read(final.records[0].path).item.title
    assert title in lines  # the standing version is one that was reported saved
    # Every reported save was checked against what it read: none overwrote another unseen.
    assert len(set(lines)) == len(lines) > 0


IMPORTER = """
import sys
from pathlib import Path
from tracker.ingest.extract import extract_text
from tracker.workspace import open_workspace
root, n = Path(sys.argv[1]), sys.argv[2]
ws = open_workspace(root, cache=False)
article = extract_text(f"One headline\\n\\nMINSK, 3 March. Article number {n} says something else.")
print(ws.import_article(article).path, flush=True)
"""


def test_concurrent_imports_of_one_headline_each_keep_their_draft(mini):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", IMPORTER, str(mini), str(n)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for n in range(4)
    ]
    written = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert len(set(written)) == 4, written
    texts = {(mini / w).with_suffix(".txt").read_text() for w in written}
    assert len(texts) == 4  # four articles, four drafts: none overwrote another


_ = dt
