"""A recommendation's history from one pass over git: the same scores as rebuilding each commit,
branches and merges included, and a number of git processes that does not grow with history."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.git_helpers import act_as, at_date, git, init_repo, isolated_git  # noqa: F401
from tracker.cli import main
from tracker.git import gitops, history
from tracker.workspace import open_workspace


@pytest.fixture
def repo(mini: Path) -> Path:
    init_repo(mini)
    git(mini, "add", "recommendations.toml")
    git(mini, "commit", "-q", "-m", "the paper")
    return mini


def item(n: int, rec: str = "reboot", impact: int = 1, month: int = 1) -> str:
    return evidence_toml(
        f"2025-{month:02d}-{n:02d}-item",
        date=f"2025-{month:02d}-{n:02d}",
        recommendation=rec,
        impact=impact,
        url=f"https://example.org/{n}",
    )


def path(n: int, month: int = 1) -> str:
    return f"evidence/2025/2025-{month:02d}-{n:02d}-item.toml"


def branching_history(repo: Path, monkeypatch) -> None:
    """Alice on main, Bob on a branch (an edit, an addition, a removal), merged with a
    conflict resolved by hand; then more on main. Commit dates move forward a day at a time."""
    day = iter(range(1, 28))

    def commit(message: str | None = None) -> None:
        at_date(monkeypatch, f"2025-02-{next(day):02d}T10:00:00+00:00")
        gitops.commit(repo, None, message)

    write_evidence(repo, item(1, impact=2))
    write_evidence(repo, item(2, impact=-1))
    commit()
    write_evidence(repo, item(3, rec="balance-west", impact=3))
    commit()
    git(repo, "switch", "-q", "-c", "bob")
    act_as(monkeypatch, "bob")
    (repo / path(1)).write_text(item(1, impact=-2), "utf-8")
    commit()
    write_evidence(repo, item(4, impact=4))
    commit()
    (repo / path(2)).unlink()
    commit()
    git(repo, "switch", "-q", "main")
    act_as(monkeypatch, "alice")
    (repo / path(1)).write_text(item(1, impact=3), "utf-8")
    commit()
    write_evidence(repo, item(5, rec="balance-russia", impact=-2))
    commit()
    at_date(monkeypatch, "2025-02-20T10:00:00+00:00")
    git(repo, "merge", "--no-edit", "bob", check=False)
    (repo / path(1)).write_text(item(1, impact=1), "utf-8")
    commit("Merge Bob's readings")
    (repo / path(4)).write_text(item(4, impact=-3), "utf-8")
    commit()


def rebuilt(root: Path, node_id: str, rev: str | None, as_of) -> tuple[float | None, str | None]:
    """The reference: the commit rebuilt whole, scored whole (score and status)."""
    if rev is None:
        return None, None
    project = gitops.workspace_at(root, rev)
    score = project.scores(as_of)[node_id]
    return score.score, score.status


@pytest.mark.parametrize("node_id", ["reboot", "balance", "priorities", "precondition"])
def test_scores_match_each_commit_rebuilt_whole(repo, monkeypatch, node_id):
    branching_history(repo, monkeypatch)
    project = open_workspace(repo, cache=False)
    result = history.recommendation_history(project, node_id)
    assert result.scored and result.entries
    for entry in result.entries:
        parent = git(repo, "rev-parse", f"{entry.commit}^1").strip()
        as_of = entry.date.date()
        after, after_status = rebuilt(repo, node_id, entry.commit, as_of)
        before, before_status = rebuilt(repo, node_id, parent, as_of)
        assert entry.score_after == pytest.approx(after, rel=1e-12), entry.subject
        assert entry.score_before == pytest.approx(before, rel=1e-12), entry.subject
        assert (entry.status_before, entry.status_after) == (before_status, after_status)


def test_the_history_lists_branch_commits_and_not_the_merge(repo, monkeypatch):
    branching_history(repo, monkeypatch)
    project = open_workspace(repo, cache=False)
    entries = history.recommendation_history(project, "reboot").entries
    subjects = [e.subject for e in entries]
    assert "Merge Bob's readings" not in subjects
    assert [e.author for e in entries].count("Bob Бобров") == 3
    removal = next(e for e in entries if e.changes[0].action == "remove")
    assert removal.changes[0].evidence_id == "2025-01-02-item"
    assert removal.changes[0].detail == "reboot -1 removed"
    dates = [e.date for e in entries]
    assert dates == sorted(dates, reverse=True)


def git_calls(tmp_path: Path, monkeypatch) -> Path:
    """A `git` first on PATH that logs each call, then runs the real git."""
    real = shutil.which("git")
    assert real
    folder = tmp_path / "logging-git"
    folder.mkdir()
    log = tmp_path / "git-calls.log"
    script = folder / "git"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n', "utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


@pytest.mark.parametrize("command", [["log", "reboot"], ["log", "precondition"], ["log"]])
def test_git_runs_as_often_for_thirty_commits_as_for_three(
    repo, tmp_path_factory, monkeypatch, capsys, command
):
    """One `git log --raw` and one `git cat-file --batch`, never one git per commit."""
    calls = git_calls(tmp_path_factory.mktemp("calls"), monkeypatch)
    counts = []
    for total in (3, 30):
        for n in range(1, total + 1):
            if not (repo / path(n)).exists():
                write_evidence(repo, item(n, impact=n % 5))
            else:
                (repo / path(n)).write_text(item(n, impact=-(n % 5)), "utf-8")
            gitops.commit(repo)
        calls.write_text("", "utf-8")
        assert main([*command, "-C", str(repo)]) == 0
        counts.append(len(calls.read_text("utf-8").splitlines()))
    capsys.readouterr()
    assert counts[0] == counts[1] and counts[0] <= 12, counts


@pytest.mark.parametrize("node_id", ["reboot", "precondition"])
def test_an_older_git_gives_the_same_history(repo, monkeypatch, node_id):
    """Before git 2.31 a merge's first-parent diff comes from `-m`: the same entries, scores."""
    branching_history(repo, monkeypatch)
    project = open_workspace(repo, cache=False)
    now = history.recommendation_history(project, node_id)
    monkeypatch.setattr(gitops, "_VERSION", [(2, 30)])
    assert history.recommendation_history(project, node_id) == now


def test_a_git_too_old_to_commit_safely_is_named(repo, monkeypatch, capsys):
    monkeypatch.setattr(gitops, "_VERSION", [(2, 20)])
    write_evidence(repo, item(1))
    assert main(["commit", "-C", str(repo)]) == 2
    assert "tracker needs git 2.26 or newer to commit; this is git 2.20" in capsys.readouterr().err


def test_the_benchmark_still_runs(tmp_path):
    """bench/git_log.py on a short history: it builds, and every timed command succeeds."""
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "git_log.py"), "--commits", "30", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "30 commits" in done.stdout and "blame" in done.stdout
