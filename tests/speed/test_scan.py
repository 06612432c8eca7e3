"""The scan of `evidence/`: one order everywhere, and the same answer however it is computed."""

from __future__ import annotations

import os
import pickle
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.speed import scan

NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0/"), min_size=1)


def make_tree(root, count: int) -> None:
    for index in range(count):
        folder = root / "evidence" / str(2020 + index % 3)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"item-{index:05}-дата.toml").write_text("x" * (index % 7))
    (root / "evidence" / "loose.toml").write_text("")


def test_two_processes_stat_what_one_does(tmp_path, monkeypatch):
    make_tree(tmp_path, 60)
    paths = [os.path.join(tmp_path, rel) for rel in scan.scan_evidence(tmp_path).files]
    paths.append(os.path.join(tmp_path, "evidence", "gone.toml"))  # vanished since the listing
    alone = scan._stat_part(paths)
    assert alone[0][-1] == alone[1][-1] == -1
    monkeypatch.setattr(scan, "SPLIT_AT", 10)
    assert scan._stat_all(paths) == alone


def odd_tree(root) -> None:
    """Top-level names whose order is subtle: a folder sorts as its name and a slash."""
    make_tree(root, 60)
    evidence = root / "evidence"
    (evidence / "2021-notes.toml").write_text("x")  # '-' sorts before '/': before 2021/*
    (evidence / "2021" / "sub").mkdir()
    (evidence / "2021" / "sub" / "deep.toml").write_text("deeper")
    (evidence / ".gitkeep").write_text("")
    (evidence / "zz-link.toml").symlink_to(evidence / "loose.toml")
    (evidence / "2022" / "link.txt").symlink_to(evidence / "loose.toml")


def as_plain(state: scan.EvidenceState) -> tuple:
    found = state.scan
    return found.files, sorted(found.links), found.sizes, found.times


@pytest.mark.skipif(sys.platform != "linux", reason="the second process is forked on Linux")
@pytest.mark.parametrize("split", ["the lstat calls", "the folders"])
def test_a_split_state_equals_a_plain_one(tmp_path, monkeypatch, split):
    odd_tree(tmp_path)
    monkeypatch.setattr(scan, "SPLIT_BYTES", 10**12)
    monkeypatch.setattr(scan, "SPLIT_AT", 10**9)
    plain = scan.evidence_state(tmp_path)
    assert plain.scan.files == sorted(plain.scan.files)
    assert "evidence/.gitkeep" not in plain.scan.files
    assert plain.scan.links == {"evidence/zz-link.toml", "evidence/2022/link.txt"}
    if split == "the lstat calls":
        monkeypatch.setattr(scan, "SPLIT_AT", 10)
    else:
        monkeypatch.setattr(scan, "SPLIT_BYTES", 0)
        top = sorted(os.scandir(tmp_path / "evidence"), key=scan._order)
        assert 0 < scan._cut(top) < len(top)
    found = scan.evidence_state(tmp_path)
    assert found == plain
    assert as_plain(found) == as_plain(plain)


@given(
    files=st.lists(NAME, max_size=20, unique=True),
    sizes=st.lists(st.integers(-1, 2**63 - 1), min_size=20, max_size=20),
    times=st.lists(st.integers(-1, 2**63 - 1), min_size=20, max_size=20),
    links=st.integers(0, 20),
)
def test_a_state_travels_packed_and_comes_back_whole(files, sizes, times, links):
    files = sorted(files)
    found = scan.Scan(
        files=files,
        links=set(files[:links]),
        sizes=sizes[: len(files)],
        times=times[: len(files)],
    )
    state = scan.EvidenceState(found, "digest", 12.5)
    back = pickle.loads(pickle.dumps(state, pickle.HIGHEST_PROTOCOL))
    assert back == state
    assert back.scan == found
    assert back.stats == state.stats


def test_surrogate_escaped_names_survive_the_trip(tmp_path):
    folder = tmp_path / "evidence" / "2024"
    folder.mkdir(parents=True)
    odd = os.fsdecode(b"bad-\xff-name.toml")  # not UTF-8 on disk: a surrogate escape in Python
    (folder / odd).write_text("")
    state = scan.evidence_state(tmp_path)
    back = pickle.loads(pickle.dumps(state))
    assert back.scan.files == state.scan.files == [f"evidence/2024/{odd}"]


def test_a_listing_is_the_head_starts_else_a_scan_now(tmp_path):
    """A load without the cache lists the entries the head start found, or scans itself."""
    odd_tree(tmp_path)
    plain = scan.scan_evidence(tmp_path)
    scan.prefetch(tmp_path)
    assert os.fspath(tmp_path) in scan._started
    taken = scan.listing(tmp_path)
    assert os.fspath(tmp_path) not in scan._started  # the head start was taken, not left
    again = scan.listing(tmp_path)  # the head start is taken once: this one scans
    for found in (taken, again):
        assert (found.files, found.links) == (plain.files, plain.links)
