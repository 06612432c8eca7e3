"""The schema: strict types, ids that are safe paths, and a lossless round trip through TOML."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tracker.domain.model import Assessment, EvidenceItem, Source, check_id
from tracker.store.toml_write import evidence_to_toml

SAFE_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(
            chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), *range(127, 160)]
        ),
    ),
    min_size=1,
    max_size=120,
) | st.sampled_from(
    ["Лукашенко заявил: «Минск»", 'quote "with" quotes', "emoji 🇧🇾✊", "a\nb\n", '"""']
)
IDS = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True)


@st.composite
def items(draw) -> EvidenceItem:
    date = draw(st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2026, 11, 1)))
    precision = draw(st.sampled_from(["day", "week", "month"]))
    if precision == "month":
        date = date.replace(day=1)
    source = Source(
        url=draw(st.none() | st.just("https://example.org/a?b=1")),
        publisher=draw(SAFE_TEXT),
        published=draw(st.none() | st.dates(min_value=date, max_value=dt.date(2026, 11, 24))),
        claimant=draw(st.none() | SAFE_TEXT),
        reliability=draw(st.sampled_from("ABCDEF")),
        credibility=draw(st.integers(1, 6)),
        quote=draw(SAFE_TEXT),
    )
    assessments = [
        Assessment(
            recommendation=draw(IDS),
            impact=draw(st.integers(-5, 5)),
            confidence=draw(st.sampled_from(["high", "moderate", "low"])),
            rationale=draw(SAFE_TEXT),
            analyst=draw(st.none() | SAFE_TEXT),
        )
        for _ in range(draw(st.integers(1, 3)))
    ]
    return EvidenceItem(
        id=draw(IDS),
        title=draw(SAFE_TEXT),
        date=date,
        date_precision=precision,
        event=draw(st.none() | IDS),
        source=source,
        assessments=assessments,
    )


@settings(max_examples=200)
@given(items())
def test_model_toml_model_is_identity(item):
    text = evidence_to_toml(item)
    again = EvidenceItem.model_validate(tomllib.loads(text))
    assert again == item
    assert evidence_to_toml(again) == text


def _base() -> dict:
    return {
        "id": "2025-01-01-x",
        "title": "T",
        "date": dt.date(2025, 1, 1),
        "source": {"publisher": "P", "reliability": "B", "credibility": 2, "quote": "Q"},
        "assessment": [
            {"recommendation": "r", "impact": 1, "confidence": "high", "rationale": "R"}
        ],
    }


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("assessment", 0, "impact"), True),  # no true as 1
        (("assessment", 0, "impact"), "2"),  # no "2" as 2
        (("assessment", 0, "impact"), 6),
        (("assessment", 0, "impact"), 2.0),
        (("source", "credibility"), 7),
        (("source", "reliability"), "G"),
        (("date",), dt.datetime(2025, 1, 1, 12, 0)),  # no datetime where a date is meant
        (("date",), "2025-01-01"),
        (("assessment", 0, "confidence"), "certain"),
        (("title",), ""),
        (("title",), "bad \x1b[31m escape"),
        (("id",), "../etc/passwd"),
        (("id",), "/abs"),
        (("id",), "Upper"),
        (("id",), "кириллица"),
        (("id",), "2025-01-01-\u0430"),  # Cyrillic a, looks like Latin a
        (("id",), "a--b"),
        (("source", "archive_sha256"), "abc"),
    ],
)
def test_strict_rejections(path, value):
    data = _base()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError):
        EvidenceItem.model_validate(data)


def test_nan_importance_rejected():
    from tracker.domain.model import Node

    with pytest.raises(ValidationError):
        Node.model_validate(
            {"id": "a", "kind": "section", "title": "A", "importance": float("nan")}
        )


def test_month_precision_needs_first_day():
    data = _base() | {"date": dt.date(2025, 1, 5), "date_precision": "month"}
    with pytest.raises(ValidationError, match="month's first day"):
        EvidenceItem.model_validate(data)


def test_midpoints():
    item = EvidenceItem.model_validate(
        _base() | {"date": dt.date(2025, 1, 20), "date_precision": "week"}
    )
    assert item.midpoint == dt.date(2025, 1, 23)
    item = EvidenceItem.model_validate(
        _base() | {"date": dt.date(2025, 2, 1), "date_precision": "month"}
    )
    assert item.midpoint == dt.date(2025, 2, 15)


def test_lookalike_id_message_names_the_character():
    with pytest.raises(ValueError, match="CYRILLIC SMALL LETTER A"):
        check_id("2025-01-01-\u0430")
