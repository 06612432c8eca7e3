"""gitops on real repositories: committing safely, reading history, the known-as-of clock."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.git_helpers import act_as, at_date, git, init_repo, isolated_git, no_identity  # noqa: F401
from tracker.cli import main
from tracker.git import gitops
from tracker.workspace import open_workspace

ITEM = "2025-03-01-an-event"
ITEM_PATH = f"evidence/2025/{ITEM}.toml"


@pytest.fixture
def repo(mini: Path) -> Path:
    """The mini project in a git repository with its tree committed, no evidence yet."""
    init_repo(mini)
    git(mini, "add", "recommendations.toml")
    git(mini, "commit", "-q", "-m", "the paper")
    return mini


def committed_files(root: Path, rev: str = "HEAD") -> list[str]:
    return git(root, "show", "--name-only", "--format=", rev).split()


# --- the environment: no repository, no git, no identity ---------------------------------------


def test_not_a_repository_is_a_clear_error(mini, capsys):
    with pytest.raises(gitops.GitError) as err:
        gitops.pending_changes(mini)
    assert err.value.kind == "not-a-repo"
    assert "git init" in str(err.value)
    assert main(["commit", "-C", str(mini)]) == 2
    assert "not in a git repository" in capsys.readouterr().err
    assert gitops.head_commit(mini) is None


def test_git_missing_is_a_clear_error(repo, tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    write_evidence(repo, evidence_toml())
    assert main(["commit", "-C", str(repo)]) == 2
    err = capsys.readouterr().err
    assert "git is not installed" in err
    assert "Traceback" not in err
    assert gitops.head_commit(repo) is None  # a missing git is "no commit", not a crash


def test_no_identity_is_refused_with_instructions(repo, monkeypatch, capsys):
    no_identity(monkeypatch)
    write_evidence(repo, evidence_toml())
    with pytest.raises(gitops.GitError) as err:
        gitops.commit(repo)
    assert err.value.kind == "no-identity"
    assert main(["commit", "-C", str(repo)]) == 2
    assert 'git config --global user.email "you@example.org"' in capsys.readouterr().err
    assert git(repo, "status", "--porcelain").startswith("??")  # nothing was staged


# --- committing ----------------------------------------------------------------------------------


def test_first_commit_in_an_empty_repository(mini):
    init_repo(mini)
    write_evidence(mini, evidence_toml())
    assert gitops.head_commit(mini) is None
    result = gitops.commit(mini)
    assert result.root_commit
    assert result.branch == "main"
    assert result.commit == gitops.head_commit(mini)
    assert sorted(committed_files(mini)) == [ITEM_PATH, "recommendations.toml"]
    first, _, body = result.message.partition("\n\n")
    assert first == "evidence: add 1 item; recommendations"
    assert f"- evidence: add {ITEM} (reboot +2)" in body
    assert "- recommendations: add the paper's tree" in body


def test_default_message_for_one_added_item(repo):
    write_evidence(
        repo,
        evidence_toml(
            extra='\n[[assessment]]\nrecommendation = "balance"\n'
            'impact = -1\nconfidence = "low"\nrationale = "R."\n'
        ),
    )
    changes = gitops.pending_changes(repo)
    assert [(c.path, c.status, c.kind, c.evidence_id) for c in changes] == [
        (ITEM_PATH, "added", "evidence", ITEM)
    ]
    assert gitops.default_message(repo, changes) == f"evidence: add {ITEM} (reboot +2, balance -1)"
    result = gitops.commit(repo)
    assert (
        git(repo, "log", "-1", "--format=%s").strip()
        == f"evidence: add {ITEM} (reboot +2, balance -1)"
    )
    assert not result.root_commit


def test_default_message_for_an_edit_and_a_removal(repo):
    path = write_evidence(repo, evidence_toml())
    other = write_evidence(
        repo, evidence_toml("2025-04-01-other", date="2025-04-01", url="https://example.org/other")
    )
    gitops.commit(repo)
    path.write_text(evidence_toml(impact=-1), "utf-8")
    assert gitops.default_message(repo, gitops.pending_changes(repo)) == (
        f"evidence: update {ITEM} (reboot +2 → -1)"
    )
    gitops.commit(repo)
    other.unlink()
    changes = gitops.pending_changes(repo)
    assert [(c.status, c.evidence_id) for c in changes] == [("deleted", "2025-04-01-other")]
    result = gitops.commit(repo)
    assert result.message == "evidence: remove 2025-04-01-other"
    assert "2025-04-01-other" not in git(repo, "ls-files")


def test_commit_refuses_invalid_data_and_lists_the_problems(repo, capsys):
    write_evidence(repo, evidence_toml(impact=9))
    head = gitops.head_commit(repo)
    with pytest.raises(gitops.GitError) as err:
        gitops.commit(repo)
    assert err.value.kind == "invalid-data"
    assert any(p.path == ITEM_PATH and p.line for p in err.value.problems)
    assert f"{ITEM_PATH}:" in str(err.value)
    assert gitops.head_commit(repo) == head
    assert git(repo, "diff", "--cached", "--name-only") == ""  # nothing staged either
    assert main(["commit", "-C", str(repo)]) == 1
    assert "impact" in capsys.readouterr().err


def test_commit_never_takes_other_files(repo):
    (repo / "notes.md").write_text("private notes\n", "utf-8")
    git(repo, "add", "notes.md")  # staged by hand: still not tracker's to commit
    (repo / "draft.txt").write_text("untracked\n", "utf-8")
    write_evidence(repo, evidence_toml())
    result = gitops.commit(repo)
    assert committed_files(repo) == [ITEM_PATH]
    assert result.files == [ITEM_PATH]
    assert git(repo, "diff", "--cached", "--name-only").split() == ["notes.md"]


def test_commit_only_the_paths_given(repo):
    write_evidence(repo, evidence_toml())
    second = write_evidence(
        repo, evidence_toml("2025-04-01-other", date="2025-04-01", url="https://example.org/o")
    )
    gitops.commit(repo, [second])
    assert committed_files(repo) == ["evidence/2025/2025-04-01-other.toml"]
    assert [c.path for c in gitops.pending_changes(repo)] == [ITEM_PATH]
    with pytest.raises(gitops.GitError) as err:
        gitops.commit(repo, [repo / "notes.md"])
    assert err.value.kind == "not-data"


def test_nothing_to_commit(repo, capsys):
    with pytest.raises(gitops.GitError) as err:
        gitops.commit(repo)
    assert err.value.kind == "nothing-to-commit"
    assert main(["commit", "-C", str(repo)]) == 0
    assert "nothing to commit" in capsys.readouterr().err


def test_a_given_message_is_kept_verbatim_in_any_script(repo):
    write_evidence(repo, evidence_toml())
    gitops.commit(repo, None, "Оценка: визит в Минск")
    assert git(repo, "log", "-1", "--format=%s").strip() == "Оценка: визит в Минск"


def test_project_in_a_subfolder_of_the_repository(tmp_path, mini):
    init_repo(tmp_path)
    (tmp_path / "README.md").write_text("x\n", "utf-8")
    git(tmp_path, "add", "README.md")
    git(tmp_path, "commit", "-q", "-m", "readme")
    # `mini` is tmp_path itself; build a nested project instead
    nested = tmp_path / "data"
    nested.mkdir()
    (nested / "recommendations.toml").write_bytes((mini / "recommendations.toml").read_bytes())
    write_evidence(nested, evidence_toml())
    changes = gitops.pending_changes(nested)
    assert [c.path for c in changes] == [ITEM_PATH, "recommendations.toml"]
    gitops.commit(nested)
    assert sorted(committed_files(tmp_path)) == [f"data/{ITEM_PATH}", "data/recommendations.toml"]
    [entry] = gitops.log(nested, [ITEM_PATH])
    assert [f.path for f in entry.files] == [ITEM_PATH]


# --- reading history -----------------------------------------------------------------------------


def test_log_and_blame_read_machine_formats(repo, monkeypatch):
    write_evidence(repo, evidence_toml())
    gitops.commit(repo, None, "first\x1e with a record separator")
    act_as(monkeypatch, "bob")
    (repo / ITEM_PATH).write_text(evidence_toml(impact=-3), "utf-8")
    gitops.commit(repo)
    entries = gitops.log(repo, [ITEM_PATH])
    assert [e.author for e in entries] == ["Bob Бобров", "Alice Analyst"]
    assert [f.status for f in entries[1].files] == ["A"]
    lines = gitops.blame(repo, ITEM_PATH)
    impact = next(
        b for b in lines if b.line == evidence_toml().splitlines().index("impact = 2") + 1
    )
    assert impact.author == "Bob Бобров"
    assert all(b.committed for b in lines)


def test_read_blobs_reports_absent_files_as_none(repo):
    write_evidence(repo, evidence_toml())
    gitops.commit(repo)
    blobs = gitops.read_blobs(
        repo, [("HEAD", ITEM_PATH), ("HEAD~1", ITEM_PATH), ("HEAD", "recommendations.toml")]
    )
    assert blobs[("HEAD", ITEM_PATH)] == evidence_toml().encode()
    assert blobs[("HEAD~1", ITEM_PATH)] is None
    assert blobs[("HEAD", "recommendations.toml")].startswith(b"schema = 1")


def test_known_as_of_reproduces_an_earlier_state(repo, monkeypatch):
    at_date(monkeypatch, "2025-03-02T10:00:00+00:00")
    write_evidence(repo, evidence_toml())
    gitops.commit(repo)
    at_date(monkeypatch, "2025-06-01T10:00:00+00:00")
    write_evidence(
        repo, evidence_toml("2025-05-30-later", date="2025-05-30", url="https://example.org/later")
    )
    (repo / ITEM_PATH).write_text(evidence_toml(impact=-4), "utf-8")
    gitops.commit(repo)
    (repo / ITEM_PATH).write_text(evidence_toml(impact=5), "utf-8")  # not committed: not known

    then = gitops.workspace_known_as_of(repo, dt.date(2025, 3, 2))
    assert then.root == repo
    items = [e.item for e in then.iter_items()]
    assert [i.id for i in items] == [ITEM]
    assert items[0].assessments[0].impact == 2
    assert then.records[0].path == ITEM_PATH
    assert then.problems == []
    now = gitops.workspace_known_as_of(repo, dt.date(2025, 12, 31))
    assert sorted(r.facts.id for r in now.records) == [ITEM, "2025-05-30-later"]
    assert now.evidence_file(ITEM).item.assessments[0].impact == -4
    assert open_workspace(repo).evidence_file(ITEM).item.assessments[0].impact == 5


def test_known_as_of_before_any_commit_is_a_usage_error(repo, monkeypatch, capsys):
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2025-03-02T10:00:00+00:00")
    with pytest.raises(gitops.GitError) as err:
        gitops.workspace_known_as_of(repo, dt.date(2020, 1, 1))
    assert err.value.kind == "no-commit"
    assert "nothing was committed by then" in str(err.value)
    import argparse

    from tracker import cli

    args = argparse.Namespace(root=str(repo), known_as_of=dt.date(2020, 1, 1), no_cache=True)
    with pytest.raises(cli.UsageError):
        cli.open_project(args)


def test_known_as_of_validates_what_was_committed(repo, monkeypatch):
    """A broken file in an old commit is reported by the store's own checks, with its line."""
    at_date(monkeypatch, "2025-03-02T10:00:00+00:00")
    write_evidence(repo, evidence_toml(impact=9))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "broken by hand")
    then = gitops.workspace_known_as_of(repo, dt.date(2025, 3, 3))
    [problem] = then.problems
    line = evidence_toml(impact=9).splitlines().index("impact = 9") + 1
    assert (problem.path, problem.line) == (ITEM_PATH, line)
    assert "impact" in problem.message


