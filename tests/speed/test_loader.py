"""The speed layer: a warm run equals a cold one, sees every change, and no cache can run code
or break a command. Real files, real SQLite databases, real processes."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, evidence_toml, write_evidence
from tracker.speed import filecache, parallel
from tracker.speed.location import project_cache_dir
from tracker.workspace import open_workspace


def snapshot(ws) -> tuple:
    """Everything a load yields that a command could show."""
    return (
        sorted(p.render() + str(p.code) for p in ws.problems),
        [(r.path, r.sha256, r.facts) for r in ws.records],
    )


def mixed_project(root: Path, count: int = 12) -> None:
    """Good items, bad ones, an archive, leftovers: every kind of result a row can hold."""
    for i in range(count):
        day = (dt.date(2025, 3, 1) + dt.timedelta(days=i)).isoformat()
        write_evidence(root, evidence_toml(f"{day}-item-{i}", date=day, impact=(i % 11) - 5))
    write_evidence(root, 'id = "broken\n', "evidence/2025/2025-04-01-broken.toml")
    write_evidence(
        root,
        evidence_toml("2025-04-02-unknown", date="2025-04-02", recommendation="nowhere"),
    )
    (root / "evidence/2025/notes.md").write_text("x")


def aged(root: Path) -> None:
    """Every file older than the racy window, as files are an hour after a checkout."""
    old = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (old, old))


def test_warm_equals_cold_and_keeps_errors(mini):
    mixed_project(mini)
    aged(mini)
    plain = open_workspace(mini, speed=False)
    cold = open_workspace(mini)
    warm = open_workspace(mini)
    assert cold.load_stats.read == 14 and warm.load_stats.hits == 14 and warm.load_stats.read == 0
    assert snapshot(plain) == snapshot(cold) == snapshot(warm)
    assert any("TOML error" in p.message for p in warm.problems)


def test_the_cache_lives_outside_the_project(mini):
    mixed_project(mini)
    before = sorted(p.relative_to(mini) for p in mini.rglob("*"))
    open_workspace(mini)
    assert sorted(p.relative_to(mini) for p in mini.rglob("*")) == before
    assert (project_cache_dir(mini) / filecache.FILE).is_file()


@pytest.mark.parametrize("change", ["edit", "touch", "rename", "delete", "add", "archive"])
def test_every_change_is_seen(mini, change):
    mixed_project(mini)
    aged(mini)
    open_workspace(mini)
    folder = mini / "evidence/2025"
    target = folder / "2025-03-01-item-0.toml"
    if change == "edit":
        target.write_text(target.read_text().replace("impact = -5", "impact = 3"))
    elif change == "touch":
        target.write_text(target.read_text().replace('rationale = "Because."', "rationale = 1"))
        os.utime(target, (time.time() - 3600, time.time() - 3600))
    elif change == "rename":
        target.rename(folder / "2025-03-01-renamed.toml")
    elif change == "delete":
        target.unlink()
    elif change == "add":
        write_evidence(mini, evidence_toml("2025-05-01-new", date="2025-05-01"))
    elif change == "archive":
        (folder / "2025-03-01-item-0.txt").write_text("a copy without a hash")
    assert snapshot(open_workspace(mini)) == snapshot(open_workspace(mini, speed=False))


def test_a_row_written_within_the_racy_window_is_checked_by_content(mini):
    path = write_evidence(mini, evidence_toml())
    first = open_workspace(mini)  # just written: the row is racy
    assert first.load_stats.read == 1
    stat = path.stat()
    path.write_text(path.read_text().replace("impact = 2", "impact = 3"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the same time
    again = open_workspace(mini)
    assert again.records[0].facts.assessments[0].impact == 3


def test_a_fresh_clones_second_run_is_warm(mini):
    """A run within two seconds of a checkout caches; the next run verifies those rows by
    content instead of parsing the files again."""
    mixed_project(mini)
    open_workspace(mini)
    second = open_workspace(mini)
    assert second.load_stats.read == 0 and second.load_stats.verified == 14


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "pickle", "other-db"])
def test_a_damaged_or_foreign_cache_costs_speed_never_a_result(mini, damage):
    mixed_project(mini)
    aged(mini)
    open_workspace(mini)
    path = project_cache_dir(mini) / filecache.FILE
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    if damage == "garbage":
        path.write_bytes(os.urandom(4096))
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:1500])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "pickle":
        path.write_bytes(pickle.dumps({"files": "not ours"}))
    elif damage == "other-db":
        path.unlink()
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE files (x)")
        db.execute("INSERT INTO files VALUES (1)")
        db.commit()
        db.close()
    assert snapshot(open_workspace(mini)) == snapshot(open_workspace(mini, speed=False))
    assert open_workspace(mini).load_stats.hits == 14  # rebuilt, warm again


def test_rows_that_lie_are_not_trusted_blindly(mini):
    """A row changed behind tracker's back (facts of the wrong shape) is a miss, not a crash."""
    mixed_project(mini)
    aged(mini)
    open_workspace(mini)
    db = sqlite3.connect(project_cache_dir(mini) / filecache.FILE)
    db.execute("UPDATE files SET packed = '[1, 2]'")
    db.execute("UPDATE files SET packed = '[\"x\", null, [[1]], [3]]', crc = 1 WHERE rowid % 2")
    db.commit()
    db.close()
    assert snapshot(open_workspace(mini)) == snapshot(open_workspace(mini, speed=False))


