"""A finished command leaves its objects to the operating system: the output is all there,
the exit code is the command's, exit handlers run, and a process that goes on (a test, the
workbench) is untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, evidence_toml, write_evidence
from tracker.cli import main
from tracker.speed import leave


def environment(**env: str) -> dict[str, str]:
    """This checkout importable, and output buffered as it is for a user (a pipe's output
    waits in a buffer until flushed)."""
    out = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return {**out, "PYTHONPATH": str(REPO), **env}


def tracker(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment(**env),
        timeout=120,
    )


def shell(line: str, *, cwd: Path) -> subprocess.CompletedProcess:
    """`tracker LINE` run by the shell (pipes and redirections as a user types them)."""
    return subprocess.run(
        f"{sys.executable} -m tracker {line}",
        shell=True,
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )


@pytest.mark.parametrize(
    "args", [["status"], ["status", "--format", "json"], ["check"], ["explain", "reboot"]]
)
def test_the_output_and_exit_code_are_those_of_a_plain_exit(mini, args):
    write_evidence(mini, evidence_toml())
    write_evidence(mini, evidence_toml("2025-03-02-b", date="2025-03-02", impact=9))  # an error
    fast = tracker(*args, cwd=mini)
    plain = tracker(*args, cwd=mini, TRACKER_FAST_EXIT="0")
    assert (fast.returncode, fast.stdout, fast.stderr) == (
        plain.returncode,
        plain.stdout,
        plain.stderr,
    )
    assert fast.stdout.strip()


def test_a_large_output_to_a_pipe_arrives_whole(mini):
    for day in range(1, 29):
        write_evidence(mini, evidence_toml(f"2025-02-{day:02d}-item", date=f"2025-02-{day:02d}"))
    fast = tracker("check", "--format", "json", cwd=mini)
    plain = tracker("check", "--format", "json", cwd=mini, TRACKER_FAST_EXIT="0")
    assert fast.stdout == plain.stdout


def test_exit_handlers_run_and_the_code_is_kept(tmp_path):
    mark = tmp_path / "ran"
    code = (
        "import atexit, sys\n"
        "from tracker.speed import leave\n"
        f"atexit.register(lambda: open({str(mark)!r}, 'w').write('yes'))\n"
        "leave.enable()\n"
        "leave.keep(object())\n"
        "print('out', end='')\n"
        "leave.leave(3)\n"
        "print('never')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (3, "out")
    assert mark.read_text() == "yes"


def test_a_reader_gone_is_not_an_error(mini):
    for day in range(1, 29):
        write_evidence(mini, evidence_toml(f"2025-02-{day:02d}-item", date=f"2025-02-{day:02d}"))
    done = shell("status | head -c 10", cwd=mini)
    assert "Traceback" not in done.stderr
    assert len(done.stdout) == 10


@pytest.mark.parametrize("args", [["status"], ["status", "--format", "json"], ["check"]])
def test_a_reader_gone_before_anything_was_written_exits_0(mini, args):
    write_evidence(mini, evidence_toml())
    done = subprocess.Popen(
        [sys.executable, "-m", "tracker", *args],
        cwd=mini,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    )
    assert done.stdout is not None and done.stderr is not None
    done.stdout.close()  # the reader is gone before the command writes a byte
    err = done.stderr.read().decode()
    assert done.wait(timeout=60) == 0, err
    assert "Traceback" not in err


def test_closed_output_streams_are_no_error(mini):
    write_evidence(mini, evidence_toml())
    for redirect in (">&-", "2>&-", ">&- 2>&-"):
        done = shell(f"status {redirect}", cwd=mini)
        assert done.returncode == 0, (redirect, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout


def test_main_in_a_process_that_goes_on_keeps_nothing(mini, capsys):
    write_evidence(mini, evidence_toml())
    assert main(["status", "--root", str(mini)]) == 0
    assert leave._kept == []
