"""The scores a command asked for, remembered: read back only for the same project state and
the same request; anything else, a damaged row included, is computed afresh, and what is read
back equals what computing gives."""

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

AS_OF = dt.date(2025, 6, 1)
REQUEST = {  # every node explained, its largest contributions listed: as `changes` asks
    "as_of": AS_OF,
    "since": None,
    "detail": None,
    "limit": 3,
    "exclusions": True,
    "recent_only": False,
}


class Counted:
    """Scores that count how often they are computed."""

    def __init__(self, result: dict[str, NodeScore]) -> None:
        self.result = result
        self.runs = 0

    def __call__(self) -> dict[str, NodeScore]:
        self.runs += 1
        return self.result


@pytest.fixture
def project(bundled: Path) -> Path:
    return bundled


@pytest.fixture
def computed(project: Path) -> dict[str, NodeScore]:
    ws = open_workspace(project, cache=False)
    return ws.scorer().scores(AS_OF, detail=None, limit=3, lookup=ws.items)


def remembered(root: Path, compute: Counted, state: str = "s", **change) -> dict:
    return memo.scores(root, state=lambda: state, compute=compute, **{**REQUEST, **change})


def test_the_same_request_on_the_same_state_is_computed_once(project, computed):
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
        {"as_of": dt.date(2025, 6, 2)},
        {"since": dt.date(2025, 1, 1)},
        {"detail": ["reboot-political-system"], "limit": 3},
        {"limit": 4},
        {"exclusions": False},
        {"recent_only": True},
    ],
    ids=["state", "as-of", "since", "detail", "limit", "exclusions", "recent-only"],
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


def test_bare_figures_and_explanations_without_a_limit_are_always_computed(project, computed):
    """A status table's figures cost the scoring pass alone (a run after an edit then costs
    what a run with nothing changed does); every contribution of a large project can be
    hundreds of megabytes."""
    scores = Counted(computed)
    for _ in range(2):
        remembered(project, scores, detail=(), limit=None)
        remembered(project, scores, detail=(), limit=3)
        remembered(project, scores, detail=None, limit=None)
        remembered(project, scores, detail=["reboot-political-system"], limit=None)
    assert scores.runs == 8


@pytest.mark.parametrize("damage", ["value", "crc", "shape"])
def test_a_damaged_row_is_computed_afresh(project, computed, damage):
    scores = Counted(computed)
    remembered(project, scores)
    damage_memo(project, damage, empty="{}", foreign='{"x": {"node_id": 1}}', prefix=memo.SCORES)
    assert remembered(project, scores) == computed
    assert scores.runs == 2


def test_only_the_latest_requests_of_the_current_state_are_kept(project, computed):
    scores = Counted(computed)
    remembered(project, scores, state="old")
    for day in range(memo.SCORES_KEPT + 3):
        remembered(project, scores, state="new", as_of=AS_OF + dt.timedelta(days=day))
    db = sqlite3.connect(project_cache_dir(project) / filecache.FILE)
    keys = [k for (k,) in db.execute("SELECT key FROM memo WHERE name LIKE 'scores %'")]
    db.close()
    assert len(keys) == memo.SCORES_KEPT
    assert all(k.endswith(" new") for k in keys)


def test_a_workspace_reads_back_what_it_would_compute(project):
    """Through the workspace: the second run reads the scores back, equal to a run without
    the cache, the explanations' items included."""
    options = {"detail": None, "limit": 5, "since": dt.date(2023, 1, 1)}
    first = open_workspace(project).scores(AS_OF, **options)
    again = open_workspace(project)
    assert again.scores(AS_OF, **options) == first
    assert again._scorer is None  # nothing was scored: the memo answered
    plain = open_workspace(project, speed=False)
    assert plain.scores(AS_OF, **options) == first


def explained(ws) -> dict[str, NodeScore]:
    return ws.scores(AS_OF, detail=None, limit=3)


def test_an_edit_on_disk_or_through_the_workspace_is_scored_afresh(project):
    ws = open_workspace(project)
    before = explained(ws)
    node = "reboot-political-system"
    text = evidence_toml("2025-05-30-a-pardon", date="2025-05-30", recommendation=node, impact=5)
    write_evidence(project, text)
    on_disk = explained(open_workspace(project))
    assert on_disk[node].score > before[node].score
    assert on_disk == explained(open_workspace(project, cache=False))
    ws = open_workspace(project)
    found = ws.read("evidence/2025/2025-05-30-a-pardon.toml")
    calmer = found.item.model_copy(
        update={"assessments": [found.item.assessments[0].model_copy(update={"impact": -5})]}
    )
    ws.save(calmer, expected_sha256=found.sha256, previous_path=found.path)
    after_save = explained(ws)
    assert after_save[node].score < before[node].score
    assert after_save == explained(open_workspace(project, cache=False))


def test_another_tracker_toml_is_scored_afresh(project):
    first = explained(open_workspace(project))
    (project / "tracker.toml").write_text("[scoring]\nhalf_life_days = 30.0\n", "utf-8")
    again = explained(open_workspace(project))
    assert again == explained(open_workspace(project, cache=False))
    assert again != first


def test_a_period_is_read_back_whole_and_only_for_the_same_period(project):
    """`changes`' one request: the figures at the start and the explained end, together."""
    since, until = dt.date(2023, 1, 1), AS_OF
    first = open_workspace(project).period(since, until, limit=5)
    again = open_workspace(project)
    assert again.period(since, until, limit=5) == first
    assert again._scorer is None  # the memo answered both ends
    plain = open_workspace(project, speed=False).period(since, until, limit=5)
    assert plain == first
    other = open_workspace(project)
    assert other.period(since, dt.date(2025, 1, 1), limit=5) != first
    assert other._scorer is not None
