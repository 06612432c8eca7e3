"""Reading, validating and saving: every bad input gets a clear finding; no word is lost.

The plain loader (no speed layer) is what these tests open: the speed layer's own tests hold
it equal to this one."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import chdir, evidence_toml, write_evidence
from tracker.store import reader, writer
from tracker.store.files import FileChangedError, UnsafeWriteError
from tracker.store.layout import ProjectNotFound, find_root
from tracker.store.toml_read import sha256_bytes
from tracker.store.toml_write import evidence_to_toml
from tracker.workspace import EvidenceFile, open_workspace

GOOD = evidence_toml()


def load(root: Path):
    return open_workspace(root, speed=False)


def findings(root: Path) -> list[str]:
    return [p.render() for p in load(root).problems]


def first(root: Path) -> EvidenceFile:
    ws = load(root)
    return ws.read(ws.records[0].path)


def save_evidence(root, item, *, expected_sha256, previous_path=None):
    return writer.save_evidence(
        root, item, expected_sha256=expected_sha256, previous_rel=previous_path
    )


def only(root: Path) -> str:
    found = findings(root)
    assert len(found) == 1, found
    return found[0]


REL = "evidence/2025/2025-03-01-an-event.toml"

# (what, file bytes, expected text in the finding, expected line)
BAD_FILES = [
    ("syntax", b'id = "x\n', "TOML error", 1),
    (
        "duplicate key",
        GOOD.replace('title = "An event"', 'title = "An event"\ntitle = "again"').encode(),
        "defined twice",
        3,
    ),
    (
        "impossible date",
        GOOD.replace("date = 2025-03-01", "date = 2025-02-30").encode(),
        "no such calendar date",
        3,
    ),
    ("empty file", b"", "file is empty", 1),
    ("only whitespace", b"\n\n  \n", "file is empty", 1),
    ("byte-order mark", b"\xef\xbb\xbf" + GOOD.encode(), "byte-order mark", 1),
    ("latin-1", GOOD.replace("Outlet", "Outl\u00e9t").encode("latin-1"), "not valid UTF-8", 7),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "binary content", 3),
    ("deep nesting", b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n", "", None),
    ("many megabytes", b"# " + b"x" * (3 << 20) + b"\n", "limited to 1 MiB", None),
    (
        "wrong type",
        GOOD.replace("impact = 2", 'impact = "2"').encode(),
        "assessment[1].impact must be an integer, not the string '2'",
        14,
    ),
    (
        "bool for int",
        GOOD.replace("credibility = 2", "credibility = true").encode(),
        "source.credibility must be an integer, not the boolean true",
        9,
    ),
    (
        "out of range",
        GOOD.replace("impact = 2", "impact = 9").encode(),
        "assessment[1].impact: should be less than or equal to 5, not 9",
        14,
    ),
    (
        "datetime for date",
        GOOD.replace("date = 2025-03-01", "date = 2025-03-01T10:00:00").encode(),
        "date must be a date like 2025-09-15 (without a time)",
        3,
    ),
    (
        "misspelled key",
        GOOD.replace("confidence =", "confidance =").encode(),
        "unknown key 'assessment[1].confidance'; did you mean 'confidence'?",
        15,
    ),
    (
        "unknown key",
        GOOD.replace('title = "An event"', 'title = "An event"\nflavour = "x"').encode(),
        "unknown key 'flavour'",
        3,
    ),
    (
        "missing key",
        GOOD.replace('rationale = "Because."\n', "").encode(),
        "missing required key 'rationale' in assessment[1]",
        12,
    ),
    (
        "bad enum",
        GOOD.replace('confidence = "high"', 'confidence = "sure"').encode(),
        "must be 'high', 'moderate' or 'low', not the string 'sure'",
        15,
    ),
    (
        "terminal escape",
        GOOD.replace("Something happened.", "red \\u001b[31m text").encode(),
        "terminal escape sequence (U+001B",
        10,
    ),
    (
        "control character",
        GOOD.replace("Something happened.", "bell \\u0007").encode(),
        "control character (U+0007",
        10,
    ),
    (
        "path escape id",
        GOOD.replace('id = "2025-03-01-an-event"', 'id = "../../etc/passwd"').encode(),
        "an id uses only a-z, 0-9 and single hyphens",
        1,
    ),
    (
        "absolute id",
        GOOD.replace('id = "2025-03-01-an-event"', 'id = "/etc/passwd"').encode(),
        "an id uses only",
        1,
    ),
    (
        "look-alike id",
        GOOD.replace('id = "2025-03-01-an-event"', 'id = "2025-03-01-\u0430n-event"').encode(),
        "CYRILLIC SMALL LETTER A",
        1,
    ),
    (
        "unknown recommendation",
        GOOD.replace('recommendation = "reboot"', 'recommendation = "rebot"').encode(),
        "unknown recommendation 'rebot'; did you mean 'reboot'?",
        13,
    ),
    (
        "future date",
        GOOD.replace("2025-03-01\n", "2027-03-01\n")
        .encode()
        .replace(b'"2025-03-01-an-event"', b'"2025-03-01-an-event"'),
        "",
        None,
    ),
    (
        "conflict markers",
        GOOD.replace(
            'title = "An event"',
            '<<<<<<< HEAD\ntitle = "An event"\n=======\ntitle = "Another"\n>>>>>>> other',
        ).encode(),
        "git merge conflict marker <<<",
        2,
    ),
    (
        "conflict in a multi-line string",
        GOOD.replace(
            'quote = "Something happened."', 'quote = """\nmine\n=======\ntheirs\n>>>>>>> b\n"""'
        ).encode(),
        "git merge conflict marker",
        12,
    ),
]


@pytest.mark.parametrize(
    ("what", "raw", "expected", "line"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_file_gets_a_clear_finding(mini, what, raw, expected, line):
    path = mini / REL
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    found = findings(mini)
    assert found, f"{what}: no finding"
    assert all(f.startswith(REL) for f in found), found
    if expected:
        assert any(expected in f for f in found), found
    if line:
        assert any(f.startswith(f"{REL}:{line}:") for f in found), found


def test_future_date_is_an_error(mini):
    write_evidence(mini, evidence_toml("2027-03-01-later", date="2027-03-01"))
    assert "date 2027-03-01 is in the future" in only(mini)


def test_future_publication_date_is_an_error(mini):
    write_evidence(
        mini, GOOD.replace('publisher = "Outlet"', 'publisher = "Outlet"\npublished = 2027-01-02')
    )
    assert only(mini) == f"{REL}:8: source.published 2027-01-02 is in the future"


def test_node_assessed_twice_in_one_item(mini):
    again = (
        '\n[[assessment]]\nrecommendation = "reboot"\nimpact = -1\nconfidence = "low"\n'
        'rationale = "Again."\n'
    )
    write_evidence(mini, evidence_toml(extra=again))
    assert only(mini) == (
        f"{REL}:19: 'reboot' is assessed twice in one item; "
        "merge the two assessments, or name each analyst"
    )
    named = again + 'analyst = "ana"\n'
    write_evidence(mini, evidence_toml(extra=named.replace("-1", "1") + named))
    assert "'reboot' is assessed twice by 'ana' in one item" in only(mini)


def test_date_before_the_paper_is_a_warning(mini):
    write_evidence(mini, evidence_toml("2021-03-01-earlier", date="2021-03-01"))
    project = load(mini)
    assert [p.severity for p in project.problems] == ["warning"]
    assert "before the paper" in project.problems[0].message


def test_duplicate_ids_and_urls(mini):
    write_evidence(
        mini, evidence_toml("2025-03-01-a", url="https://www.example.org/a/?utm_source=x")
    )
    write_evidence(
        mini, evidence_toml("2025-03-02-b", date="2025-03-02", url="http://example.org/a")
    )
    assert "the same URL is already evidence in evidence/2025/2025-03-01-a.toml" in only(mini)


def test_duplicate_id_in_two_folders(mini):
    write_evidence(mini, evidence_toml("2025-03-01-a"))
    write_evidence(mini, evidence_toml("2025-03-01-a"), "evidence/2024/2025-03-01-a.toml")
    found = findings(mini)
    assert any("belongs in evidence/2025/2025-03-01-a.toml" in f for f in found)
    assert any("duplicate evidence id" in f for f in found)


def test_file_name_must_match_id(mini):
    write_evidence(mini, GOOD, "evidence/2025/other-name.toml")
    assert "file name does not match its id" in only(mini)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2025-03-01-an-event.toml~", "editor or merge leftover"),
        (".2025-03-01-an-event.toml.swp", "editor or merge leftover"),
        ("#2025-03-01-an-event.toml#", "editor or merge leftover"),
        ("2025-03-01-an-event.toml.orig", "editor or merge leftover"),
        (".tracker-abc123.tmp", "unfinished write"),
        ("notes.md", "only ID.toml items"),
    ],
)
def test_leftovers_are_reported(mini, name, expected):
    write_evidence(mini, GOOD)
    (mini / "evidence/2025" / name).write_text("x")
    assert expected in only(mini)


def test_files_outside_layout(mini):
    write_evidence(mini, GOOD, "evidence/loose.toml")
    write_evidence(mini, GOOD, "evidence/2025/deeper/x.toml")
    found = findings(mini)
    assert sum("outside the expected layout" in f for f in found) == 2


def test_symlinks_are_reported_not_followed(mini, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.toml"
    outside.write_text(GOOD)
    folder = mini / "evidence/2025"
    folder.mkdir(parents=True)
    os.symlink(outside, folder / "2025-03-01-an-event.toml")
    os.symlink(outside.parent, mini / "evidence/2026")
    found = findings(mini)
    assert len(found) == 2 and all("symbolic link" in f for f in found), found


def with_archive(root: Path, text: str) -> Path:
    """The item, declaring the hash of `text`, and `text` as its archived copy."""
    write_evidence(
        root,
        GOOD.replace(
            'quote = "Something happened."',
            f'quote = "Something happened."\narchive_sha256 = "{sha256_bytes(text.encode())}"',
        ),
    )
    archive = root / "evidence/2025/2025-03-01-an-event.txt"
    archive.write_text(text)
    return archive


def test_archive_hash_and_quote(mini):
    text = "Full text.\nSomething\n   happened. More."
    archive = with_archive(mini, text)
    assert findings(mini) == []
    archive.write_text(text + " changed")
    assert "archive_sha256 does not match" in only(mini)
    with_archive(mini, "Other words entirely.")
    assert "the quote does not occur in" in only(mini)
    archive.unlink()
    assert "is missing" in only(mini)


def test_archive_longer_than_one_read(mini):
    """A copy of several read chunks is read whole: its quote stands at the very end."""
    text = "Слово " * 40_000 + "Something happened."
    with_archive(mini, text)
    assert len(text.encode()) > 4 * 65536
    assert findings(mini) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_reported(mini):
    path = write_evidence(mini, GOOD)
    path.chmod(0)
    try:
        assert only(mini) == f"{REL}: cannot read: Permission denied"
    finally:
        path.chmod(0o644)


def test_a_file_gone_since_the_listing_is_reported(mini):
    """Deleted between the scan and its reading: a finding, not a crash (as root too)."""
    result = reader.read_evidence(mini, REL)
    assert [p.render() for p in result.problems] == [f"{REL}: cannot read: no such file"]
    assert result.facts is None


def test_folder_named_like_an_item_is_not_read_as_one(mini):
    (mini / REL).mkdir(parents=True)
    (mini / REL / "notes.toml").write_text(GOOD)
    assert only(mini) == (
        f"{REL}/notes.toml: outside the expected layout: evidence files live in "
        "evidence/YYYY/ID.toml"
    )


def test_orphan_archive(mini):
    (mini / "evidence/2025").mkdir(parents=True)
    (mini / "evidence/2025/lonely.txt").write_text("x")
    assert "archived copy without an evidence item" in only(mini)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "file is empty"),
        (
            'schema = 1\n[paper]\ntitle = "T"\nyear = 2022\n\n[[node]]\nid = "a"\nkind = "measure"\ntitle = "A"\n',
            "a measure needs a parent",
        ),
        (
            'schema = 1\n[paper]\ntitle = "T"\nyear = 2022\n\n[[node]]\nid = "a"\nkind = "section"\ntitle = "A"\n'
            '\n[[node]]\nid = "a"\nkind = "section"\ntitle = "B"\n',
            "duplicate node id 'a'",
        ),
        (
            'schema = 1\n[paper]\ntitle = "T"\nyear = 2022\n\n[[node]]\nid = "b"\nparent = "a"\n'
            'kind = "recommendation"\ntitle = "B"\n\n[[node]]\nid = "a"\nkind = "section"\ntitle = "A"\n',
            "it must come before its children",
        ),
        (
            'schema = 1\n[paper]\ntitle = "T"\nyear = 2022\n\n[[node]]\nid = "a"\nkind = "section"\ntitle = "A"\n'
            "importance = nan\n",
            "importance must be a finite number, not nan",
        ),
        (
            'schema = 1\n[paper]\ntitle = "T"\nyear = 2022\n\n[[node]]\nid = "a"\nkind = "chapter"\ntitle = "A"\n',
            "must be 'section', 'recommendation' or 'measure'",
        ),
    ],
)
def test_bad_recommendations(tmp_path, text, expected):
    (tmp_path / "recommendations.toml").write_text(text)
    found = findings(tmp_path)
    assert any(f.startswith("recommendations.toml") and expected in f for f in found), found


def test_find_root_from_subfolder(mini):
    sub = mini / "evidence" / "2025"
    sub.mkdir(parents=True)
    with chdir(sub):
        assert find_root() == mini.resolve()


def test_find_root_outside_a_project(tmp_path):
    with pytest.raises(ProjectNotFound, match="tracker init"):
        find_root(tmp_path)


# --- saving ----------------------------------------------------------------------------------


def test_save_then_load_is_byte_identical(mini):
    write_evidence(mini, GOOD)
    ev = first(mini)
    before = (mini / ev.path).read_bytes()
    canonical = evidence_to_toml(ev.item).encode()
    save_evidence(mini, ev.item, expected_sha256=ev.sha256)
    again = first(mini)
    assert (mini / ev.path).read_bytes() == canonical
    save_evidence(mini, again.item, expected_sha256=again.sha256)
    assert (mini / ev.path).read_bytes() == canonical
    assert before == canonical  # the fixture already writes the canonical layout


def test_refuses_to_overwrite_a_changed_file(mini):
    path = write_evidence(mini, GOOD)
    ev = first(mini)
    path.write_text(GOOD.replace("Because.", "Another analyst's words."))
    with pytest.raises(FileChangedError, match="changed on disk since it was read"):
        save_evidence(mini, ev.item.model_copy(update={"title": "x"}), expected_sha256=ev.sha256)
    assert "Another analyst's words." in path.read_text()
    with pytest.raises(FileChangedError):
        writer.delete_evidence(mini, ev.path, ev.sha256)
    assert path.exists()


def test_refuses_to_create_over_an_existing_file(mini):
    path = write_evidence(mini, GOOD)
    ev = first(mini)
    path.write_text(GOOD + "\n# my note\n")
    with pytest.raises(FileChangedError, match="already exists"):
        save_evidence(mini, ev.item, expected_sha256=None)


def test_refuses_to_write_over_conflict_markers(mini):
    path = mini / REL
    path.parent.mkdir(parents=True)
    raw = b"<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> b\n"
    path.write_bytes(raw)
    with pytest.raises(UnsafeWriteError, match="conflict markers"):
        writer.apply(mini, [writer.Step(REL, b"x", sha256_bytes(raw))])
    assert path.read_bytes() == raw


def test_write_killed_midway_leaves_the_old_file(mini, monkeypatch):
    path = write_evidence(mini, GOOD)
    original = path.read_bytes()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        writer.apply(mini, [writer.Step(REL, b"new", sha256_bytes(original))])
    assert path.read_bytes() == original
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_two_edits_of_one_file_only_one_wins(mini):
    path = write_evidence(mini, GOOD)
    ev = first(mini)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def edit(words: str) -> None:
        item = ev.item.model_copy(update={"title": words})
        barrier.wait()
        try:
            save_evidence(mini, item, expected_sha256=ev.sha256)
            outcomes.append("saved")
        except FileChangedError:
            outcomes.append("refused")

    threads = [threading.Thread(target=edit, args=(w,)) for w in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # The check and the rename happen under the project's lock: one saves, one is refused.
    text = path.read_text()
    assert ('title = "first"' in text) != ('title = "second"' in text)
    assert sorted(outcomes) == ["refused", "saved"]


def test_moving_an_item_to_another_year(mini):
    with_archive(mini, "Full text: Something happened.")
    ev = first(mini)
    import datetime as dt

    moved = ev.item.model_copy(update={"date": dt.date(2024, 12, 30)})
    saved = save_evidence(mini, moved, expected_sha256=ev.sha256, previous_path=ev.path)
    assert saved.rel == "evidence/2024/2025-03-01-an-event.toml"
    assert not (mini / ev.path).exists()
    assert not (mini / ev.path).with_suffix(".txt").exists()  # the copy moved with it
    assert (mini / saved.rel).with_suffix(".txt").read_text() == "Full text: Something happened."
    assert findings(mini) == []


def test_a_move_refused_for_a_changed_file_changes_nothing(mini):
    path = write_evidence(mini, GOOD)
    ev = first(mini)
    import datetime as dt

    path.write_text(GOOD.replace("Because.", "Edited meanwhile."))
    moved = ev.item.model_copy(update={"date": dt.date(2024, 12, 30)})
    with pytest.raises(FileChangedError):
        save_evidence(mini, moved, expected_sha256=ev.sha256, previous_path=ev.path)
    assert not (mini / "evidence/2024").exists() or not any((mini / "evidence/2024").iterdir())
    assert "Edited meanwhile." in path.read_text()


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(min_size=1, max_size=60).filter(
        lambda s: (
            s.strip()
            and not any(
                (ord(c) < 32 and c not in "\n\t\r")
                or 127 <= ord(c) < 160
                or 0xD800 <= ord(c) < 0xE000
                for c in s
            )
        )
    )
)
def test_any_title_survives_save_and_load(mini, title):
    path = write_evidence(mini, GOOD)
    ev = first(mini)
    saved = save_evidence(
        mini, ev.item.model_copy(update={"title": title}), expected_sha256=ev.sha256
    )
    assert first(mini).item.title == title
    assert saved.sha256 == sha256_bytes(path.read_bytes())
    path.unlink()


@given(
    st.from_regex(
        r"evidence/[0-9a-z#.~]{0,6}/[0-9a-zA-Z#.~_-]{0,12}(\.(toml|txt|swp|tmp|orig))?",
        fullmatch=True,
    )
    | st.from_regex(r"evidence/\d{4}/[a-z0-9-]{1,12}\.(toml|txt)", fullmatch=True)
)
def test_entries_are_items_archives_or_findings(rel):
    from tracker.store.layout import classify_entry

    finding = classify_entry(rel, False)
    parts = rel.split("/")
    plain = (
        len(parts) == 3
        and parts[1].isdigit()
        and len(parts[1]) == 4
        and parts[2].endswith((".toml", ".txt"))
        and not parts[2].startswith(".")
    )
    if finding is None:
        assert plain, rel
    assert classify_entry(rel, True) is not None  # a link is always reported


# --- writes stay inside the project, through real folders only ----------------------------


@pytest.mark.parametrize("rel", ["../outside.toml", "/etc/x", "evidence/../../x", "a//b", ""])
def test_a_write_never_leaves_the_project(mini, rel):
    from tracker.store.files import UnsafePathError

    with pytest.raises(UnsafePathError):
        writer.apply(mini, [writer.Step(rel, b"x", None)])
    assert not (mini.parent / "outside.toml").exists()


def test_a_write_never_goes_through_a_link(mini, tmp_path_factory):
    from tracker.store.files import UnsafePathError

    outside = tmp_path_factory.mktemp("outside")
    os.symlink(outside, mini / "evidence" / "2025")
    ev = evidence_toml()
    import tomllib

    from tracker.domain.model import EvidenceItem

    item = EvidenceItem.model_validate(tomllib.loads(ev))
    with pytest.raises(UnsafePathError):
        save_evidence(mini, item, expected_sha256=None)
    assert list(outside.iterdir()) == []


def test_a_change_makes_its_folder_durable(mini, monkeypatch):
    """After the renames, each folder that changed is flushed to disk (fsync on its
    descriptor), so a power cut cannot take the rename back."""
    import stat as st

    synced: list[bool] = []
    real = os.fsync

    def watch(fd):
        synced.append(st.S_ISDIR(os.fstat(fd).st_mode))
        return real(fd)

    monkeypatch.setattr(os, "fsync", watch)
    writer.apply(mini, [writer.Step(REL, GOOD.encode(), None)])
    assert True in synced  # a folder was flushed
    assert False in synced  # and the file itself, before its rename