def test_known_as_of_without_a_repository(mini):
    with pytest.raises(gitops.GitError) as err:
        gitops.workspace_known_as_of(mini, dt.date(2025, 1, 1))
    assert err.value.kind == "not-a-repo"


# --- shallow clones ------------------------------------------------------------------------------


@pytest.fixture
def shallow(repo, tmp_path_factory, monkeypatch) -> tuple[Path, list[str]]:
    """Four commits (Jan-Apr 2025; Bob made the third), cloned with the last two only."""
    other = "2025-02-01-second"
    at_date(monkeypatch, "2025-01-10T10:00:00+00:00")
    write_evidence(repo, evidence_toml())
    gitops.commit(repo)
    at_date(monkeypatch, "2025-02-10T10:00:00+00:00")
    write_evidence(
        repo, evidence_toml(other, date="2025-02-01", impact=-1, url="https://example.org/2")
    )
    gitops.commit(repo)
    at_date(monkeypatch, "2025-03-10T10:00:00+00:00")
    act_as(monkeypatch, "bob")
    (repo / ITEM_PATH).write_text(evidence_toml(impact=3), "utf-8")
    gitops.commit(repo)
    at_date(monkeypatch, "2025-04-10T10:00:00+00:00")
    act_as(monkeypatch, "alice")
    write_evidence(
        repo,
        evidence_toml(
            "2025-04-01-third", date="2025-04-01", recommendation="balance", url="https://e.org/3"
        ),
    )
    gitops.commit(repo)
    commits = git(repo, "log", "--format=%H").split()
    clone = tmp_path_factory.mktemp("shallow") / "clone"
    git(repo, "clone", "-q", "--depth", "2", f"file://{repo}", str(clone))
    return clone, commits


