"""A workspace opened for import and suggest (`facts=False`): every evidence file's path and
sha256, exactly as a full open has them, from a warm cache, a cold one or none; no facts,
no scores, no findings about the evidence."""

from __future__ import annotations

import pytest

from tests.conftest import evidence_toml, write_evidence
from tests.speed.test_loader import aged, mixed_project
from tracker.workspace import open_workspace


def identities(ws) -> list[tuple[str, str]]:
    return [(r.path, r.sha256) for r in ws.records]


@pytest.mark.parametrize("cache", ["warm", "cold", "off", "no speed"])
def test_the_same_files_as_a_full_open(mini, cache):
    mixed_project(mini)
    aged(mini)
    full = open_workspace(mini)
    options = {"cache": cache != "off", "speed": cache != "no speed"}
    if cache == "cold":
        from tracker.speed import filecache

        filecache.FileCache(mini).clear()
    light = open_workspace(mini, facts=False, **options)
    assert identities(light) == identities(full)
    assert all(r.facts is None for r in light.records)
    assert not light.facts_loaded


def test_an_edit_is_seen_without_facts(mini):
    mixed_project(mini)
    aged(mini)
    open_workspace(mini, facts=False)
    target = mini / "evidence/2025/2025-03-01-item-0.toml"
    target.write_text(target.read_text().replace("impact = -5", "impact = 4"))
    assert identities(open_workspace(mini, facts=False)) == identities(open_workspace(mini))


def test_an_item_is_found_by_its_id(mini):
    write_evidence(mini, evidence_toml("2025-03-01-one", date="2025-03-01"))
    light = open_workspace(mini, facts=False)
    assert light.record("2025-03-01-one").path == "evidence/2025/2025-03-01-one.toml"
    assert light.record("nothing") is None


def test_it_knows_no_findings_from_reading_evidence_and_cannot_score(mini):
    """What the listing shows (a file that is no evidence) is kept; what reading the files
    and checking them together finds is `tracker check`'s, not import's."""
    from tracker.domain.problems import Code

    mixed_project(mini)
    full = {p.code for p in open_workspace(mini).problems}
    light = open_workspace(mini, facts=False)
    assert {Code.TOML_SYNTAX, Code.UNKNOWN_RECOMMENDATION} <= full
    assert not {p.code for p in light.problems} & {Code.TOML_SYNTAX, Code.UNKNOWN_RECOMMENDATION}
    with pytest.raises(RuntimeError, match="without facts"):
        light.scores()
