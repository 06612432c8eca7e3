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
    options["files"] = memo.files_digest(options["files"])
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


def damage_memo(root: Path, damage: str, *, empty: str, foreign: str, prefix: str = "") -> None:
    """Damage the memo's rows named `prefix`...: an `empty` value whose crc no longer
    matches, a crc off by one, or a `foreign` value with its right crc (the wrong shape)."""
    db = sqlite3.connect(project_cache_dir(root) / filecache.FILE)
    where = ("WHERE substr(name, 1, ?) = ?", (len(prefix), prefix))
    if damage == "value":
        db.execute(f"UPDATE memo SET value = ? {where[0]}", (empty, *where[1]))
    elif damage == "crc":
        db.execute(f"UPDATE memo SET crc = crc + 1 {where[0]}", where[1])
    else:
        crc = filecache.zlib.crc32(foreign.encode())
        db.execute(f"UPDATE memo SET value = ?, crc = ? {where[0]}", (foreign, crc, *where[1]))
    db.commit()
    db.close()


@pytest.mark.parametrize("damage", ["value", "crc", "shape"])
def test_a_damaged_memo_is_checked_afresh(mini, damage):
    check = Counted(FOUND)
    remembered(mini, check)
    damage_memo(mini, damage, empty="[]", foreign='[["x"]]')
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


def test_packing_with_orjson_gives_the_standard_librarys_json(mini):
    """A row packed by orjson is the JSON the standard library writes (Cyrillic kept as it
    is); a finding orjson refuses to encode (a lone surrogate) is packed the slow way."""
    from tracker.domain.problems import Problem
    from tracker.store.reader import EvidenceResult, read_evidence

    write_evidence(mini, evidence_toml("2025-03-01-item-0", url="https://example.org/Минск"))
    write_evidence(
        mini,
        evidence_toml("2025-03-02-item-1", date="2025-03-02", extra='"Минск\\t\\u0001" = 1\n'),
    )
    good = read_evidence(mini, "evidence/2025/2025-03-01-item-0.toml")
    bad = read_evidence(mini, "evidence/2025/2025-03-02-item-1.toml")
    assert good.facts is not None and bad.problems
    for result in (good, bad):
        text, crc = filecache.pack(result)
        assert text == _standard_pack(result)
        assert "Минск" in text and crc == filecache.zlib.crc32(text.encode("utf-8"))
        assert filecache.unpack(result.rel, text, crc)[2:] == (result.facts, result.problems)
    odd = EvidenceResult(
        "evidence/2025/x\udcff.toml",
        "a" * 64,
        [Problem("evidence/2025/x\udcff.toml", Code.TOML_SYNTAX, "bad \udcff", 1)],
    )
    text, crc = filecache.pack(odd)
    assert text == _standard_pack(odd)
    assert filecache.unpack(odd.rel, text, crc)[3] == odd.problems


def _standard_pack(result) -> str:
    problems = [[p.path, str(p.code), p.message, p.line, p.severity] for p in result.problems]
    problems = problems or None
    f = result.facts
    facts = None
    if f is not None:
        facts = [
            f.id,
            f.date.toordinal(),
            f.midpoint.toordinal(),
            f.published.toordinal() if f.published else None,
            f.url_key,
            f.event,
            f.reliability,
            f.credibility,
            [list(a) for a in f.assessments],
        ]
    return json.dumps(
        [result.sha256, result.archive_sha256, problems, facts],
        ensure_ascii=False,
        separators=(",", ":"),
    )