def test_known_as_of_before_a_shallow_boundary_says_the_history_is_cut(shallow, capsys):
    clone, commits = shallow
    assert gitops.head_state(clone).shallow
    assert gitops.shallow_boundary(clone) == [commits[1]]
    with pytest.raises(gitops.GitError) as err:
        gitops.workspace_known_as_of(clone, dt.date(2025, 2, 15))
    message = str(err.value)
    assert "shallow clone" in message and f"cut at {commits[1][:10]} (2025-03-10)" in message
    assert "git fetch --unshallow" in message
    assert "nothing was committed by then" not in message
    assert main(["status", "-C", str(clone), "--known-as-of", "2025-02-15"]) == 2
    assert "git fetch --unshallow" in capsys.readouterr().err
    # from the boundary on, the state is whole
    then = gitops.workspace_known_as_of(clone, dt.date(2025, 3, 15))
    assert sorted(e.item.id for e in then.iter_items()) == ["2025-02-01-second", ITEM]


def test_log_and_blame_mark_the_shallow_boundary_instead_of_crediting_it(shallow, capsys):
    clone, commits = shallow
    entries = gitops.log(clone)
    assert [(e.commit, e.boundary) for e in entries] == [(commits[0], False), (commits[1], True)]
    assert main(["log", "-C", str(clone)]) == 0
    out = capsys.readouterr().out
    assert f"{commits[1][:10]}  2025-03-10  history cut here (shallow clone)" in out
    assert "Bob" not in out and "git fetch --unshallow" in out

    assert main(["log", "-C", str(clone), "reboot", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    [entry] = payload["entries"]
    assert entry["boundary"] and entry["score_before"] is None
    assert {c["action"] for c in entry["changes"]} == {"holds"}
    assert payload["shallow"] is True
    assert main(["log", "-C", str(clone), "reboot"]) == 0
    out = capsys.readouterr().out
    assert "history cut here" in out and "Bob" not in out

    lines = gitops.blame(clone, ITEM_PATH)
    assert lines and all(b.boundary for b in lines)
    assert main(["blame", "-C", str(clone), ITEM, "--format", "json"]) == 0
    [blamed] = json.loads(capsys.readouterr().out)["assessments"]
    assert blamed["boundary"] and blamed["author"] == "" and blamed["commit"] == commits[1]
    assert blamed["impact_author"] == "(unknown)"
    assert main(["blame", "-C", str(clone), ITEM]) == 0
    out = capsys.readouterr().out
    assert "older than this shallow clone's history" in out and "Bob" not in out


def test_a_full_clone_credits_its_first_commit(repo, monkeypatch):
    """`git blame` marks a root commit as a boundary by default; tracker does not."""
    write_evidence(repo, evidence_toml())
    gitops.commit(repo)
    assert not any(b.boundary for b in gitops.blame(repo, ITEM_PATH))
    assert not any(c.boundary for c in gitops.log(repo))


def test_a_deletion_staged_with_git_rm_is_committed(repo):
    write_evidence(repo, evidence_toml())
    gitops.commit(repo)
    git(repo, "rm", "-q", ITEM_PATH)  # in neither the work tree nor the index now
    result = gitops.commit(repo)
    assert result.message == f"evidence: remove {ITEM}"
    assert ITEM_PATH not in git(repo, "ls-files")
