"""The benchmark tools still run: a generated project is valid, and one timing prints its
ratios to the floors. (The benchmarks themselves are not run by the tests.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tracker.workspace import open_workspace


def test_generated_project_is_valid_and_one_timing_runs(tmp_path: Path, monkeypatch):
    target = tmp_path / "bench-100"
    made = subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate.py"), "100", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    monkeypatch.setenv("TRACKER_TODAY", "2033-01-01")  # the generated decade ends in 2032
    project = open_workspace(target, speed=False)
    assert project.evidence_count == 100
    assert project.problems == []
    items = [ev.item for ev in project.iter_items()]
    assert any("\u0400" <= ch <= "\u04ff" for item in items for ch in item.title)
    assert max(len(item.assessments) for item in items) > 1

    figures = tmp_path / "figures.json"
    timed = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "run.py"),
            str(target),
            "--repeat",
            "1",
            "--only",
            "status",
            "--json",
            str(figures),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TRACKER_TODAY": "2033-01-01"},
    )
    assert timed.returncode == 0, timed.stderr
    assert "x floor" in timed.stdout and "read+parse, 1 process" in timed.stdout
    rows = {row["name"]: row for row in json.loads(figures.read_text())["results"]}
    assert {"python -c pass", "read every file", "read+parse, 1 process"} <= set(rows)
    assert rows["status first run"]["seconds"] > 0 and rows["status warm"]["seconds"] > 0
    assert rows["status after editing 1"]["warm"] > 0


def test_the_workbench_timing_runs(tmp_path: Path):
    """bench/tui.py against the service as it is (it once called a loader that had gone)."""
    target = tmp_path / "bench-50"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate.py"), "50", str(target)],
        capture_output=True,
        timeout=120,
        check=True,
    )
    timed = subprocess.run(
        [sys.executable, str(REPO / "bench" / "tui.py"), str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TRACKER_TODAY": "2033-01-01"},
    )
    assert timed.returncode == 0, timed.stderr
    assert "floor (open_workspace + scores)" in timed.stdout
    assert "as-of change, scores redrawn: median" in timed.stdout
