"""Where each recommendation stands today, on the bundled data, as the JSON export says it."""

from __future__ import annotations

import datetime as dt
import json

from tracker.cli import main


def status(capsys, bundled, *extra):
    assert main(["status", "-C", str(bundled), "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["nodes"]


def test_today_the_bundled_evidence_still_stands_and_nothing_moves(bundled, capsys, monkeypatch):
    monkeypatch.setenv("TRACKER_TODAY", "2026-12-04")
    nodes = status(capsys, bundled)
    assert nodes, "no nodes"
    for node in nodes:
        counted = node["evidence_count"] > 0
        assert (node["status"] == "no-evidence") == (not counted), node["node_id"]
        assert (node["last_evidence"] is not None) == counted, node["node_id"]
        assert node["trend"] == 0 and node["trend_arrow"] in ("→", ""), node["node_id"]
        assert node["status_reason"] and "<=" not in node["status_reason"]
        for key in ("node_id", "title", "status", "score", "trend", "trend_arrow"):
            assert key in node
    assert any(n["evidence_count"] > 0 for n in nodes)
    assert all(n["stale"] for n in nodes if n["evidence_count"])  # none is from the last year


def test_on_the_first_of_october_2025_the_movements_show(bundled, capsys, monkeypatch):
    monkeypatch.setenv("TRACKER_TODAY", "2026-12-04")
    nodes = {n["node_id"]: n for n in status(capsys, bundled, "--as-of", "2025-10-01")}
    moved = [n for n in nodes.values() if n["trend"] != 0]
    assert moved, "the September 2025 evidence moves something"
    assert all(n["trend_arrow"] in ("↑", "↓", "→") for n in moved)
    as_of = dt.date(2025, 10, 1)
    for node in nodes.values():  # stale: the newest evidence is more than a year old
        newest = node["last_evidence"]
        old = newest is not None and (as_of - dt.date.fromisoformat(newest)).days > 365
        assert node["stale"] == old, node["node_id"]
    assert not nodes["balance-western-neighbours"]["stale"]  # Poland's closure, September 2025
    assert nodes["diplomatic-service-consular-assistance"]["stale"]  # the 2023 passport decree
