"""`tracker commit` when git or the repository is not in its everyday state: hooks that hang or
refuse, locks left behind, merges with other files staged, a detached HEAD, a rebase, hostile
text. Real repositories, real hooks (shell scripts), real processes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.git_helpers import (  # noqa: F401
    act_as,
    alive,
    git,
    init_repo,
    isolated_git,
    wait_dead,
    write_hook,
)
from tracker.cli import main
from tracker.git import gitops

ITEM = "2025-03-01-an-event"
ITEM_PATH = f"evidence/2025/{ITEM}.toml"


@pytest.fixture
def repo(mini: Path) -> Path:
    init_repo(mini)
    git(mini, "add", "recommendations.toml")
    git(mini, "commit", "-q", "-m", "the paper")
    return mini


@pytest.fixture
def quick(monkeypatch):
    """A commit may take one second, and a stopped git half a second to clean up."""
    monkeypatch.setenv(gitops.TIMEOUT_ENV, "1")
    monkeypatch.setattr(gitops, "STOP_GRACE", 0.5)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


# --- hooks that hang ------------------------------------------------------------------------


def test_a_hanging_hook_is_stopped_with_every_process_it_started(
    repo, tmp_path_factory, monkeypatch, quick, capsys
):
    pids = tmp_path_factory.mktemp("pids")
    monkeypatch.setenv("PIDS", str(pids))
    # The hook starts a child that ignores SIGTERM (as a careless tool might), then waits.
    write_hook(
        repo,
        "pre-commit",
        "sh -c 'trap \"\" TERM; exec sleep 300' &\n"
        'echo $! > "$PIDS/child"\n'
        'echo $$ > "$PIDS/hook"\n'
        "sleep 300\n",
    )
    write_evidence(repo, evidence_toml())
    before = head(repo)
    started = time.monotonic()
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert time.monotonic() - started < 10
    assert code == 1
    assert "did not finish within 1 s" in err
    assert "stopped it and every process it started" in err
    hook, child = (int((pids / name).read_text()) for name in ("hook", "child"))
    assert wait_dead(hook) and wait_dead(child)
    assert head(repo) == before


def test_a_lock_left_by_a_stopped_git_is_named_and_never_deleted(
    repo, tmp_path_factory, quick, capsys
):
    # The hook stops git itself: it cannot clean up on SIGTERM, only SIGKILL ends it, and its
    # index.lock stays behind.
    write_hook(repo, "pre-commit", "kill -STOP $PPID\nsleep 300\n")
    write_evidence(repo, evidence_toml())
    code, _, err = run(capsys, "commit", "-C", str(repo))
    lock = repo / ".git" / "index.lock"
    assert code == 1
    assert "did not finish within 1 s" in err
    assert "git left .git/index.lock behind: if no other git is running, delete it" in err
    assert lock.exists()
    # The next commit says why it cannot start, and leaves the lock to the analyst.
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1
    assert "git left .git/index.lock behind: if no other git is running, delete it" in err
    assert lock.exists()
    lock.unlink()
    assert run(capsys, "commit", "-C", str(repo))[0] == 0


def test_a_stale_lock_is_named_in_a_subfolder_project_too(tmp_path, mini, capsys):
    init_repo(tmp_path)
    nested = tmp_path / "data"
    nested.mkdir()
    (nested / "recommendations.toml").write_bytes((mini / "recommendations.toml").read_bytes())
    (tmp_path / ".git" / "index.lock").write_text("", "utf-8")
    code, _, err = run(capsys, "commit", "-C", str(nested))
    assert code == 1
    assert "git left .git/index.lock behind: if no other git is running, delete it" in err
    assert (tmp_path / ".git" / "index.lock").exists()


def test_a_post_commit_hook_that_hangs_says_the_commit_was_made(repo, quick, capsys):
    write_hook(repo, "post-commit", "sleep 300\n")
    write_evidence(repo, evidence_toml())
    before = head(repo)
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1
    assert head(repo) != before
    assert f"the commit was made ({head(repo)[:10]})" in err


def test_the_timeout_setting_is_checked(repo, monkeypatch, capsys):
    monkeypatch.setenv(gitops.TIMEOUT_ENV, "soon")
    write_evidence(repo, evidence_toml())
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 2
    assert "TRACKER_GIT_TIMEOUT='soon': expected a number of seconds" in err


# --- hooks that refuse ----------------------------------------------------------------------


def test_a_failing_hook_exits_1_with_its_output_shown_inert(repo, capsys):
    write_hook(
        repo,
        "pre-commit",
        "printf 'lint: \\033]52;c;SGVsbG8=\\007 bad quote \\342\\200\\256 here\\n' >&2\n"
        "echo 'lint: 1 problem'\nexit 1\n",
    )
    write_evidence(repo, evidence_toml())
    before = head(repo)
    code, out, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1
    assert "a hook of this repository refused it" in err
    assert "lint: 1 problem" in err
    assert "lint: \\x1b]52;c;SGVsbG8=\\x07 bad quote <U+202E> here" in err
    assert "\x1b" not in err + out and "\x07" not in err + out and "\u202e" not in err + out
    assert head(repo) == before


def test_a_commit_msg_hook_sees_the_written_message(repo, capsys):
    write_hook(repo, "commit-msg", 'grep -q "^evidence: add" "$1" || exit 1\n')
    write_evidence(repo, evidence_toml())
    assert run(capsys, "commit", "-C", str(repo))[0] == 0


# --- merges, rebases, detached HEADs ------------------------------------------------------------


def conflicting_merge(repo: Path, monkeypatch, *, other_file: bool) -> None:
    """Alice and Bob change one impact on two branches; Bob's branch may change README.md too."""
    write_evidence(repo, evidence_toml())
    gitops.commit(repo)
    git(repo, "switch", "-q", "-c", "bob")
    act_as(monkeypatch, "bob")
    (repo / ITEM_PATH).write_text(evidence_toml(impact=-1), "utf-8")
    if other_file:
        (repo / "README.md").write_text("Bob's notes\n", "utf-8")
        git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-am", "bob's reading")
    git(repo, "switch", "-q", "main")
    act_as(monkeypatch, "alice")
    (repo / ITEM_PATH).write_text(evidence_toml(impact=4), "utf-8")
    gitops.commit(repo)
    assert "CONFLICT" in git(repo, "merge", "--no-edit", "bob", check=False)
    (repo / ITEM_PATH).write_text(evidence_toml(impact=2), "utf-8")  # resolved


