"""The git commands end to end, on real repositories: two analysts, branches, merges, conflicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.git_helpers import act_as, at_date, git, init_repo, isolated_git, no_identity  # noqa: F401
from tracker.cli import main
from tracker.git import gitops
from tracker.store.files import UnsafeWriteError, sha256_of
from tracker.store.reader import evidence_from_bytes
from tracker.store.writer import save_evidence
from tracker.workspace import open_workspace

ITEM = "2025-03-01-an-event"
ITEM_PATH = f"evidence/2025/{ITEM}.toml"


def assessment(rec: str, impact: int, analyst: str | None = None) -> str:
    who = f'analyst = "{analyst}"\n' if analyst else ""
    return (
        f'\n[[assessment]]\nrecommendation = "{rec}"\nimpact = {impact}\n'
        f'confidence = "moderate"\nrationale = "Why."\n{who}'
    )


def item(
    id: str = ITEM,
    date: str = "2025-03-01",
    *,
    impact: int = 2,
    analyst: str | None = None,
    extra: str = "",
) -> str:
    text = evidence_toml(id, date=date, impact=impact, url=f"https://example.org/{id}")
    if analyst:
        text += f'analyst = "{analyst}"\n'
    return text + extra


@pytest.fixture
def repo(mini: Path) -> Path:
    init_repo(mini)
    git(mini, "add", "recommendations.toml")
    git(mini, "commit", "-q", "-m", "the paper")
    return mini


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def as_json(capsys, *args: str) -> dict:
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


# --- commit --------------------------------------------------------------------------------------


def test_commit_command(repo, capsys):
    write_evidence(repo, item())
    code, out, _ = run(capsys, "commit", "-C", str(repo), "--dry-run")
    assert code == 0
    assert f"added    {ITEM_PATH}" in out
    assert f"evidence: add {ITEM} (reboot +2)" in out
    assert gitops.pending_changes(repo)  # a dry run commits nothing
    code, out, _ = run(capsys, "commit", "-C", str(repo))
    assert code == 0
    assert out.startswith(
        f"committed {gitops.head_commit(repo)[:10]} on main: evidence: add {ITEM}"
    )
    assert gitops.pending_changes(repo) == []


def test_commit_by_evidence_id_with_json(repo, capsys):
    write_evidence(repo, item())
    write_evidence(repo, item("2025-04-01-other", "2025-04-01"))
    payload = as_json(capsys, "commit", "-C", str(repo), ITEM)
    assert payload["committed"] is True
    assert payload["files"] == [ITEM_PATH]
    assert payload["commit"] == gitops.head_commit(repo)
    assert as_json(capsys, "commit", "-C", str(repo), "--dry-run")["changes"][0]["evidence_id"] == (
        "2025-04-01-other"
    )
    code, _, err = run(capsys, "commit", "-C", str(repo), "no-such-item")
    assert code == 2 and "no evidence item with that id" in err


# --- log and blame -------------------------------------------------------------------------------


def two_analysts_on_one_item(repo: Path, monkeypatch) -> None:
    """Alice adds the item (reboot +2); Bob later adds his own reading and lowers hers."""
    at_date(monkeypatch, "2025-03-05T09:00:00+00:00")
    write_evidence(repo, item())
    gitops.commit(repo)
    act_as(monkeypatch, "bob")
    at_date(monkeypatch, "2025-04-10T09:00:00+00:00")
    (repo / ITEM_PATH).write_text(item(impact=1, extra=assessment("balance", -2, "bob")), "utf-8")
    gitops.commit(repo)


def test_log_of_a_recommendation_shows_who_when_and_the_score(repo, monkeypatch, capsys):
    two_analysts_on_one_item(repo, monkeypatch)
    payload = as_json(capsys, "log", "-C", str(repo), "reboot")
    entries = payload["entries"]
    assert [e["author"] for e in entries] == ["Bob Бобров", "Alice Analyst"]
    assert [e["date"][:10] for e in entries] == ["2025-04-10", "2025-03-05"]
    assert entries[0]["changes"] == [
        {"evidence_id": ITEM, "path": ITEM_PATH, "action": "change", "detail": "reboot +2 → +1"}
    ]
    assert entries[1]["changes"][0]["action"] == "add"
    assert entries[1]["subject"] == f"evidence: add {ITEM} (reboot +2)"
    assert payload["scored"] is True  # tracker.domain.scoring exists in this installation
    added, lowered = entries[1], entries[0]
    assert added["score_before"] is None or added["score_before"] == 0
    assert added["score_after"] > 0
    assert lowered["score_after"] < lowered["score_before"]
    # balance's measures roll up: Bob's assessment of balance appears in its history only
    balance = as_json(capsys, "log", "-C", str(repo), "balance")["entries"]
    assert [e["author"] for e in balance] == ["Bob Бобров"]
    assert balance[0]["changes"][0]["detail"] == "balance (bob) -2"
    code, out, _ = run(capsys, "log", "-C", str(repo), "reboot")
    assert code == 0
    assert (
        "Bob Бобров" in out
        and "score " in out
        and "change 2025-03-01-an-event: reboot +2 → +1" in out
    )


def test_log_of_an_evidence_item_and_of_everything(repo, monkeypatch, capsys):
    two_analysts_on_one_item(repo, monkeypatch)
    entries = as_json(capsys, "log", "-C", str(repo), ITEM)["entries"]
    assert [(e["author"], e["changes"][0]["action"]) for e in entries] == [
        ("Bob Бобров", "change"),
        ("Alice Analyst", "add"),
    ]
    commits = as_json(capsys, "log", "-C", str(repo))["commits"]
    assert [c["subject"] for c in commits][-1] == "the paper"
    assert len(commits) == 3
    code, _, err = run(capsys, "log", "-C", str(repo), "rebot")
    assert code == 2 and "did you mean 'reboot'" in err


def test_blame_per_assessment(repo, monkeypatch, capsys):
    two_analysts_on_one_item(repo, monkeypatch)
    act_as(monkeypatch, "alice")
    payload = as_json(capsys, "blame", "-C", str(repo), ITEM)
    first, second = payload["assessments"]
    text = (repo / ITEM_PATH).read_text("utf-8").splitlines()
    assert text[first["start_line"] - 1] == "[[assessment]]"
    assert text[second["start_line"] - 1] == "[[assessment]]"
    assert first["end_line"] == second["start_line"] - 2  # the blank line between belongs to none
    assert second["end_line"] == len(text)
    assert (first["recommendation"], first["author"], first["impact_author"]) == (
        "reboot",
        "Bob Бобров",
        "Bob Бобров",
    )  # Bob changed her impact: last change is his
    assert (second["recommendation"], second["author"], second["analyst"]) == (
        "balance",
        "Bob Бобров",
        "bob",
    )
    # Alice rewords her rationale without committing: the block shows as not committed yet
    (repo / ITEM_PATH).write_text(
        item(impact=1, extra=assessment("balance", -2, "bob")).replace(
            'rationale = "Because."', 'rationale = "Because, on reflection."'
        ),
        "utf-8",
    )
    first = as_json(capsys, "blame", "-C", str(repo), ITEM)["assessments"][0]
    assert first["commit"] is None and first["author"] == "Alice Analyst"
    code, out, _ = run(capsys, "blame", "-C", str(repo), ITEM)
    assert code == 0 and "not committed yet" in out
    code, _, err = run(capsys, "blame", "-C", str(repo), "2025-03-01-an-evnt")
    assert code == 2 and f"did you mean '{ITEM}'" in err


# --- agreement -----------------------------------------------------------------------------------


def test_agreement_uses_the_analyst_field_and_falls_back_to_git(repo, monkeypatch, capsys):
    import krippendorff

    readings = {  # evidence -> (alice's impact, bob's impact)
        "2025-01-01-a": (2, 2),
        "2025-01-02-b": (-1, -2),
        "2025-01-03-c": (3, 1),
        "2025-01-04-d": (0, 0),
        "2025-01-05-e": (-3, -3),
    }
    for eid, (a, _) in readings.items():
        # Alice writes no analyst field: git's blame names her.
        write_evidence(repo, item(eid, f"2025-01-{eid[8:10]}", impact=a))
    gitops.commit(repo)
    act_as(monkeypatch, "bob")
    for eid, (a, b) in readings.items():
        path = repo / f"evidence/2025/{eid}.toml"
        path.write_text(
            item(
                eid, f"2025-01-{eid[8:10]}", impact=a, extra=assessment("reboot", b, "Bob Бобров")
            ),
            "utf-8",
        )
    gitops.commit(repo)
    report = as_json(capsys, "agreement", "-C", str(repo))
    expected = krippendorff.alpha(
        reliability_data=[[a for a, _ in readings.values()], [b for _, b in readings.values()]],
        level_of_measurement="interval",
    )
    assert report["overall"]["alpha"] == pytest.approx(expected)
    assert report["analysts"] == ["Alice Analyst", "Bob Бобров"]
    [rec] = report["by_recommendation"]
    assert rec["recommendation"] == "reboot" and rec["units"] == 5
    widest = report["disagreements"][0]
    assert (widest["evidence_id"], widest["gap"]) == ("2025-01-03-c", 2)
    code, out, _ = run(capsys, "agreement", "-C", str(repo))
    assert code == 0
    assert "(5 attributed by git author)" in out
    assert f"overall alpha (interval): {expected:.3f}" in out


def test_agreement_with_a_single_analyst_explains_what_is_needed(repo, capsys):
    write_evidence(repo, item())
    gitops.commit(repo)
    code, out, _ = run(capsys, "agreement", "-C", str(repo))
    assert code == 0
    assert "undefined" in out and "have two analysts assess the same evidence" in out


# --- two analysts, two branches ------------------------------------------------------------------


def test_two_analysts_on_two_branches_merge_cleanly(repo, monkeypatch, capsys):
    write_evidence(repo, item())
    gitops.commit(repo)
    git(repo, "switch", "-q", "-c", "bob")
    act_as(monkeypatch, "bob")
    (repo / ITEM_PATH).write_text(item(extra=assessment("balance-west", 1, "bob")), "utf-8")
    write_evidence(repo, item("2025-05-01-bobs-find", "2025-05-01", analyst="bob"))
    gitops.commit(repo)
    git(repo, "switch", "-q", "main")
    act_as(monkeypatch, "alice")
    write_evidence(repo, item("2025-06-01-alices-find", "2025-06-01", analyst="alice"))
    gitops.commit(repo)
    git(repo, "merge", "-q", "--no-edit", "bob")
    project = open_workspace(repo, cache=False)
    assert project.problems == []
    assert sorted(r.facts.id for r in project.records) == [
        ITEM,
        "2025-05-01-bobs-find",
        "2025-06-01-alices-find",
    ]
    assert [a.recommendation for a in project.evidence_file(ITEM).item.assessments] == [
        "reboot",
        "balance-west",
    ]
    assert run(capsys, "check", "-C", str(repo))[0] == 0
    authors = {e["author"] for e in as_json(capsys, "log", "-C", str(repo))["commits"]}
    assert {"Alice Analyst", "Bob Бобров"} <= authors


def test_a_conflicting_edit_is_reported_and_never_overwritten(repo, monkeypatch, capsys):
    write_evidence(repo, item())
    gitops.commit(repo)
    git(repo, "switch", "-q", "-c", "bob")
    act_as(monkeypatch, "bob")
    (repo / ITEM_PATH).write_text(item(impact=-1), "utf-8")
    gitops.commit(repo)
    git(repo, "switch", "-q", "main")
    act_as(monkeypatch, "alice")
    (repo / ITEM_PATH).write_text(item(impact=4), "utf-8")
    gitops.commit(repo)
    merge = git(repo, "merge", "--no-edit", "bob", check=False)
    assert "CONFLICT" in merge
    text = (repo / ITEM_PATH).read_text("utf-8")
    markers = [
        n
        for n, line in enumerate(text.splitlines(), 1)
        if line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
    ]
    assert len(markers) == 3

    code, out, _ = run(capsys, "check", "-C", str(repo))
    assert code == 1
    for line in markers:
        assert f"{ITEM_PATH}:{line}: git merge conflict marker" in out
    # tracker refuses to commit it, and refuses to write over it
    code, _, err = run(capsys, "commit", "-C", str(repo))
    assert code == 1 and "merge conflict marker" in err
    fresh = open_workspace(repo, cache=False)
    assert fresh.evidence_file(ITEM) is None  # the conflicted file yields no item to save over
    good = evidence_from_bytes(None, ITEM_PATH, item(impact=4).encode()).item
    with pytest.raises(UnsafeWriteError):
        save_evidence(repo, good, expected_sha256=sha256_of((repo / ITEM_PATH).read_bytes()))
    assert (repo / ITEM_PATH).read_text("utf-8") == text  # not a byte lost
    # resolving it by hand, then `tracker commit` concludes the merge
    (repo / ITEM_PATH).write_text(item(impact=2), "utf-8")
    result = gitops.commit(repo, None, "Merge Bob's reading: settle on +2")
    assert len(git(repo, "log", "-1", "--format=%P").split()) == 2
    assert result.files == [ITEM_PATH]


@pytest.mark.parametrize("command", ["commit", "log", "blame", "agreement"])
def test_help_teaches_with_examples(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"tracker {command}" in out


def test_pre_commit_hook_definition():
    """The hook other repositories use: `tracker check` over the whole project, every commit."""
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    [hook] = hooks
    assert hook["id"] == "tracker-check"
    assert hook["entry"] == "tracker check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False and hook["always_run"] is True