def test_a_locked_cache_is_no_error(mini):
    mixed_project(mini)
    aged(mini)
    open_workspace(mini)
    db = sqlite3.connect(project_cache_dir(mini) / filecache.FILE, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    try:
        write_evidence(mini, evidence_toml("2025-05-01-new", date="2025-05-01"))
        found = open_workspace(mini)
        assert snapshot(found) == snapshot(open_workspace(mini, speed=False))
    finally:
        db.execute("ROLLBACK")
        db.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_read_only_cache_folder_is_no_error(mini, tmp_path, monkeypatch):
    cache = tmp_path / "ro-cache"
    cache.mkdir()
    cache.chmod(0o500)
    monkeypatch.setenv("TRACKER_CACHE_DIR", str(cache))
    mixed_project(mini)
    try:
        assert snapshot(open_workspace(mini)) == snapshot(open_workspace(mini, speed=False))
    finally:
        cache.chmod(0o700)


def test_a_cache_path_that_is_not_a_folder_is_no_error(mini, tmp_path, monkeypatch):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("TRACKER_CACHE_DIR", str(blocker))
    mixed_project(mini)
    assert snapshot(open_workspace(mini)) == snapshot(open_workspace(mini, speed=False))


def test_two_processes_writing_the_cache_at_once(mini):
    mixed_project(mini, count=40)
    code = (
        "import sys, json; from pathlib import Path; from tracker.workspace import "
        "open_workspace as o; ws = o(Path(sys.argv[1])); "
        "print(json.dumps(sorted(p.render() for p in ws.problems)), len(ws.records))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(mini)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO,
            env=os.environ,
        )
        for _ in range(4)
    ]
    outputs = {p.communicate(timeout=120)[0] for p in procs}
    assert len(outputs) == 1 and all(p.returncode == 0 for p in procs)
    assert snapshot(open_workspace(mini)) == snapshot(open_workspace(mini, speed=False))


def test_a_pickle_planted_in_the_project_never_runs(mini):
    """Caches of old lived in .tracker-cache/ inside the project: a pull request could add a
    pickle there. Nothing in the project folder is unpickled, whatever its name."""
    write_evidence(mini, evidence_toml())
    marker = mini / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    folder = mini / ".tracker-cache"
    folder.mkdir()
    for name in (
        "evidence.pickle",
        "project.pickle",
        "readings.pickle",
        "catalogue.pickle",
        "similarity.pickle",
        "nodes.json",
    ):
        (folder / name).write_bytes(pickle.dumps(Payload()))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for command in (["check"], ["status"], ["explain", "reboot"], ["history"], ["suggest", "-"]):
        subprocess.run(
            [sys.executable, "-m", "tracker", *command, "-C", str(mini)],
            input=b"Political prisoners were released in Minsk.",
            capture_output=True,
            env=env,
            timeout=60,
        )
    assert not marker.exists()


