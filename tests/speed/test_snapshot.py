"""The snapshot: a warm run agrees with a cold one, sees every change, and hides no error."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time

import pytest

from tests.conftest import evidence_toml, write_evidence
from tracker.cli import main
from tracker.domain.config import ScoringConfig, load_config
from tracker.domain.scoring import prepare, score_all
from tracker.speed import snapshot
from tracker.store import CACHE_DIR, load_project

AS_OF = dt.date(2025, 10, 1)


def age(*paths, seconds: float = 10) -> None:
    """Make files look older than the racy window, as every file but the newest is."""
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


def findings(root, use_cache=True) -> list[str]:
    return [p.render() for p in load_project(root, use_cache=use_cache).problems]


def snapshot_files(root):
    names = (snapshot.PROJECT_FILE, snapshot.READINGS_FILE, snapshot.CATALOGUE_FILE)
    return [root / CACHE_DIR / name for name in names]


def catalogue_of(root, use_cache=True):
    return snapshot.catalogue(load_project(root, use_cache=use_cache))


def scored(root, config: ScoringConfig, use_cache: bool = True):
    """Every node's full score (explanations included), as plain data, and the project."""
    project = load_project(root, use_cache=use_cache)
    prepared = snapshot.prepared(project, config)
    scores = score_all(project.nodes, prepared.items, AS_OF, config, prepared=prepared)
    snapshot.catalogue(project)  # what the workbench lists: stored too
    return {k: v.model_dump(mode="json") for k, v in scores.items()}, project


@pytest.fixture
def project(mini):
    """Three items (one with an error), all older than the racy window."""
    paths = [
        write_evidence(mini, evidence_toml("2025-03-01-a", date="2025-03-01", impact=2)),
        write_evidence(
            mini,
            evidence_toml("2025-04-01-b", date="2025-04-01", recommendation="balance-west"),
        ),
        write_evidence(mini, evidence_toml("2025-05-01-c", date="2025-05-01", impact=9)),
    ]
    age(*paths)
    return mini


def test_warm_run_reads_no_evidence_and_equals_cold(project):
    config = ScoringConfig()
    cold, cold_project = scored(project, config, use_cache=False)
    first, _ = scored(project, config)
    assert all(path.exists() for path in snapshot_files(project))
    warm_project = load_project(project)
    assert not warm_project.evidence_loaded  # the findings and the count come from the snapshot
    assert warm_project.problems == cold_project.problems
    assert warm_project.evidence_count == cold_project.evidence_count == 2
    prepared = snapshot.prepared(warm_project, config)
    numbers = score_all(warm_project.nodes, prepared.items, AS_OF, config, detail=())
    assert not warm_project.evidence_loaded  # scoring the tree needs no item
    assert numbers["reboot"].score == cold["reboot"]["score"]
    warm, _ = scored(project, config)
    assert cold == first == warm
    assert [e.path for e in warm_project.evidence] == [e.path for e in cold_project.evidence]
    assert any("impact" in f for f in findings(project))


def test_explaining_one_node_reads_only_its_items(project):
    config = ScoringConfig()
    scored(project, config)  # fills the snapshot
    warm = load_project(project)
    prepared = snapshot.prepared(warm, config)
    scores = score_all(warm.nodes, prepared.items, AS_OF, config, detail=("balance-west",))
    assert [c.evidence_id for c in scores["balance-west"].contributions] == ["2025-04-01-b"]
    assert scores["balance-west"].contributions[0].rationale == "Because."
    assert not warm.evidence_loaded  # that one item was read from its own file


@pytest.mark.parametrize(
    "change", ["edit", "rename", "delete", "new file", "stray file", "archive"]
)
def test_every_change_to_the_evidence_is_seen(project, change):
    config = ScoringConfig()
    scored(project, config)
    folder = project / "evidence" / "2025"
    if change == "edit":
        path = folder / "2025-03-01-a.toml"
        path.write_text(evidence_toml("2025-03-01-a", date="2025-03-01", impact=-3))
        age(path, seconds=5)
    elif change == "rename":
        (folder / "2025-03-01-a.toml").rename(folder / "2025-03-01-z.toml")
    elif change == "delete":
        (folder / "2025-03-01-a.toml").unlink()
    elif change == "new file":
        age(write_evidence(project, evidence_toml("2025-06-01-d", date="2025-06-01", impact=-4)))
    elif change == "stray file":
        age(write_evidence(project, "notes", "evidence/2025/notes.md"))
    else:
        (folder / "2025-03-01-a.txt").write_text("an archived copy without a hash")
    assert findings(project) == findings(project, use_cache=False)
    assert scored(project, config)[0] == scored(project, config, use_cache=False)[0]
    assert catalogue_of(project) == catalogue_of(project, use_cache=False)


def test_a_change_to_the_tree_the_config_or_the_date_is_seen(project, monkeypatch):
    config = ScoringConfig()
    scored(project, config)
    recommendations = project / "recommendations.toml"
    recommendations.write_text(recommendations.read_text().replace('"balance-west"', '"west"'))
    assert any("unknown recommendation 'balance-west'" in f for f in findings(project))

    heavier = ScoringConfig.model_validate({"half_life_days": 30})
    assert scored(project, heavier)[0] == scored(project, heavier, use_cache=False)[0]
    assert scored(project, heavier)[0] != scored(project, config)[0]

    monkeypatch.setenv("TRACKER_TODAY", "2025-03-15")  # now 2025-04-01 is in the future
    assert any("in the future" in f for f in findings(project))
    assert findings(project) == findings(project, use_cache=False)


