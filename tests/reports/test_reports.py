"""status, explain, history and changes: every format, on bundled and generated data, with
hostile text, and golden files for md and csv (the published pages: test_pages.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import evidence_toml, write_evidence
from tracker.cli import main

GOLDEN = Path(__file__).parent / "golden"
HOSTILE_TITLE = "[bold]x[/] <script>alert(1)</script> [link=http://e.vil]y[/link] =1+1 **b**"
HOSTILE_QUOTE = "<img src=x onerror=alert(1)> [red]Кремль[/red] &lt;b&gt; `code` | # h"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TRACKER_TODAY": "2026-11-24", "COLUMNS": "160"},
    )


def hostile_project(root: Path) -> Path:
    text = evidence_toml(
        "2025-06-01-hostile",
        date="2025-06-01",
        recommendation="balance-west",
        impact=3,
        url="javascript:alert(1)",
    )
    text = text.replace('title = "An event"', f"title = {json.dumps(HOSTILE_TITLE)}")
    text = text.replace('quote = "Something happened."', f"quote = {json.dumps(HOSTILE_QUOTE)}")
    text = text.replace('publisher = "Outlet"', 'publisher = "@SUM(A1) [i]Пресса[/i]"')
    write_evidence(root, text)
    write_evidence(
        root,
        evidence_toml("2025-09-01-down", date="2025-09-01", recommendation="reboot", impact=-2),
    )
    return root


def test_status_on_bundled_data_runs_without_textual(bundled):
    done = run("-X", "importtime", "-m", "tracker", "status", "--as-of", "2025-10-01", cwd=bundled)
    assert done.returncode == 0, done.stderr
    assert "textual" not in done.stderr  # -X importtime lists every module imported
    assert "balance-west-east" in done.stdout and "regressing" in done.stdout


def test_explain_on_bundled_data_sums_to_the_score(bundled, capsys):
    assert (
        main(
            [
                "explain",
                "balance-west-east",
                "--as-of",
                "2025-10-01",
                "-C",
                str(bundled),
                "--format",
                "json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert abs(sum(c["contribution"] for c in data["contributions"]) - data["score"]) < 1e-12
    reasons = {e["reason"] for e in data["excluded"]}
    assert "duplicate_event" in reasons
    assert main(["explain", "balance-west-east", "--as-of", "2025-10-01", "-C", str(bundled)]) == 0
    out = capsys.readouterr().out
    assert "also reported by" in out and "duplicate event" in out
    assert f"{data['score']:+.3f}" in out


def test_explain_unknown_id_is_a_usage_error(bundled, capsys):
    assert main(["explain", "balance-west-eas", "-C", str(bundled)]) == 2
    assert "did you mean balance-west-east" in capsys.readouterr().err


def test_hostile_text_in_the_terminal(mini):
    hostile_project(mini)
    done = run("-m", "tracker", "explain", "balance-west", "--as-of", "2025-10-01", cwd=mini)
    assert done.returncode == 0, done.stderr
    assert "[bold]x[/]" in done.stdout and "<script>" in done.stdout
    assert "[i]Пресса[/i]" in done.stdout and "\x1b" not in done.stdout


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv", "text"])
def test_hostile_text_in_every_export(mini, tmp_path, fmt):
    hostile_project(mini)
    out = tmp_path / f"status.{'txt' if fmt == 'text' else fmt}"
    assert (
        main(["status", "-C", str(mini), "--as-of", "2025-10-01", "--evidence", "-o", str(out)])
        == 0
    )
    text = out.read_text("utf-8")
    if fmt == "html":
        assert "<script>" not in text and "<img" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert 'href="javascript' not in text
    elif fmt == "md":
        assert "<script>" not in text and "<img" not in text
        assert "\\[bold\\]" in text and "&lt;img src\\=x" in text
    elif fmt == "json":
        rows = json.loads(text)["evidence"]
        assert any(r["title"] == HOSTILE_TITLE and r["quote"] == HOSTILE_QUOTE for r in rows)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        hostile = next(r for r in rows if r["evidence_id"] == "2025-06-01-hostile")
        assert hostile["publisher"] == "'@SUM(A1) [i]Пресса[/i]"  # no formula in a spreadsheet
        assert hostile["quote"] == HOSTILE_QUOTE
    else:
        assert "\x1b" not in text


def test_changes_markdown_with_hostile_title(mini, capsys):
    hostile_project(mini)
    assert (
        main(
            [
                "changes",
                "-C",
                str(mini),
                "--since",
                "2025-01-01",
                "--until",
                "2025-12-31",
                "--format",
                "md",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "## New evidence, by recommendation" in out and "<script>" not in out
    assert "(`balance-west`, under Balance West and East)" in out and "### Away from them" in out
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in out


def test_golden_markdown_and_csv(mini, capsys, monkeypatch):
    hostile_project(mini)
    monkeypatch.setattr("tracker.cli.commands.scoring.commit_of", lambda root: None)
    outputs = {}
    for name, argv in {
        "status.md": ["status", "--format", "md"],
        "status.csv": ["status", "--format", "csv"],
        "evidence.csv": ["status", "--format", "csv", "--evidence"],
        "changes.md": [
            "changes",
            "--since",
            "2025-01-01",
            "--until",
            "2025-12-31",
            "--format",
            "md",
        ],
        "history.csv": [
            "history",
            "balance",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--step",
            "quarter",
            "--format",
            "csv",
        ],
    }.items():
        extra = ["--as-of", "2025-10-01"] if argv[0] == "status" else []
        assert main([*argv, *extra, "-C", str(mini)]) == 0
        outputs[name] = capsys.readouterr().out
    for name, text in outputs.items():
        golden = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") or not golden.exists():
            golden.write_text(text, "utf-8")
        assert text == golden.read_text("utf-8"), f"{name} differs from tests/golden/{name}"


def test_history_formats(bundled, capsys):
    assert (
        main(
            [
                "history",
                "balance-west-east",
                "--from",
                "2025-01",
                "--to",
                "2025-12",
                "-C",
                str(bundled),
                "--format",
                "json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1 and len(data["dates"]) == 12
    assert main(["history", "--from", "2025-01", "--to", "2025-12", "-C", str(bundled)]) == 0
    out = capsys.readouterr().out
    assert "balance-west-east" in out and any(ch in out for ch in "▁▂▃▄▅▆▇█")


def test_status_filters_and_format_from_extension(bundled, tmp_path, capsys):
    assert (
        main(
            [
                "status",
                "-C",
                str(bundled),
                "--as-of",
                "2025-10-01",
                "--format",
                "json",
                "--section",
                "resource-support",
                "--status",
                "stalled",
            ]
        )
        == 0
    )
    nodes = json.loads(capsys.readouterr().out)["nodes"]
    assert nodes and all(n["status"] == "stalled" for n in nodes)
    assert main(["status", "-C", str(bundled), "-o", str(tmp_path / "x.unknown")]) == 2
    assert main(["status", "-C", str(bundled), "--section", "nope"]) == 2


def test_changes_on_the_terminal_lists_the_latest_new_evidence(mini, capsys):
    dates = [f"2025-03-{day:02d}" for day in range(1, 29)] + [f"2025-04-0{d}" for d in range(1, 8)]
    for date in dates:
        write_evidence(mini, evidence_toml(f"{date}-item", date=date))
    args = ["changes", "-C", str(mini), "--since", "2025-01-01", "--until", "2025-12-31"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "new evidence (35; the latest 30)" in out
    assert "5 earlier items not listed" in out
    assert main([*args, "--all"]) == 0
    out = capsys.readouterr().out
    assert "new evidence (35)" in out and "not listed" not in out


def test_a_limited_explanation_reads_as_the_full_one_cut(mini):
    """The terminal's explain builds only the rows it shows; it must read exactly as the full
    explanation cut to those rows: the same rows, the same rest, the same counts."""
    import datetime as dt

    from rich.console import Console

    from tracker.reports import terminal as report
    from tracker.workspace import open_workspace

    start = dt.date(2022, 1, 1)
    for n in range(70):
        date = (start + dt.timedelta(days=23 * n)).isoformat()
        impact = (n % 11) - 5
        write_evidence(mini, evidence_toml(f"{date}-item-{n}", date=date, impact=impact))
    ws = open_workspace(mini, cache=False)
    as_of = dt.date(2025, 6, 1)

    def shown(limit):
        score = ws.explain("reboot", as_of, limit=limit)
        console = Console(width=220, record=True, file=io.StringIO())
        console.print(report.explain(score, ws.config, limit=10))
        return console.export_text(), score

    full_text, full = shown(None)
    cut_text, cut = shown(10)
    assert len(cut.contributions) == 10 < full.contribution_count == cut.contribution_count
    assert cut.excluded_count == full.excluded_count > 10
    assert cut_text == full_text


def test_a_report_file_is_replaced_but_never_a_data_file(bundled, tmp_path, capsys):
    page = tmp_path / "status.md"
    args = ["status", "-C", str(bundled), "--as-of", "2025-10-01"]
    assert main([*args, "-o", str(page)]) == 0
    first = page.read_text()
    assert main([*args[:-1], "2025-06-30", "-o", str(page)]) == 0  # the nightly job again
    assert page.read_text() != first
    archive = next((bundled / "evidence").rglob("*.txt"))
    before = archive.read_bytes()
    assert main([*args, "-o", str(archive)]) == 2
    assert "data files" in capsys.readouterr().err
    assert archive.read_bytes() == before
    assert main([*args, "--format", "md", "-o", str(bundled / "evidence")]) == 2


@pytest.mark.parametrize("width", [200, 120, 100, 80, 60])
def test_status_table_fits_the_terminal_and_says_what_it_left_out(bundled, width):
    """Every recommendation stays readable: the least needed columns go first, and the
    caption names them; nothing is cut at the edge."""
    from rich.console import Console

    from tracker.reports import terminal as report
    from tracker.workspace import open_workspace

    project = open_workspace(bundled, cache=False)
    scores = project.scores(dt.date(2026, 11, 24))
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(report.status_table(list(scores.values()), title="T", width=width))
    lines = console.file.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    text = " ".join(" ".join(line.replace("│", " ").split()) for line in lines)
    for node in project.nodes:  # each title's first word is shown, however narrow
        assert node.title.split()[0] in text, node.title
    header = lines[2]
    shown = [name for name in report.FIGURE_COLUMNS if name in header]
    left_out = [name for name in report.FIGURE_COLUMNS if name not in shown]
    assert shown[:2] == ["standing", "status"] or shown[:3] == ["id", "standing", "status"]
    if left_out:
        assert f"{', '.join(left_out)}: left out to fit the terminal" in text
    else:
        assert width >= 160 and "left out" not in text


def test_changes_lists_the_period_s_own_evidence_under_a_move(mini, capsys):
    """Larger old contributions never crowd the period's own out of a move's list."""
    for day in range(1, 13):
        date = f"2025-01-{day:02d}"
        write_evidence(mini, evidence_toml(f"{date}-old", date=date, impact=5))
    for day in (3, 4, 5):
        date = f"2025-04-{day:02d}"
        write_evidence(mini, evidence_toml(f"{date}-new", date=date, impact=1))
    args = ["changes", "-C", str(mini), "--since", "2025-03-01", "--until", "2025-06-01"]
    assert main([*args, "--format", "json"]) == 0
    moves = {m["node_id"]: m for m in json.loads(capsys.readouterr().out)["up"]}
    listed = [c["evidence_id"] for c in moves["reboot"]["evidence"]]
    assert sorted(listed) == ["2025-04-03-new", "2025-04-04-new", "2025-04-05-new"]
