"""Krippendorff's alpha against the published worked example, and the report built around it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain.agreement import Rating, agreement, alpha

# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability", Annenberg School for
# Communication, University of Pennsylvania, section C ("Multiple values with missing data"):
# reliability data of 4 observers over 12 units (None: the observer did not rate the unit).
# The paper gives alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval), 0.797 (ratio).
# We checked 0.849 against the `krippendorff` package before relying on it here.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def published_example() -> list[Rating]:
    return [
        Rating(evidence_id=f"unit-{unit + 1}", recommendation="r", analyst=observer, impact=value)
        for observer, values in KRIPPENDORFF_2011.items()
        for unit, value in enumerate(values)
        if value is not None
    ]


def test_interval_alpha_matches_krippendorff_2011():
    report = agreement(published_example())
    assert report.overall.alpha == pytest.approx(0.849, abs=0.0005)
    # Unit 12 has a single rating: it cannot be paired, so 11 units count.
    assert report.overall.units == 11
    assert report.overall.ratings == 40
    assert report.overall.analysts == ["A", "B", "C", "D"]
    [rec] = report.by_recommendation
    assert rec.recommendation == "r"
    assert rec.alpha == pytest.approx(0.849, abs=0.0005)


def test_the_library_agrees_on_the_other_levels():
    """The same data at the paper's other levels: proves the matrix is laid out as published."""
    import krippendorff

    matrix = [[math.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011.values()]
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for level, value in published.items():
        computed = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        assert computed == pytest.approx(value, abs=0.0005)


def test_alpha_per_recommendation_and_overall():
    ratings = []
    for unit, (a, b) in enumerate([(2, 2), (-1, -2), (3, 3), (0, 1)]):
        ratings += [
            Rating(evidence_id=f"e{unit}", recommendation="x", analyst="ann", impact=a),
            Rating(evidence_id=f"e{unit}", recommendation="x", analyst="ben", impact=b),
        ]
    for unit, (a, b) in enumerate([(4, -4), (-3, 3)]):
        ratings += [
            Rating(evidence_id=f"f{unit}", recommendation="y", analyst="ann", impact=a),
            Rating(evidence_id=f"f{unit}", recommendation="y", analyst="ben", impact=b),
        ]
    ratings.append(Rating(evidence_id="g", recommendation="z", analyst="ann", impact=1))
    report = agreement(ratings)
    by = {r.recommendation: r for r in report.by_recommendation}
    assert set(by) == {"x", "y"}  # z has a single rater: no alpha
    assert by["x"].alpha > 0.8
    assert by["y"].alpha < 0  # systematic disagreement
    assert "too few for a stable alpha" in by["y"].note  # 2 units
    assert report.overall.note == ""  # 6 units
    assert by["x"].alpha > report.overall.alpha > by["y"].alpha
    assert report.overall.units == 6
    gaps = [(d.evidence_id, d.gap) for d in report.disagreements]
    assert gaps[:2] == [("f0", 8), ("f1", 6)]
    assert all(d.gap > 0 for d in report.disagreements)
    [pair] = report.analyst_pairs
    assert (pair.analyst_a, pair.analyst_b, pair.shared_units) == ("ann", "ben", 6)
    assert pair.mean_abs_gap == pytest.approx((0 + 1 + 0 + 1 + 8 + 6) / 6)
    assert pair.mean_signed_gap == pytest.approx((0 + 1 + 0 - 1 + 8 - 6) / 6)


def test_undefined_alpha_says_why():
    lone = agreement([Rating(evidence_id="e", recommendation="r", analyst="a", impact=1)])
    assert lone.overall.alpha is None
    assert "two or more analysts" in lone.overall.note
    assert lone.by_recommendation == []
    same = agreement(
        [
            Rating(evidence_id=e, recommendation="r", analyst=a, impact=2)
            for e in ("e1", "e2")
            for a in ("a", "b")
        ]
    )
    assert same.overall.alpha is None
    assert "undefined without variation" in same.overall.note
    assert same.overall.units == 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-5, 5), min_size=2, max_size=12).filter(lambda v: len(set(v)) > 1),
    st.integers(2, 4),
)
def test_identical_raters_agree_perfectly(values, raters):
    ratings = [
        Rating(evidence_id=f"e{i}", recommendation="r", analyst=f"a{k}", impact=v)
        for i, v in enumerate(values)
        for k in range(raters)
    ]
    assert alpha({(r.evidence_id, r.recommendation): {} for r in ratings}).alpha is None
    assert agreement(ratings).overall.alpha == pytest.approx(1.0)
    assert agreement(ratings).disagreements == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=2, max_size=15))
def test_alpha_is_at_most_one_and_symmetric_in_raters(pairs):
    ab = [
        Rating(evidence_id=f"e{i}", recommendation="r", analyst=n, impact=v)
        for i, (a, b) in enumerate(pairs)
        for n, v in (("a", a), ("b", b))
    ]
    ba = [
        Rating(evidence_id=f"e{i}", recommendation="r", analyst=n, impact=v)
        for i, (a, b) in enumerate(pairs)
        for n, v in (("a", b), ("b", a))
    ]
    first, second = agreement(ab).overall.alpha, agreement(ba).overall.alpha
    if first is None:
        assert second is None
    else:
        assert first <= 1.0 + 1e-9
        assert first == pytest.approx(second)
