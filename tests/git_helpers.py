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
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


# --- crafted objects: what `git add` never makes, but a clone can bring ----------------------


def git_bytes(root: Path, *args: str, input: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=root, input=input, capture_output=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr!r}")
    return done.stdout


def blob(root: Path, data: bytes | str) -> str:
    """A blob written to the object store; its id."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return git_bytes(root, "hash-object", "-w", "--stdin", input=raw).decode().strip()


def tree(root: Path, entries: list[tuple[str, str, str]]) -> str:
    """A tree of (mode, id, name) entries exactly as given: duplicates, `..` and all.

    `git mktree` checks neither (git fsck would); modes 040000 are trees, 160000 commits."""
    kinds = {"040000": "tree", "160000": "commit"}
    lines = b"".join(
        f"{mode} {kinds.get(mode, 'blob')} {sha}\t".encode() + name.encode("utf-8") + b"\0"
        for mode, sha, name in entries
    )
    return git_bytes(root, "mktree", "-z", "--missing", input=lines).decode().strip()


def commit_tree(root: Path, tree_id: str, parents: list[str], message: str, when: str) -> str:
    """A commit of `tree_id` dated `when` (ISO), made the current branch's head."""
    import os

    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    args = ["git", "commit-tree", tree_id, "-m", message]
    for parent in parents:
        args += ["-p", parent]
    done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, check=True)
    sha = done.stdout.strip()
    git(root, "update-ref", "HEAD", sha)
    return sha


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting for its reaper does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_dead(pid: int, seconds: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def write_hook(root: Path, name: str, script: str) -> Path:
    """A real hook: an executable shell script in the repository's hooks folder."""
    hooks = Path(git(root, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else root / hooks
    hooks.mkdir(parents=True, exist_ok=True)
    path = hooks / name
    path.write_text("#!/bin/sh\n" + script, "utf-8")
    path.chmod(0o755)
    return path
