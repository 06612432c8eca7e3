"""A period's scores and explanations (`tracker changes`), remembered: read back only for the
same project state and the same period; anything else, a damaged row included, is computed
afresh, and what is read back equals what computing gives."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.speed.test_memo import damage_memo
from tracker.domain.scoring import NodeScore
from tracker.speed import filecache, memo
from tracker.speed.location import project_cache_dir
from tracker.workspace import open_workspace

SINCE, UNTIL = dt.date(2023, 1, 1), dt.date(2025, 6, 1)
Period = tuple[dict[str, NodeScore], dict[str, NodeScore]]


class Counted:
    """A period's scores that count how often they are computed."""

    def __init__(self, result: Period) -> None:
        self.result = result
        self.runs = 0

    def __call__(self) -> Period:
        self.runs += 1
        return self.result


@pytest.fixture
def project(bundled: Path) -> Path:
    return bundled


@pytest.fixture
def computed(project: Path) -> Period:
    return open_workspace(project, cache=False).period(SINCE, UNTIL, limit=3)


def remembered(root: Path, compute: Counted, state: str = "s", **change) -> Period:
    request = {"since": SINCE, "until": UNTIL, "limit": 3, **change}
    return memo.period(root, state=lambda: state, compute=compute, **request)


def test_the_same_period_on_the_same_state_is_computed_once(project, computed):
    scores = Counted(computed)
    first = remembered(project, scores)
    again = remembered(project, scores)
    assert scores.runs == 1
    assert again == first == computed
    assert again is not computed  # read back from the memo, not the object kept in memory


@pytest.mark.parametrize(
    "change",
    [
        {"state": "another state"},
        {"since": dt.date(2024, 1, 1)},
        {"until": dt.date(2025, 6, 2)},
        {"limit": 4},
    ],
    ids=["state", "since", "until", "limit"],
)
def test_anything_else_is_computed_afresh(project, computed, change):
    scores = Counted(computed)
    remembered(project, scores)
    remembered(project, scores, **change)
    assert scores.runs == 2


def test_another_scoring_code_is_computed_afresh(project, computed, monkeypatch):
    """The key holds a fingerprint of the scoring modules' source: a changed formula never
    reads a figure the old one computed."""
    scores = Counted(computed)
    remembered(project, scores)
    monkeypatch.setattr(memo, "_SCORING_FINGERPRINT", "another scoring code")
    remembered(project, scores)
    assert scores.runs == 2


@pytest.mark.parametrize("damage", ["value", "crc", "shape"])
def test_a_damaged_row_is_computed_afresh(project, computed, damage):
    scores = Counted(computed)
    remembered(project, scores)
    damage_memo(
        project, damage, empty="[]", foreign='[{"x": {"node_id": 1}}, {}]', prefix=memo.SCORES
    )
    assert remembered(project, scores) == computed
    assert scores.runs == 2


def test_only_the_latest_periods_of_the_current_state_are_kept(project, computed):
    scores = Counted(computed)
    remembered(project, scores, state="old")
    for day in range(memo.SCORES_KEPT + 3):
        remembered(project, scores, state="new", until=UNTIL + dt.timedelta(days=day))
    db = sqlite3.connect(project_cache_dir(project) / filecache.FILE)
    keys = [k for (k,) in db.execute("SELECT key FROM memo WHERE name LIKE 'scores %'")]
    db.close()
    assert len(keys) == memo.SCORES_KEPT
    assert all(k.endswith(" new") for k in keys)


def test_a_workspace_reads_back_what_it_would_compute(project):
    """Through the workspace: the second run reads the period back, equal to a run without
    the cache, the explanations' items included; another period is computed."""
    first = open_workspace(project).period(SINCE, UNTIL, limit=5)
    again = open_workspace(project)
    assert again.period(SINCE, UNTIL, limit=5) == first
    assert again._scorer is None  # nothing was scored: the memo answered both ends
    assert open_workspace(project, speed=False).period(SINCE, UNTIL, limit=5) == first
    other = open_workspace(project)
    assert other.period(SINCE, dt.date(2025, 1, 1), limit=5) != first
    assert other._scorer is not None


def test_a_status_tables_figures_are_always_computed(project):
    """Bare figures cost the scoring pass alone: a run after an edit then costs what a run
    with nothing changed does."""
    open_workspace(project).scores(UNTIL)
    again = open_workspace(project)
    again.scores(UNTIL)
    assert again._scorer is not None


def explained(ws) -> Period:
    return ws.period(SINCE, UNTIL, limit=3)


def test_an_edit_on_disk_or_through_the_workspace_is_scored_afresh(project):
    ws = open_workspace(project)
    before = explained(ws)[1]
    node = "reboot-political-system"
    text = evidence_toml("2025-05-30-a-pardon", date="2025-05-30", recommendation=node, impact=5)
    write_evidence(project, text)
    on_disk = explained(open_workspace(project))
    assert on_disk[1][node].score > before[node].score
    assert on_disk == explained(open_workspace(project, cache=False))
    ws = open_workspace(project)
    found = ws.read("evidence/2025/2025-05-30-a-pardon.toml")
    calmer = found.item.model_copy(
        update={"assessments": [found.item.assessments[0].model_copy(update={"impact": -5})]}
    )
    ws.save(calmer, expected_sha256=found.sha256, previous_path=found.path)
    after_save = explained(ws)
    assert after_save[1][node].score < before[node].score
    assert after_save == explained(open_workspace(project, cache=False))


def test_another_tracker_toml_is_scored_afresh(project):
    first = explained(open_workspace(project))
    (project / "tracker.toml").write_text("[scoring]\nhalf_life_days = 30.0\n", "utf-8")
    again = explained(open_workspace(project))
    assert again == explained(open_workspace(project, cache=False))
    assert again != first
