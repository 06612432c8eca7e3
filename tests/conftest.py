"""Shared fixtures: small real projects on disk, built from real TOML."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

MINI_RECOMMENDATIONS = textwrap.dedent("""\
    schema = 1

    [paper]
    title = "A small paper"
    authors = ["A. Author"]
    publisher = "Think tank"
    year = 2022
    month = 12
    language = "en"

    [[node]]
    id = "precondition"
    kind = "section"
    title = "Precondition"
    text = "Precondition."

    [[node]]
    id = "reboot"
    parent = "precondition"
    kind = "recommendation"
    title = "Reboot the political system"
    text = "Reboot the political system."
    search_terms = ["political prisoners", "политзаключенные"]

    [[node]]
    id = "priorities"
    kind = "section"
    title = "Priorities"

    [[node]]
    id = "balance"
    parent = "priorities"
    kind = "recommendation"
    title = "Balance West and East"
    importance = 2.0

    [[node]]
    id = "balance-west"
    parent = "balance"
    kind = "measure"
    title = "Relations with the West"

    [[node]]
    id = "balance-russia"
    parent = "balance"
    kind = "measure"
    title = "Relations with Russia"
    """)


def evidence_toml(
    id: str = "2025-03-01-an-event",
    *,
    date: str = "2025-03-01",
    recommendation: str = "reboot",
    impact: int = 2,
    extra: str = "",
    url: str | None = None,
    event: str | None = None,
) -> str:
    lines = [f'id = "{id}"', 'title = "An event"', f"date = {date}", 'date_precision = "day"']
    if event:
        lines.append(f'event = "{event}"')
    lines += ["", "[source]"]
    if url:
        lines.append(f'url = "{url}"')
    lines += [
        'publisher = "Outlet"',
        'reliability = "B"',
        "credibility = 2",
        'quote = "Something happened."',
        "",
        "[[assessment]]",
        f'recommendation = "{recommendation}"',
        f"impact = {impact}",
        'confidence = "high"',
        'rationale = "Because."',
    ]
    return "\n".join(lines) + "\n" + extra


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch, tmp_path_factory):
    """Tests see one fixed 'today', so 'in the future' means the same on every run, and a
    cache and state folder of their own, never the user's."""
    monkeypatch.setenv("TRACKER_TODAY", "2026-11-24")
    monkeypatch.setenv("TRACKER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("TRACKER_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield dt.date(2026, 11, 24)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A small valid project: the tree above and no evidence."""
    (tmp_path / "recommendations.toml").write_text(MINI_RECOMMENDATIONS, "utf-8")
    (tmp_path / "evidence").mkdir()
    return tmp_path


def write_evidence(root: Path, text: str, rel: str | None = None) -> Path:
    if rel is None:
        import tomllib

        data = tomllib.loads(text)
        rel = f"evidence/{str(data['date'])[:4]}/{data['id']}.toml"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A copy of the repository's bundled data."""
    target = tmp_path / "data"
    target.mkdir()
    shutil.copy2(REPO / "recommendations.toml", target)
    if (REPO / "tracker.toml").exists():
        shutil.copy2(REPO / "tracker.toml", target)
    shutil.copytree(REPO / "evidence", target / "evidence")
    return target


def chdir(path: Path):
    return _Chdir(path)


class _Chdir:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        self.old = os.getcwd()
        os.chdir(self.path)

    def __exit__(self, *exc: object) -> None:
        os.chdir(self.old)


def python_json(code: str, *args: str, timeout: int = 120):
    """Run `code` in a Python process of its own (no test session's threads: a fork is safe
    there) with this checkout importable, and read what it prints as JSON."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=timeout,
        check=True,
    )
    return json.loads(done.stdout)
