"""`tracker fmt`: one canonical layout, never a lost word."""

from __future__ import annotations

import json

from tests.conftest import REPO, evidence_toml, write_evidence
from tracker.cli import main
from tracker.workspace import open_workspace


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


HAND_WRITTEN = evidence_toml().replace(
    'quote = "Something happened."', 'quote = """\nSomething happened."""'
)


def test_fmt_rewrites_what_differs_and_check_lists_it(mini, capsys):
    path = write_evidence(mini, HAND_WRITTEN)
    before = open_workspace(mini, speed=False)
    code, out, _ = run(capsys, "fmt", "--check", "-C", str(mini))
    assert code == 1 and "would reformat evidence/2025/2025-03-01-an-event.toml" in out
    assert path.read_text() == HAND_WRITTEN  # --check changes nothing
    code, out, _ = run(capsys, "fmt", "-C", str(mini))
    assert code == 0 and "reformatted evidence/2025/2025-03-01-an-event.toml" in out
    assert path.read_text() != HAND_WRITTEN
    after = open_workspace(mini, speed=False)
    assert [r.facts for r in after.records] == [r.facts for r in before.records]
    assert after.read(after.records[0].path).item == before.read(before.records[0].path).item
    code, out, _ = run(capsys, "fmt", "--check", "-C", str(mini), "--format", "json")
    assert code == 0 and json.loads(out)["changed"] == []


def test_files_with_comments_or_errors_are_left_as_they_are(mini, capsys):
    commented = write_evidence(mini, "# my note\n" + HAND_WRITTEN)
    broken = write_evidence(mini, 'id = "x\n', "evidence/2025/2025-04-01-broken.toml")
    code, out, _ = run(capsys, "fmt", "-C", str(mini))
    assert code == 0
    assert commented.read_text().startswith("# my note")
    assert broken.read_text() == 'id = "x\n'
    assert "left as it is: evidence/2025/2025-03-01-an-event.toml: holds comments" in out


def test_the_bundled_data_round_trips(bundled, capsys):
    before = open_workspace(bundled, speed=False)
    assert run(capsys, "fmt", "-C", str(bundled))[0] == 0
    assert run(capsys, "fmt", "--check", "-C", str(bundled))[0] == 0
    after = open_workspace(bundled, speed=False)
    assert [r.facts for r in after.records] == [r.facts for r in before.records]
    for a, b in zip(after.iter_items(), before.iter_items(), strict=True):
        assert a.item == b.item
    assert after.nodes == before.nodes and after.paper == before.paper
    assert (REPO / "recommendations.toml").exists()