def test_a_merge_that_brings_other_files_is_left_to_git(repo, monkeypatch, capsys):
    conflicting_merge(repo, monkeypatch, other_file=True)
    before = head(repo)
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1
    assert "a merge is in progress and files other than tracker's data" in err
    assert "README.md" in err
    assert "finish the merge with git itself" in err and "git merge --abort" in err
    assert head(repo) == before
    assert (repo / ".git" / "MERGE_HEAD").exists()
    # git finishes it, as the message says
    git(repo, "add", ITEM_PATH)
    git(repo, "commit", "-q", "--no-edit")
    assert len(git(repo, "log", "-1", "--format=%P").split()) == 2


def test_a_file_staged_by_hand_during_a_merge_is_never_committed(repo, monkeypatch, capsys):
    conflicting_merge(repo, monkeypatch, other_file=False)
    (repo / "notes.md").write_text("private\n", "utf-8")
    git(repo, "add", "notes.md")
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1 and "notes.md" in err
    git(repo, "restore", "--staged", "notes.md")
    code, out, _ = run(capsys, "commit", "-C", str(repo), "-m", "Merge Bob's reading")
    assert code == 0 and "concluding the merge" in out
    assert len(git(repo, "log", "-1", "--format=%P").split()) == 2
    assert "notes.md" not in git(repo, "show", "--name-only", "--format=", "HEAD")
    assert "notes.md" not in git(repo, "ls-files")