def test_corrupt_or_foreign_snapshots_are_ignored_and_rebuilt(project):
    config = ScoringConfig()
    expected, _ = scored(project, config, use_cache=False)
    expected_findings = findings(project, use_cache=False)
    scored(project, config)
    for junk in (b"", b"garbage", b"tracker-snapshot\n", b"\x80\x04\x95foreign"):
        for path in snapshot_files(project):
            path.write_bytes(junk)
        assert findings(project) == expected_findings
        assert scored(project, config)[0] == expected
        assert catalogue_of(project) == catalogue_of(project, use_cache=False)
    for path in snapshot_files(project):  # our header, then damage: refused, not trusted
        data = path.read_bytes()
        header = data[: data.index(b"\n", data.index(b"\n", data.index(b"\n") + 1) + 1) + 1]
        path.write_bytes(header + b"\x80\x05not a pickle")
    assert findings(project) == expected_findings
    assert catalogue_of(project) == catalogue_of(project, use_cache=False)
    assert scored(project, config)[0] == expected
    assert load_project(project).loaded is None  # rebuilt: the next run is warm


def test_no_snapshot_while_a_file_is_fresh(mini):
    write_evidence(mini, evidence_toml())  # modified just now: an edit could still hide
    load_project(mini)
    assert not any(path.exists() for path in snapshot_files(mini))
    assert load_project(mini).loaded is not None  # read afresh, not from a snapshot


def test_no_cache_never_reads_or_writes_a_snapshot(project):
    load_project(project, use_cache=False)
    assert not (project / CACHE_DIR).exists()


@pytest.mark.parametrize("one_by_one", [0, 200])
def test_items_for_explanations_are_read_as_needed(project, monkeypatch, one_by_one):
    from tracker import store

    monkeypatch.setattr(store, "READ_ONE_BY_ONE", one_by_one)  # 0: all at once
    config = ScoringConfig()
    scored(project, config)
    warm = load_project(project)
    items = snapshot.prepared(warm, config).items
    assert isinstance(items, snapshot.LazyItems)
    items.fetch(range(len(items)))
    canonical = sorted(load_project(project, use_cache=False).items, key=lambda i: i.midpoint)
    assert [items[r] for r in range(len(items))] == canonical
    assert not warm.evidence_loaded  # the items were read, the whole evidence was not


def test_an_item_gone_since_the_load_is_a_clear_error(project):
    from tracker.store import FileChangedError

    config = ScoringConfig()
    scored(project, config)
    warm = load_project(project)
    items = snapshot.prepared(warm, config).items
    (project / "evidence" / "2025" / "2025-03-01-a.toml").write_text("broken = ")
    with pytest.raises(FileChangedError, match="changed while tracker was reading it"):
        items.fetch([0])


def test_cli_reports_equal_cold_and_warm_on_the_bundled_data(bundled, capsys):
    def report(command: str, *extra: str) -> dict:
        code = main([command, "-C", str(bundled), *extra])
        assert code == 0
        return json.loads(capsys.readouterr().out)

    args = ["status", "--as-of", "2025-10-01", "--format", "json", "--evidence"]
    cold = report(*args[:1], "--no-cache", *args[1:])
    assert not (bundled / CACHE_DIR).exists()
    first = report(*args)
    warm = report(*args)
    assert cold == first == warm
    assert main(["check", "-C", str(bundled)]) == 0
    capsys.readouterr()
    shutil.rmtree(bundled / CACHE_DIR)
    explain = ["explain", "reboot-political-system", "--as-of", "2025-10-01", "--format", "json"]
    assert report(*explain[:1], "--no-cache", *explain[1:]) == report(*explain)
    capsys.readouterr()


def test_prepared_from_a_loaded_project_matches_prepare(bundled):
    config, _ = load_config(bundled)
    project = load_project(bundled, use_cache=False)
    fresh = prepare(project.items, config)
    assert snapshot.prepared(project, config).pack() == fresh.pack()


def test_one_pass_over_the_evidence_keeps_no_item(project):
    expected = [(ev.path, ev.item) for ev in load_project(project, use_cache=False).evidence]
    scored(project, ScoringConfig())
    for fresh in (load_project(project, use_cache=False), load_project(project)):
        assert [(ev.path, ev.item) for ev in fresh.iter_evidence()] == expected
        assert not fresh.evidence_loaded
    assert fresh.loaded is None  # the warm one read the cache for that pass, and kept nothing


def test_a_head_start_never_outlives_its_command(project, capsys):
    from tracker.speed import scan

    root = str(project)
    assert main(["check", "-C", root]) == 1  # the project has one bad item
    # This command fails before it loads: the scan it started must not serve a later one.
    assert main(["suggest", root + "/recommendations.toml", "--top", "0", "-C", root]) == 2
    assert not scan._started
    bad = project / "evidence" / "2025" / "2025-05-01-c.toml"
    bad.write_text(evidence_toml("2025-05-01-c", date="2025-05-01", impact=1))
    age(bad, seconds=5)
    capsys.readouterr()
    assert main(["check", "-C", root]) == 0
    assert "ok: 0 errors" in capsys.readouterr().out


def test_a_head_start_sees_what_the_load_would(project):
    from tracker.speed import scan

    started = scan._HeadStart(project)  # a child process on Linux, else a thread
    assert started.take() == scan.evidence_state(project)
    assert started.take() is None  # taken once


def test_one_item_is_found_by_id_without_reading_the_others(project):
    scored(project, ScoringConfig())  # fills the snapshot and the catalogue
    cold = load_project(project, use_cache=False)
    warm = load_project(project)
    assert warm.evidence_ids() == cold.evidence_ids() == ["2025-03-01-a", "2025-04-01-b"]
    found = warm.evidence_file("2025-04-01-b")
    assert found == cold.evidence_file("2025-04-01-b")
    assert warm.evidence_file("2025-05-01-c") is None  # the broken one loads no item
    assert not warm.evidence_loaded
