"""The findings across files, remembered: read back only for the same paper, day and files;
anything else checks afresh."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import orjson
import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.speed.test_loader import aged, mixed_project, snapshot
from tracker.domain.problems import Code, Problem
from tracker.speed import filecache, memo
from tracker.speed.location import project_cache_dir
from tracker.workspace import open_workspace

FILES = [("evidence/2025/a.toml", "1" * 64), ("evidence/2025/b.toml", "2" * 64)]
FOUND = [Problem("evidence/2025/b.toml", Code.DUPLICATE_ID, "duplicate id 'a' (see …)", 3)]


class Counted:
    """A check that counts how often it runs."""

    def __init__(self, found: list[Problem]) -> None:
        self.found = found
        self.runs = 0

    def __call__(self) -> list[Problem]:
        self.runs += 1
        return list(self.found)


def remembered(root: Path, check: Counted, **change) -> list[Problem]:
    options = {"paper_sha256": "p", "today": "2025-06-01", "files": FILES, **change}
    return memo.cross_file_problems(root, compute=check, **options)


def test_the_same_inputs_are_checked_once(mini):
    check = Counted(FOUND)
    assert remembered(mini, check) == FOUND
    assert remembered(mini, check) == FOUND
    assert check.runs == 1


@pytest.mark.parametrize(
    "change",
    [
        {"paper_sha256": "another paper"},
        {"today": "2025-06-02"},
        {"files": [FILES[0], ("evidence/2025/b.toml", "3" * 64)]},
        {"files": FILES[:1]},
        {"files": [*FILES, ("evidence/2025/c.toml", "4" * 64)]},
    ],
    ids=["paper", "day", "edited", "deleted", "added"],
)
def test_anything_else_is_checked_afresh(mini, change):
    check = Counted(FOUND)
    remembered(mini, check)
    remembered(mini, check, **change)
    assert check.runs == 2


@pytest.mark.parametrize("damage", ["value", "crc", "shape"])
def test_a_damaged_memo_is_checked_afresh(mini, damage):
    check = Counted(FOUND)
    remembered(mini, check)
    db = sqlite3.connect(project_cache_dir(mini) / filecache.FILE)
    if damage == "value":
        db.execute("UPDATE memo SET value = '[]'")
    elif damage == "crc":
        db.execute("UPDATE memo SET crc = crc + 1")
    else:
        value = '[["x"]]'
        db.execute(
            "UPDATE memo SET value = ?, crc = ?", (value, filecache.zlib.crc32(value.encode()))
        )
    db.commit()
    db.close()
    assert remembered(mini, check) == FOUND
    assert check.runs == 2


def test_findings_across_files_follow_every_change(mini):
    """A duplicate id appears, is remembered, and goes when the file changes."""
    mixed_project(mini)
    write_evidence(
        mini, evidence_toml("2025-03-01-item-0", date="2025-03-05"), "evidence/2025/twin.toml"
    )
    aged(mini)
    first = open_workspace(mini, today=dt.date(2025, 6, 1))
    assert any(p.code == Code.DUPLICATE_ID for p in first.problems)
    again = open_workspace(mini, today=dt.date(2025, 6, 1))
    assert snapshot(again) == snapshot(first)
    twin = mini / "evidence/2025/twin.toml"
    twin.write_text(twin.read_text().replace('"2025-03-01-item-0"', '"2025-03-05-twin"'))
    fixed = open_workspace(mini, today=dt.date(2025, 6, 1))
    assert not any(p.code == Code.DUPLICATE_ID for p in fixed.problems)
    assert snapshot(fixed) == snapshot(open_workspace(mini, speed=False, today=dt.date(2025, 6, 1)))


def test_a_finding_orjson_refuses_is_read_the_slow_way(mini):
    """A file name that is not UTF-8 reaches a finding as a lone surrogate, which orjson
    does not decode: the row is still used, not lost."""
    name = "evidence/2025/x\udcff.toml"
    text = json.dumps(
        ["a" * 64, None, [[name, "toml-syntax", "bad \udcff", 1, "error"]], None],
        ensure_ascii=False,
    )
    assert "\udcff" in text  # the character itself, as the loader packs it
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)
    crc = filecache.zlib.crc32(text.encode("utf-8", "surrogatepass"))
    sha256, _, facts, problems = filecache.unpack("evidence/2025/x.toml", text, crc)
    assert sha256 == "a" * 64 and facts is None
    assert problems[0].message == "bad \udcff"