def test_a_detached_head_is_named_and_refused_unless_asked(repo, capsys):
    git(repo, "switch", "-q", "--detach")
    write_evidence(repo, evidence_toml())
    short = head(repo)[:7]
    said = (
        f"HEAD is detached at {short}: the commit will not be on any branch; "
        "create a branch with git switch -c NAME"
    )
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1
    assert said in err and "tracker commit --detached" in err
    assert head(repo)[:7] == short
    _, out, _ = run(capsys, "commit", "-C", str(repo), "--dry-run")
    assert said in out
    code, out, err = run(capsys, "commit", "-C", str(repo), "--detached")
    assert code == 0
    assert said in err  # said before committing
    assert "on no branch (detached HEAD)" in out
    assert head(repo)[:7] != short


def test_a_cherry_pick_in_progress_is_left_to_git(repo, monkeypatch, capsys):
    write_evidence(repo, evidence_toml())
    gitops.commit(repo)
    git(repo, "switch", "-q", "-c", "bob")
    (repo / ITEM_PATH).write_text(evidence_toml(impact=-1), "utf-8")
    gitops.commit(repo)
    git(repo, "switch", "-q", "main")
    (repo / ITEM_PATH).write_text(evidence_toml(impact=4), "utf-8")
    gitops.commit(repo)
    git(repo, "cherry-pick", "bob", check=False)
    (repo / ITEM_PATH).write_text(evidence_toml(impact=3), "utf-8")
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1
    assert "a cherry-pick is in progress" in err and "git cherry-pick --continue" in err


# --- hostile text ---------------------------------------------------------------------------------


def test_control_sequences_in_data_never_reach_the_terminal(repo, capsys):
    clipboard = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07"
    text = evidence_toml().replace("[source]", f'"{clipboard}" = 1\n"\u202eevil" = 2\n\n[source]')
    text = text.replace(clipboard, "\\u001b]52;c;Y3VybCBldmlsIHwgc2g=\\u0007")
    write_evidence(repo, text)
    odd = repo / "evidence" / "2025" / "\x1b[2Jcleared\u202e.toml"
    odd.write_text(evidence_toml(), "utf-8")
    for args in (["commit"], ["commit", "--dry-run"], ["commit", "--format", "json"]):
        code, out, err = run(capsys, *args, "-C", str(repo))
        shown = out + err
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown, args
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1
    assert "\\x1b]52;c;" in err and "<U+202E>" in err
    assert "\\x1b[2Jcleared" in err


def test_hostile_subjects_and_names_in_log_are_inert(repo, monkeypatch, capsys):
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Eve \x1b[31mRed\u202e")
    write_evidence(repo, evidence_toml())
    gitops.commit(repo, None, "subject \x1b]0;title\x07 \u202e")
    for args in (["log"], ["log", "reboot"], ["log", ITEM], ["blame", ITEM]):
        code, out, err = run(capsys, *args, "-C", str(repo))
        assert code == 0, err
        shown = out + err
        assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown, args
    _, out, _ = run(capsys, "log", "-C", str(repo))
    assert "Eve \\x1b[31mRed<U+202E>" in out and "\\x1b]0;title\\x07" in out
    _, out, _ = run(capsys, "log", "-C", str(repo), "--format", "json")
    assert "\u202e" not in out and "\\u202e" in out


def test_git_is_never_left_running_after_a_timeout_of_a_read(repo, monkeypatch):
    """Every call, not only commits, runs in a group that a timeout stops whole."""
    started = time.monotonic()
    with pytest.raises(gitops.GitError) as err:
        gitops.run(repo, "-c", "alias.hang=!sleep 317", "hang", timeout=0.5)
    assert err.value.kind == "timeout"
    assert time.monotonic() - started < 5
    assert not any(
        alive(int(p.name))
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and _cmdline(p) == "sleep 317"
    )


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""
