"""The catalogue: the workbench's rows, checks and event lists from facts, as the items say."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import evidence_toml, write_evidence
from tracker.domain.model import AssessmentFacts, ItemFacts
from tracker.speed.catalogue import Catalogue, Row
from tracker.store import load_project

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@st.composite
def files(draw) -> list[tuple[str, ItemFacts]]:
    out = []
    for position in range(draw(st.integers(0, 8))):
        day = draw(st.dates(dt.date(2023, 1, 1), dt.date(2032, 12, 31)))
        assessments = tuple(
            AssessmentFacts(
                draw(st.sampled_from(["reboot", "балансі", "w"])), None, impact, "high", None
            )
            for impact in draw(st.lists(st.integers(-5, 5), min_size=1, max_size=3))
        )
        facts = ItemFacts(
            draw(TEXT),
            day,
            day,
            None,
            draw(st.none() | TEXT),
            draw(st.none() | TEXT),
            "B",
            2,
            assessments,
        )
        out.append((f"evidence/{day.year}/{position}-файл.toml", facts))
    return out


@given(files())
def test_packed_and_back_is_the_same_catalogue(found):
    catalogue = Catalogue.of(found)
    assert Catalogue.unpack(catalogue.pack()) == catalogue
    rows = [row for rows in catalogue.timelines().values() for row in rows]
    assert len(rows) == sum(len(facts.assessments) for _, facts in found)


def test_timelines_list_each_assessment_newest_first(mini):
    write_evidence(mini, evidence_toml("2025-03-01-a", date="2025-03-01", impact=2))
    write_evidence(mini, evidence_toml("2025-05-01-b", date="2025-05-01", impact=-1))
    write_evidence(
        mini,
        evidence_toml(
            "2025-04-01-c",
            date="2025-04-01",
            recommendation="balance-west",
            extra=(
                '\n[[assessment]]\nrecommendation = "reboot"\nimpact = 1\nconfidence = "low"\n'
                'rationale = "Also."\nanalyst = "b"\n'
            ),
        ),
    )
    project = load_project(mini, use_cache=False)
    timelines = Catalogue.of(project.file_facts()).timelines()
    expected = sorted(
        (
            Row(ev.item.date, ev.item.id, ev.path, a.recommendation, a.impact)
            for ev in project.evidence
            for a in ev.item.assessments
            if a.recommendation == "reboot"
        ),
        key=lambda r: (r.date, r.evidence_id),
        reverse=True,
    )
    assert timelines["reboot"] == expected
    assert [r.evidence_id for r in timelines["reboot"]] == [
        "2025-05-01-b",
        "2025-04-01-c",
        "2025-03-01-a",
    ]


def test_same_event_follows_the_items_event_key(mini):
    write_evidence(mini, evidence_toml("2025-03-01-a", event="amnesty-2025"))
    write_evidence(mini, evidence_toml("2025-03-02-b", date="2025-03-02", event="amnesty-2025"))
    write_evidence(mini, evidence_toml("2025-03-03-c", date="2025-03-03", event="2025-03-04-d"))
    write_evidence(mini, evidence_toml("2025-03-04-d", date="2025-03-04"))  # its own event
    project = load_project(mini, use_cache=False)
    catalogue = Catalogue.of(project.file_facts())
    for ev in project.evidence:
        expected = [
            other.path
            for other in project.evidence
            if other.item.event_key == ev.item.event_key and other.path != ev.path
        ]
        assert catalogue.same_event(ev.path) == expected


def test_taken_ids_and_urls_name_the_first_file(mini):
    first = write_evidence(mini, evidence_toml("2025-03-01-a", url="https://example.org/a"))
    write_evidence(mini, evidence_toml("2025-03-02-b", date="2025-03-02"))
    project = load_project(mini, use_cache=False)
    catalogue = Catalogue.of(project.file_facts())
    ids, urls = catalogue.taken()
    rel = first.relative_to(mini).as_posix()
    assert ids == {"2025-03-01-a": rel, "2025-03-02-b": "evidence/2025/2025-03-02-b.toml"}
    assert urls == {"example.org/a": rel}
    assert catalogue.taken(exclude=[rel])[1] == {}
    assert catalogue.path_of("2025-03-02-b") == "evidence/2025/2025-03-02-b.toml"
    assert catalogue.path_of("nope") is None
