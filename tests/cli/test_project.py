"""`tracker init` and `tracker guide`: a complete starting project for another paper, on real
git repositories, and the encoding guide shipped with the package."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.git_helpers import git, isolated_git, no_identity  # noqa: F401
from tracker.cli import main
from tracker.git import gitops
from tracker.workspace import open_workspace

STARTED = [".gitignore", "README.md", "evidence/.gitkeep", "recommendations.toml", "tracker.toml"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def umask_022():
    """Files are written with the umask's mode: under 022, 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_init_starts_a_complete_project_that_passes_check(tmp_path, capsys, umask_022):
    target = tmp_path / "new-paper"
    code, out, err = run(
        capsys, "init", str(target), "--title", "A paper", "--year", "2023", "--month", "4"
    )
    assert code == 0, err
    assert "new git repository" in out and "tracker guide" in out
    assert sorted(git(target, "ls-files").split()) == STARTED
    assert git(target, "log", "--format=%s").strip() == "tracker: start the project"
    for name in STARTED:
        mode = stat.S_IMODE((target / name).stat().st_mode)
        assert mode == 0o644, f"{name} is {mode:o}"
    assert ".tracker-cache/" in (target / ".gitignore").read_text("utf-8")
    readme = (target / "README.md").read_text("utf-8")
    assert "“A paper”" in readme and "tracker guide" in readme and "tracker status -o" in readme
    project = open_workspace(target, cache=False)
    assert project.errors == []
    assert project.paper.title == "A paper"
    assert (project.paper.year, project.paper.month) == (2023, 4)
    assert [n.kind for n in project.nodes] == [
        "section",
        "recommendation",
        "measure",
        "recommendation",
    ]
    # tracker.toml holds every parameter at its default: a team tunes them in a diff
    assert project.problems and all(p.path == "recommendations.toml" for p in project.problems)
    assert "half_life_days = 180.0" in (target / "tracker.toml").read_text("utf-8")
    assert run(capsys, "check", "-C", str(target))[0] == 0
    # an analyst's first evidence commits on top
    write_evidence(target, evidence_toml(recommendation="first-recommendation"))
    assert gitops.commit(target).message.startswith("evidence: add")
    # a folder that holds a project is refused, unchanged
    before = (target / "recommendations.toml").read_bytes()
    code, _, err = run(capsys, "init", str(target))
    assert code == 2 and "already holds a project" in err
    assert (target / "recommendations.toml").read_bytes() == before


def test_check_warns_about_every_placeholder_left(tmp_path, capsys):
    target = tmp_path / "p"
    assert run(capsys, "init", str(target))[0] == 0
    lines = (target / "recommendations.toml").read_text("utf-8").splitlines()
    data_lines = [n for n, line in enumerate(lines, 1) if not line.lstrip().startswith("#")]
    placeholders = [n for n in data_lines if "(replace)" in lines[n - 1]]
    code, out, _ = run(capsys, "check", "-C", str(target), "--format", "json")
    assert code == 0  # warnings, not errors: a half-encoded paper still works
    found = json.loads(out)["problems"]
    assert {p["severity"] for p in found} == {"warning"}
    assert all("placeholder" in p["message"] for p in found)
    assert len(found) == len(placeholders)  # one warning per placeholder, none missed
    # each at its key's line: the placeholder is there, or on the next line of a """ text
    assert {p["line"] for p in found} == {
        n if '"""' not in lines[n - 2] else n - 1 for n in placeholders
    }


def test_init_with_a_hostile_title_writes_valid_toml(tmp_path, capsys):
    title = 'A "quoted" title \\ with """ and\ttab'
    target = tmp_path / "q"
    code, _, err = run(capsys, "init", str(target), "--title", title, "--format", "json")
    assert code == 0, err
    assert open_workspace(target, cache=False).paper.title == title


def test_init_keeps_the_teams_own_readme_and_gitignore(tmp_path, capsys):
    target = tmp_path / "existing"
    target.mkdir()
    (target / "README.md").write_text("# Ours\n", "utf-8")
    (target / ".gitignore").write_text("*.pdf\n", "utf-8")
    code, out, err = run(capsys, "init", str(target), "--format", "json")
    assert code == 0, err
    assert "README.md" not in json.loads(out)["files"]
    assert (target / "README.md").read_text("utf-8") == "# Ours\n"
    assert (target / ".gitignore").read_text("utf-8").startswith("*.pdf\n")


def test_init_without_identity_writes_nothing(tmp_path, monkeypatch, capsys):
    no_identity(monkeypatch)
    code, _, err = run(capsys, "init", str(tmp_path / "p"))
    assert code == 2 and "git config --global user.name" in err
    assert not (tmp_path / "p" / "recommendations.toml").exists()


def test_the_guide_ships_with_the_package(capsys):
    code, out, _ = run(capsys, "guide", "--path")
    path = Path(out.strip())
    assert code == 0 and path.is_file() and path.name.endswith(".md")
    assert "site-packages" in str(path) or path.parent.name == "guide"
    code, out, _ = run(capsys, "guide")
    assert code == 0 and out.startswith("# Encoding a paper for tracker")
    for words in ("[paper]", "[[node]]", "impact", "reliability", "lasting", "tracker status -o"):
        assert words in out
    # pyproject ships it as package data, beside the page's stylesheet
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text("utf-8")
    assert (
        '"tracker.guide" = ["*.md"]' in pyproject and '"tracker.reports" = ["*.css"]' in pyproject
    )


@pytest.mark.parametrize("command", ["init", "guide"])
def test_help_teaches_with_examples(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"tracker {command}" in out
    assert "tracker guide" in out  # init's help says where the guide is


def test_help_does_not_load_the_guide_or_the_pages():
    code = (
        "import sys; from tracker.cli import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('tracker.guide', 'tracker.reports'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
