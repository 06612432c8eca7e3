"""Files tracker writes follow the umask (0644 under 022), as an editor's would: a published
report can be served by a web server running as another user."""

from __future__ import annotations

import os
import stat

import pytest

from tests.conftest import evidence_toml, write_evidence
from tracker.cli import main
from tracker.store import writer
from tracker.workspace import open_workspace


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    from tracker.store import files

    files._UMASK = None  # read again
    yield
    os.umask(old)
    files._UMASK = None


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_saved_evidence_and_its_archive_follow_the_umask(mini, umask_022):
    write_evidence(mini, evidence_toml())
    ws = open_workspace(mini)
    ev = ws.read(ws.records[0].path)
    item = ev.item.model_copy(
        update={"source": ev.item.source.model_copy(update={"archive_sha256": None})}
    )
    saved = ws.save(item, expected_sha256=ev.sha256, previous_path=ev.path, archive="text")
    assert mode(mini / saved.path) == 0o644
    assert mode((mini / saved.path).with_suffix(".txt")) == 0o644


def test_a_report_follows_the_umask(bundled, tmp_path, umask_022):
    out = tmp_path / "status.html"
    assert main(["status", "-C", str(bundled), "-o", str(out)]) == 0
    assert mode(out) == 0o644


def test_a_new_file_in_a_stricter_umask(mini):
    old = os.umask(0o077)
    from tracker.store import files

    files._UMASK = None
    try:
        writer.apply(mini, [writer.Step("evidence/2025/x.txt", b"words", None)])
        assert mode(mini / "evidence/2025/x.txt") == 0o600
    finally:
        os.umask(old)
        files._UMASK = None
