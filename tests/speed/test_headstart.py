"""The head start: the listing (and the stamps) it hands the command are those a listing in
the command's own process gives, whichever share of it each process listed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, python_json, write_evidence
from tracker.store.listing import list_evidence


def several_years(root: Path) -> None:
    """Items in five year folders, an archive, a link and a file directly in evidence/."""
    for year in range(2021, 2026):
        for i in range(3):
            write_evidence(root, evidence_toml(f"{year}-03-0{i + 1}-x", date=f"{year}-03-0{i + 1}"))
    (root / "evidence/2023/2023-03-01-x.txt").write_text("a copy")
    os.symlink("/etc", root / "evidence/2024/link.toml")
    (root / "evidence/stray.toml").write_text("x")


@pytest.mark.parametrize("shares", [2, 3, 7])
def test_shares_of_a_listing_join_to_the_whole(mini, shares):
    several_years(mini)
    whole = list_evidence(mini, stat=True)
    parts = [list_evidence(mini, stat=True, share=(k, shares)) for k in range(shares)]
    assert sorted(f for p in parts for f in p.files) == whole.files
    assert set().union(*(p.links for p in parts)) == whole.links
    assert {k: v for p in parts for k, v in p.stats.items()} == whole.stats


HEAD_START = """
import json, sys
from pathlib import Path
from tracker.speed import headstart
from tracker.speed.stamps import stamps
from tracker.store.listing import list_evidence

root = Path(sys.argv[1])
found = []
for shares in (1, 2, 3):
    headstart.start(root, shares=shares)
    if shares > 1:
        headstart.list_own_share(root)
    taken = headstart.take(root)
    here = list_evidence(root, stat=True)
    found.append(
        taken is not None
        and taken[0].files == here.files
        and taken[0].links == here.links
        and {f: tuple(s) for f, s in taken[1].items() if s is not None} == stamps(here)
        and headstart.take(root) is None
    )
print(json.dumps(found))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the head start forks")
def test_the_head_start_lists_what_the_command_would(mini):
    """In a process of its own: the head start stays off where threads run (as they do in
    a test session)."""
    several_years(mini)
    assert python_json(HEAD_START, str(mini)) == [True, True, True]


FIRST_RUN = """
import argparse, json, sys
from pathlib import Path
from tracker.cli import _head_start
from tracker.speed import headstart
from tracker.speed.location import has_load_cache
from tracker.workspace import open_workspace

root = Path(sys.argv[1])
found = []
for _ in range(2):
    cached = has_load_cache(root)
    _head_start(argparse.Namespace(root=str(root), command="status"))
    shares = headstart._started[str(root.resolve())][2]
    headstart.list_own_share(root)
    ws = open_workspace(root)
    found.append([cached, shares, ws.load_stats.read, len(ws.records), len(ws.problems)])
print(json.dumps(found))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the head start forks")
def test_a_first_run_lists_half_the_folders_itself(mini):
    """With no load cache yet there are no rows to unpack while the head start lists: the
    command lists every other folder itself, and loads what a warm run then finds."""
    several_years(mini)
    first, second = python_json(FIRST_RUN, str(mini))
    assert first[:2] == [False, 2] and second[:2] == [True, 1]
    assert first[2] == 15 and second[2] == 0  # every file read, then none
    assert first[3:] == second[3:]


FORGOTTEN = """
import argparse, json, os, sys, time
from pathlib import Path
from tracker.cli import _head_start, _reads_evidence
from tracker.speed import headstart

root = Path(sys.argv[1])
fetch = argparse.Namespace(root=str(root), command="inbox", inbox_action="fetch")
listing = argparse.Namespace(root=str(root), command="inbox", inbox_action="list")
_head_start(fetch)
pid, _, shares = headstart._started[str(root.resolve())]
os.kill(pid, 19)  # SIGSTOP: a child still listing when the fetch brought nothing new
began = time.monotonic()
headstart.forget()
gone = False
try:
    os.waitpid(pid, os.WNOHANG)
except ChildProcessError:
    gone = True
print(json.dumps([_reads_evidence(fetch), _reads_evidence(listing), shares,
                  time.monotonic() - began < 5, gone, headstart._started == {}]))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the head start forks")
def test_a_fetch_lists_beside_its_feeds_and_drops_the_listing_it_did_not_need(mini):
    """`inbox fetch` starts the listing while it fetches; when nothing new came, the child is
    stopped and reaped, never waited for (a stopped child would hang a wait)."""
    several_years(mini)
    assert python_json(FORGOTTEN, str(mini), timeout=60) == [True, False, 1, True, True, True]
