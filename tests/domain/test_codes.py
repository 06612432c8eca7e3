"""Every finding's stable code, each with a reproducer: a project that yields it, and the line
it names. The form and scripts match on these codes, never on the words."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MINI_RECOMMENDATIONS, evidence_toml, write_evidence
from tracker.domain.problems import CODES, Code
from tracker.store.toml_read import sha256_bytes
from tracker.workspace import open_workspace

REL = "evidence/2025/2025-03-01-an-event.toml"
GOOD = evidence_toml()


def put(root: Path, text: str | bytes, rel: str = REL) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")


def paper(root: Path, nodes: str) -> None:
    head = MINI_RECOMMENDATIONS.split("[[node]]")[0]
    (root / "recommendations.toml").write_text(head + nodes, "utf-8")


def archived(root: Path, text: str, quote: str = "Something happened.", declare=True) -> None:
    digest = sha256_bytes(text.encode())
    extra = f'\narchive_sha256 = "{digest}"' if declare else ""
    put(root, GOOD.replace(f'quote = "{quote}"', f'quote = "{quote}"{extra}'))
    (root / REL).with_suffix(".txt").write_text(text, "utf-8")


def interrupted(root: Path) -> None:
    from tracker.store.state import project_state_dir

    put(root, GOOD)
    folder = project_state_dir(root) / "journal"
    folder.mkdir(parents=True)
    step = {"rel": REL, "temp": ".tracker-gone.tmp", "sha256": "0" * 64, "expected": None}
    (folder / "x.json").write_text(json.dumps({"root": str(root), "steps": [step]}))


REPRODUCERS: dict[Code, Callable[[Path], None]] = {
    Code.CANNOT_READ: lambda r: (
        put(r, GOOD, "evidence/2025/a.toml"),
        os.unlink(r / "evidence/2025/a.toml"),
        os.mkfifo(r / "evidence/2025/a.toml"),
    ),
    Code.TOO_LARGE: lambda r: put(r, "# " + "x" * (2 << 20) + "\n"),
    Code.NOT_UTF8: lambda r: put(r, GOOD.replace("Outlet", "Outl\u00e9t").encode("latin-1")),
    Code.BYTE_ORDER_MARK: lambda r: put(r, b"\xef\xbb\xbf" + GOOD.encode()),
    Code.BINARY: lambda r: put(r, b"\x00\x01"),
    Code.EMPTY: lambda r: put(r, ""),
    Code.CONFLICT_MARKER: lambda r: put(r, "<<<<<<< HEAD\n" + GOOD),
    Code.TOML_SYNTAX: lambda r: put(r, 'id = "x\n'),
    Code.MISSING_KEY: lambda r: put(r, GOOD.replace('rationale = "Because."\n', "")),
    Code.UNKNOWN_KEY: lambda r: put(r, GOOD.replace("confidence =", "confidance =")),
    Code.WRONG_TYPE: lambda r: put(r, GOOD.replace("impact = 2", 'impact = "2"')),
    Code.BAD_VALUE: lambda r: put(r, GOOD.replace("impact = 2", "impact = 9")),
    Code.DUPLICATE_NODE: lambda r: paper(
        r,
        '[[node]]\nid = "a"\nkind = "section"\ntitle = "A"\n\n'
        '[[node]]\nid = "a"\nkind = "section"\ntitle = "B"\n',
    ),
    Code.SECTION_PARENT: lambda r: paper(
        r,
        '[[node]]\nid = "a"\nkind = "section"\ntitle = "A"\n\n'
        '[[node]]\nid = "b"\nparent = "a"\nkind = "section"\ntitle = "B"\n',
    ),
    Code.MISSING_PARENT: lambda r: paper(r, '[[node]]\nid = "a"\nkind = "measure"\ntitle = "A"\n'),
    Code.UNKNOWN_PARENT: lambda r: paper(
        r, '[[node]]\nid = "a"\nparent = "nope"\nkind = "measure"\ntitle = "A"\n'
    ),
    Code.PARENT_KIND: lambda r: paper(
        r,
        '[[node]]\nid = "a"\nkind = "section"\ntitle = "A"\n\n'
        '[[node]]\nid = "b"\nparent = "a"\nkind = "measure"\ntitle = "B"\n',
    ),
    Code.PLACEHOLDER: lambda r: paper(
        r, '[[node]]\nid = "a"\nkind = "section"\ntitle = "First section (replace)"\n'
    ),
    Code.FILE_NAME: lambda r: put(r, GOOD, "evidence/2025/other.toml"),
    Code.YEAR_FOLDER: lambda r: put(r, GOOD, "evidence/2024/2025-03-01-an-event.toml"),
    Code.SYMLINK: lambda r: (put(r, GOOD), os.symlink(r / REL, r / "evidence/2025/link.toml")),
    Code.UNFINISHED_WRITE: lambda r: put(r, "x", "evidence/2025/.tracker-abc.tmp"),
    Code.INTERRUPTED_MOVE: interrupted,
    Code.LEFTOVER: lambda r: put(r, "x", "evidence/2025/a.toml~"),
    Code.OUTSIDE_LAYOUT: lambda r: put(r, GOOD, "evidence/loose.toml"),
    Code.UNEXPECTED_FILE: lambda r: put(r, "x", "evidence/2025/notes.md"),
    Code.DUPLICATE_ID: lambda r: (
        put(r, GOOD),
        put(r, GOOD, "evidence/2024/2025-03-01-an-event.toml"),
    ),
    Code.DUPLICATE_URL: lambda r: (
        write_evidence(r, evidence_toml("2025-03-01-a", url="https://example.org/x")),
        write_evidence(
            r, evidence_toml("2025-03-02-b", date="2025-03-02", url="https://example.org/x")
        ),
    ),
    Code.UNKNOWN_RECOMMENDATION: lambda r: put(r, GOOD.replace('"reboot"', '"rebot"')),
    Code.ASSESSED_TWICE: lambda r: put(
        r,
        evidence_toml(
            extra='\n[[assessment]]\nrecommendation = "reboot"\nimpact = 1\nconfidence = "low"\n'
            'rationale = "Again."\n'
        ),
    ),
    Code.FUTURE_DATE: lambda r: write_evidence(
        r, evidence_toml("2027-03-01-later", date="2027-03-01")
    ),
    Code.FUTURE_PUBLISHED: lambda r: put(
        r, GOOD.replace('publisher = "Outlet"', 'publisher = "Outlet"\npublished = 2027-01-02')
    ),
    Code.BEFORE_PAPER: lambda r: write_evidence(
        r, evidence_toml("2021-03-01-early", date="2021-03-01")
    ),
    Code.ARCHIVE_MISSING: lambda r: (
        archived(r, "Something happened."),
        (r / REL).with_suffix(".txt").unlink(),
    ),
    Code.ARCHIVE_UNDECLARED: lambda r: archived(r, "Something happened.", declare=False),
    Code.ARCHIVE_TOO_LARGE: lambda r: (
        archived(r, "Something happened."),
        (r / REL).with_suffix(".txt").write_text("x" * (17 << 20)),
    ),
    Code.ARCHIVE_MISMATCH: lambda r: (
        archived(r, "Something happened."),
        (r / REL).with_suffix(".txt").write_text("changed"),
    ),
    Code.QUOTE_NOT_IN_ARCHIVE: lambda r: archived(r, "Other words entirely."),
    Code.ORPHAN_ARCHIVE: lambda r: put(r, "x", "evidence/2025/lonely.txt"),
    Code.CONFIG_UNKNOWN: lambda r: (r / "tracker.toml").write_text("[scorng]\n"),
    Code.CONFIG_NOT_TABLE: lambda r: (r / "tracker.toml").write_text("scoring = 3\n"),
    Code.CONFIG_VALUE: lambda r: (r / "tracker.toml").write_text(
        '[scoring]\nhalf_life_days = "x"\n'
    ),
}


def test_every_code_has_a_reproducer_and_a_meaning():
    assert set(CODES) == set(Code)
    assert set(REPRODUCERS) | {Code.DRAFT_UNFINISHED, Code.NOT_REBUILT} == set(Code)


@pytest.mark.parametrize("code", list(REPRODUCERS), ids=[str(c) for c in REPRODUCERS])
def test_each_code_is_reported(mini, code):
    REPRODUCERS[code](mini)
    found = [p for p in open_workspace(mini, cache=False).problems if p.code == code]
    assert found, code
    assert all(p.message and p.path for p in found)


def test_the_draft_code_is_reported_by_promote(mini):
    from tracker.ingest.drafts import DraftError

    drafts = mini / "drafts"
    drafts.mkdir()
    (drafts / "a-draft.toml").write_text(
        'id = "a-draft"\ntitle = "T"\nimported = 2025-03-01\n\n[source]\npublisher = "P"\n'
    )
    ws = open_workspace(mini)
    with pytest.raises(DraftError) as err:
        ws.promote("a-draft")
    assert Code.DRAFT_UNFINISHED in {p.code for p in err.value.problems}


def test_the_rebuild_code_is_reported_for_a_path_committed_twice():
    """A past commit is rebuilt for --known-as-of; a crafted tree's clash is this finding
    (the whole crafted-history flow is in tests/git/test_rebuild.py)."""
    from tracker.git.rebuild import TreeEntry, plan

    entries = [
        TreeEntry("120000", "blob", "a" * 40, 10, "evidence/2025"),
        TreeEntry("100644", "blob", "b" * 40, 10, "evidence/2025/x.toml"),
        TreeEntry("100644", "blob", "c" * 40, 10, "recommendations.toml"),
    ]
    kept, problems = plan(entries, "d" * 40)
    assert {p.code for p in problems} == {Code.NOT_REBUILT}
    assert [e.path for e in kept] == ["recommendations.toml"]
