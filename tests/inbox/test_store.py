"""The inbox's file: per analyst and per project, outside the project, and refusing what it
cannot read with a line that says what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tracker.cli import main
from tracker.inbox.store import Entry, InboxStore, InboxStoreError, inbox_path


def entry(n: int) -> Entry:
    return Entry(
        feed="https://feed.example.org/rss",
        source="Feed",
        guid=f"g{n}",
        url=f"https://feed.example.org/{n}",
        url_key=f"feed.example.org/{n}",
        content_key=f"k{n}",
        title=f"Entry {n}",
        text="Text.",
        seen="2026-11-24",
    )


def test_decisions_survive_reopening_and_each_project_has_its_own(tmp_path: Path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert inbox_path(one) != inbox_path(two)
    with InboxStore.open(one) as store:
        _, n = store.add(entry(1), None)
        with store.transaction():
            store.decide(n, "dismissed")
    with InboxStore.open(one) as store:
        assert store.counts() == {"dismissed": 1}
        assert store.known("https://feed.example.org/rss", "g1", None, "other")
        assert store.known("https://other.example/rss", None, "feed.example.org/1", "other")
        assert not store.known("https://other.example/rss", "g1", None, "other")
    with InboxStore.open(two) as store:
        assert store.counts() == {}


def test_a_damaged_file_is_refused_with_what_to_do(tmp_path: Path, capsys):
    (tmp_path / "recommendations.toml").write_text("schema = 1\n", "utf-8")
    path = inbox_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InboxStoreError, match="move the file aside"):
        InboxStore.open(tmp_path)
    assert main(["inbox", "-C", str(tmp_path)]) == 1
    assert "the inbox cannot be read" in capsys.readouterr().err


def test_a_file_from_a_newer_tracker_is_not_touched(tmp_path: Path):
    path = inbox_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(InboxStoreError, match="newer tracker"):
        InboxStore.open(tmp_path)


def test_an_interrupted_change_leaves_the_inbox_as_it_was(tmp_path: Path):
    with InboxStore.open(tmp_path) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.add(entry(1), None)
            raise RuntimeError("interrupted")
        assert store.stories() == []