def test_adding_a_model_field_invalidates_every_row(mini, tmp_path):
    """A warm run after the evidence model gains a field sees it: the cache is keyed by the
    models' schema, with nothing to bump by hand."""
    write_evidence(
        mini,
        evidence_toml().replace('publisher = "Outlet"', 'publisher = "Outlet"\nlanguage = "ru"'),
    )
    code = (
        "import sys; from pathlib import Path; from tracker.workspace import open_workspace; "
        "ws = open_workspace(Path(sys.argv[1])); "
        "print([p.message for p in ws.problems]); "
        "print([ws.read(r.path).item.source.language for r in ws.records])"
    )
    before = subprocess.run(
        [sys.executable, "-c", code, str(mini)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=os.environ,
        timeout=60,
    )
    assert "unknown key 'source.language'" in before.stdout
    changed = tmp_path / "changed"
    shutil.copytree(
        REPO / "tracker", changed / "tracker", ignore=shutil.ignore_patterns("__pycache__")
    )
    model = changed / "tracker/domain/model.py"
    text = model.read_text()
    anchor = "    author: Text | None = None\n"
    assert anchor in text
    model.write_text(text.replace(anchor, anchor + "    language: Text | None = None\n", 1))
    after = subprocess.run(
        [sys.executable, "-c", code, str(mini)],
        capture_output=True,
        text=True,
        cwd=changed,
        env={**os.environ, "PYTHONPATH": str(changed)},
        timeout=60,
    )
    assert after.returncode == 0, after.stderr
    assert after.stdout.splitlines() == ["[]", "['ru']"]


def test_worker_processes_read_what_one_process_reads(mini, monkeypatch):
    mixed_project(mini, count=60)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    many = open_workspace(mini, cache=False)
    assert snapshot(many) == snapshot(open_workspace(mini, speed=False))


def test_a_project_rebuilt_elsewhere_has_a_cache_of_its_own(mini, tmp_path):
    mixed_project(mini)
    aged(mini)
    open_workspace(mini)
    other = tmp_path / "other"
    shutil.copytree(mini, other)
    (other / "evidence/2025/2025-03-01-item-0.toml").write_text('id = "x\n')
    os.utime(other / "evidence/2025/2025-03-01-item-0.toml", (0, 0))
    assert project_cache_dir(other) != project_cache_dir(mini)
    assert snapshot(open_workspace(other)) == snapshot(open_workspace(other, speed=False))


def test_a_load_interrupted_midway_keeps_no_row_of_it(mini):
    """Rows are stored chunk by chunk as they are read, in one transaction: a load stopped
    after its first chunk leaves the cache as it was, and the next load reads everything."""
    mixed_project(mini, count=600)
    aged(mini)

    def stop(done: int, total: int) -> None:
        if done >= 250:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        open_workspace(mini, workers=False, progress=stop)
    again = open_workspace(mini, workers=False)
    assert again.load_stats.read == 602 and again.load_stats.hits == 0
    warm = open_workspace(mini)
    assert warm.load_stats.hits == 602
    assert snapshot(again) == snapshot(warm) == snapshot(open_workspace(mini, speed=False))


def test_worker_chunks_are_stored_as_they_come(mini, monkeypatch):
    """With workers, each chunk is unpacked and stored while the rest are read; the rows
    are every file's, and a warm load finds them all."""
    mixed_project(mini, count=300)
    aged(mini)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 10)
    cold = open_workspace(mini)
    assert cold.load_stats.read == 302
    warm = open_workspace(mini)
    assert warm.load_stats.hits == 302 and warm.load_stats.read == 0
    assert snapshot(cold) == snapshot(warm) == snapshot(open_workspace(mini, speed=False))
