"""The load cache: warm runs agree with cold runs, and a cache never hides an error."""

from __future__ import annotations

import os
import time

import pytest

from tests.conftest import evidence_toml, write_evidence
from tracker.speed import cache
from tracker.store import load_project


def age(path, seconds: float = 10) -> None:
    """Make a file look older than the racy window, as every file but the newest is."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def findings(root, use_cache=True):
    return [p.render() for p in load_project(root, use_cache=use_cache).problems]


def test_warm_equals_cold_and_keeps_errors(mini):
    good = write_evidence(mini, evidence_toml())
    bad = write_evidence(mini, evidence_toml("2025-03-02-b", date="2025-03-02", impact=9))
    age(good), age(bad)
    cold = findings(mini, use_cache=False)
    first = findings(mini)
    assert cache.cache_path(mini).exists()
    warm = findings(mini)
    assert cold == first == warm
    assert any("impact" in f for f in warm)
    items = load_project(mini).items
    assert [i.id for i in items] == ["2025-03-01-an-event"]


def test_a_change_is_seen(mini):
    path = write_evidence(mini, evidence_toml())
    age(path)
    assert findings(mini) == []
    path.write_text(evidence_toml(impact=9))
    age(path, 5)  # another size and time
    assert any("impact" in f for f in findings(mini))


def test_archive_change_is_seen(mini):
    import hashlib

    text = "Something happened."
    sha = hashlib.sha256(text.encode()).hexdigest()
    path = write_evidence(
        mini,
        evidence_toml().replace(
            'quote = "Something happened."',
            f'quote = "Something happened."\narchive_sha256 = "{sha}"',
        ),
    )
    archive = path.with_suffix(".txt")
    archive.write_text(text)
    age(path), age(archive)
    assert findings(mini) == []
    archive.write_text("Something else happened.")
    age(archive, 5)
    assert any("archive_sha256 does not match" in f for f in findings(mini))


def test_corrupt_or_foreign_cache_is_ignored(mini):
    path = write_evidence(mini, evidence_toml(impact=9))
    age(path)
    expected = findings(mini, use_cache=False)
    location = cache.cache_path(mini)
    location.parent.mkdir(exist_ok=True)
    for junk in (b"", b"garbage", cache.MAGIC + b"\x80\x04not a pickle", b"\x80\x04\x95foreign"):
        location.write_bytes(junk)
        assert findings(mini) == expected
    import pickle

    location.write_bytes(cache.MAGIC + pickle.dumps({"version": "tracker 0.0.0", "entries": {}}))
    assert findings(mini) == expected


def test_new_files_are_not_cached_in_the_racy_window(mini):
    write_evidence(mini, evidence_toml())
    load_project(mini)
    assert cache._read(cache.cache_path(mini)) == {}


def test_read_only_project_still_loads(mini):
    path = write_evidence(mini, evidence_toml())
    age(path)
    (mini / ".tracker-cache").write_text("a file where the folder should be")
    assert findings(mini) == []


def test_parallel_load_equals_sequential(mini, monkeypatch):
    for n in range(12):
        write_evidence(
            mini,
            evidence_toml(
                f"2025-03-{n + 1:02d}-item", date=f"2025-03-{n + 1:02d}", impact=9 if n == 5 else 1
            ),
        )
    sequential = load_project(mini, use_cache=False)
    monkeypatch.setattr(cache, "PARALLEL_FROM", 1)
    monkeypatch.setattr(cache, "CHUNK", 5)
    parallel = load_project(mini, use_cache=False)
    assert parallel.items == sequential.items
    assert parallel.problems == sequential.problems


def test_a_load_without_items_gives_them_when_asked(mini, monkeypatch):
    for n in range(6):
        write_evidence(
            mini, evidence_toml(f"2025-03-{n + 1:02d}-item", date=f"2025-03-{n + 1:02d}")
        )
    full = load_project(mini, use_cache=False)
    monkeypatch.setattr(cache, "PARALLEL_FROM", 1)  # worker processes, which then send no item
    monkeypatch.setattr(cache, "CHUNK", 4)
    lean = load_project(mini, use_cache=False, items=False)
    assert lean.problems == full.problems
    assert [f.facts for f in lean.loaded] == [f.facts for f in full.loaded]
    assert not any(f.result.has_item for f in lean.loaded)
    assert lean.items == full.items  # read again on demand


def test_reading_some_files_keeps_the_others_cached(mini):
    from tracker.store import load_evidence_file

    paths = [
        write_evidence(mini, evidence_toml(f"2025-03-0{n}-item", date=f"2025-03-0{n}"))
        for n in range(1, 4)
    ]
    for path in paths:
        age(path)
    rels = [p.relative_to(mini).as_posix() for p in paths]
    cache.load_files(mini, rels, load_evidence_file)
    cache.load_files(mini, rels[:1], load_evidence_file, complete=False)
    assert sorted(cache._read(cache.cache_path(mini))) == rels
    cache.load_files(mini, rels[:1], load_evidence_file)  # complete: the others are gone
    assert sorted(cache._read(cache.cache_path(mini))) == rels[:1]


def test_items_from_the_cache_behave_as_validated_ones(mini):
    for n in (1, 2):
        age(write_evidence(mini, evidence_toml(f"2025-03-0{n}-item", date=f"2025-03-0{n}")))
    fresh = load_project(mini, use_cache=False).items
    assert len(load_project(mini).items) == 2  # fills the load cache
    first, second = load_project(mini).items  # rebuilt from it
    assert [first, second] == fresh
    changed = first.model_copy(update={"title": "Another title"})
    assert changed.title == "Another title" and first.title == "An event"
    assert fresh[1].model_fields_set <= second.model_fields_set  # all of its fields are set
    assert second.model_dump() == fresh[1].model_dump()


@pytest.mark.parametrize("way", ["serial", "parallel", "warm"])
def test_the_callers_own_work_runs_once_whatever_the_load(mini, monkeypatch, way):
    for n in range(8):
        age(write_evidence(mini, evidence_toml(f"2025-03-0{n + 1}-item", date=f"2025-03-0{n + 1}")))
    expected = load_project(mini, use_cache=False)
    if way == "parallel":
        monkeypatch.setattr(cache, "PARALLEL_FROM", 1)
        monkeypatch.setattr(cache, "CHUNK", 1)  # the workers and this process share the chunks
    if way == "warm":
        load_project(mini)
    calls: list[int] = []
    loaded = load_project(mini, use_cache=way == "warm", meanwhile=lambda: calls.append(1))
    assert calls == [1]
    assert loaded.items == expected.items
    assert loaded.problems == expected.problems
