"""Hostile and broken input through the command line: a clear line and exit 1 or 2, never a
traceback, a hang, a write outside the project, or a byte that drives the terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, evidence_toml, write_evidence
from tracker.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    "draft_id",
    ["../../elsewhere/victim", "/etc/passwd", "a" * 300, "Upper", "ok/../../x", "."],
)
def test_promote_refuses_anything_but_a_draft_id(mini, tmp_path, capsys, draft_id):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim.toml"
    victim.write_text(evidence_toml())
    (elsewhere / "victim.txt").write_text("words")
    code, out, err = run(capsys, "draft", "promote", draft_id, "-C", str(mini))
    assert code == 1 and "not a draft id" in err and "Traceback" not in err + out
    assert victim.exists() and (elsewhere / "victim.txt").exists()
    assert len(err) < 400


def test_terminal_escapes_in_a_key_are_shown_not_sent(mini, capsys):
    hostile = evidence_toml().replace(
        'title = "An event"', 'title = "An event"\n"x\\u001b]52;c;cHduZWQ=\\u0007\\u202e" = 1'
    )
    write_evidence(mini, hostile)
    code, out, _ = run(capsys, "check", "-C", str(mini))
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]52" in out and "<U+202E>" in out
    assert "evidence/2025/2025-03-01-an-event.toml:3:" in out  # the finding has its line


@pytest.mark.parametrize(
    "config",
    ['[scoring]\nhalf_life_days = "x"\n', "[scoring\n", "scoring = 3\n"],
)
def test_check_reads_tracker_toml(mini, capsys, config):
    (mini / "tracker.toml").write_text(config)
    code, out, _ = run(capsys, "check", "-C", str(mini))
    assert code == 1 and "tracker.toml:" in out


def test_a_device_or_a_pipe_in_place_of_a_data_file_never_hangs(mini, tmp_path):
    (mini / "tracker.toml").symlink_to("/dev/zero")
    fifo = mini / "evidence" / "2025"
    fifo.mkdir(parents=True)
    os.mkfifo(fifo / "2025-03-01-a-pipe.toml")
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "check", "-C", str(mini)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=30,
    )
    assert done.returncode == 1
    assert "tracker.toml: cannot read: is a device" in done.stdout
    assert "2025-03-01-a-pipe.toml: cannot read: is a pipe" in done.stdout


def test_a_broken_paper_is_a_finding_for_every_command(mini, capsys):
    (mini / "recommendations.toml").write_text('schema = 1\n[paper]\ntitle = "x"\n[[node]\n')
    write_evidence(mini, evidence_toml())
    for argv in (
        ["check"],
        ["status"],
        ["explain", "reboot"],
        ["history"],
        ["changes", "--since", "2025-01-01"],
        ["draft", "list"],
        ["fmt", "--check"],
    ):
        code, out, err = run(capsys, *argv, "-C", str(mini))
        assert code in (0, 1, 2), argv
        assert "Traceback" not in out + err and "internal error" not in err, (argv, err)


_ = (Path, signal)
