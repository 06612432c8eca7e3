"""The command line: exit codes, output formats, no tracebacks, and no TUI import on the way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, evidence_toml, write_evidence
from tracker.cli import main


def run(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_check_clean_project(mini, capsys):
    write_evidence(mini, evidence_toml())
    assert main(["check", "--root", str(mini)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 0 errors, 0 warnings in 1 evidence items")


def test_check_problems_exit_1_with_path_line_message(mini, capsys):
    write_evidence(mini, evidence_toml(impact=9))
    write_evidence(mini, evidence_toml("2025-03-02-b", date="2025-03-02", recommendation="nope"))
    assert main(["check", "-C", str(mini)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("evidence/2025/2025-03-01-an-event.toml:14: assessment[1].impact")
    assert lines[1].startswith("evidence/2025/2025-03-02-b.toml:13: unknown recommendation 'nope'")
    assert lines[-1] == "2 errors, 0 warnings in 1 evidence items and 6 recommendations"


def test_check_json(mini, capsys):
    write_evidence(mini, evidence_toml(impact=9))
    assert main(["check", "-C", str(mini), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["version"] == 1 and report["ok"] is False and report["errors"] == 1
    problem = report["problems"][0]
    assert problem["path"] == "evidence/2025/2025-03-01-an-event.toml"
    assert problem["line"] == 14 and problem["severity"] == "error"


def test_wrong_usage_exits_2(mini, tmp_path):
    assert run("check", "--bogus", cwd=mini).returncode == 2
    outside = run("check", cwd=tmp_path.parent)
    assert outside.returncode == 2
    assert "no recommendations.toml" in outside.stderr and "Traceback" not in outside.stderr
    missing = run("check", "--root", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr


def test_bundled_data_passes_check():
    result = run("check", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hostile_files_never_produce_a_traceback(mini):
    folder = mini / "evidence/2025"
    folder.mkdir()
    (folder / "a.toml").write_bytes(b"\xff\xfe\x00garbage")
    (folder / "b.toml").write_bytes(b"[[[[[[[[")
    (folder / "c.toml").write_bytes(b"x = " + b"[" * 20000)
    result = run("check", cwd=mini)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("evidence/2025/") == 3


@pytest.mark.parametrize("command", [["--help"], ["check"], ["check", "--help"]])
def test_cli_without_tui_does_not_import_textual(command):
    code = (
        "import sys, runpy; sys.argv = ['tracker', *sys.argv[1:]];\n"
        "from tracker.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "print('TEXTUAL' if bad else 'CLEAN')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *command], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().endswith("CLEAN"), result.stdout + result.stderr


def test_python_dash_m_works():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("tracker ")


def test_the_workbench_takes_its_options_without_the_word_tui(mini, capsys):
    # `tracker -C DIR --no-cache` means `tracker tui -C DIR --no-cache`; without a terminal
    # the workbench says so (exit 2), where before the options themselves were refused.
    assert main(["-C", str(mini), "--no-cache"]) == 2
    assert "needs a terminal" in capsys.readouterr().err
    assert main(["--no-cache", "-C", str(mini / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
