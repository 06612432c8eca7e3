"""Real git repositories for tests: isolated from the machine's git configuration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ANALYSTS = {
    "alice": ("Alice Analyst", "alice@example.org"),
    "bob": ("Bob Бобров", "bob@example.org"),
}


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch, tmp_path: Path):
    """No system or global git config leaks in; Alice is the identity unless a test changes it."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    for var in (
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_DATE",
    ):
        monkeypatch.delenv(var, raising=False)
    act_as(monkeypatch, "alice")


def act_as(monkeypatch, who: str) -> None:
    """Make `who` the author and committer of every following commit, tracker's and git's."""
    name, email = ANALYSTS[who]
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", name)
        monkeypatch.setenv(f"GIT_{role}_EMAIL", email)


def no_identity(monkeypatch) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{role}_NAME", raising=False)
        monkeypatch.delenv(f"GIT_{role}_EMAIL", raising=False)


def at_date(monkeypatch, when: str) -> None:
    """Commit as if on `when` (ISO date-time, e.g. 2025-03-01T12:00:00+00:00)."""
    monkeypatch.setenv("GIT_AUTHOR_DATE", when)
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)


def git(root: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def init_repo(root: Path) -> Path:
    git(root, "init", "-q", "-b", "main")
    return root
