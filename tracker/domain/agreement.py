"""Inter-rater agreement: do analysts read the same evidence the same way?

A unit is one (evidence item, recommendation); its raters are the analysts who assessed it, its
values their impacts (-5..+5, an interval scale: the distance between -2 and +1 matters, not
just that they differ). Krippendorff's alpha, from the maintained `krippendorff` package, copes
with what real teams produce: any number of analysts, units rated by only some of them.
alpha = 1 is perfect agreement, 0 is what chance alone would give, < 0 is systematic
disagreement; Krippendorff suggests relying on data with alpha >= 0.8 and drawing tentative
conclusions only from 0.667 up.

Pure functions over plain models: no git, no files (the caller resolves who each analyst is).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections import defaultdict

from pydantic import BaseModel, ConfigDict

LEVEL = "interval"
FEW_UNITS = 5  # below this, one unit more or less swings alpha widely


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Rating(_Model):
    """One analyst's impact for one (evidence, recommendation)."""

    evidence_id: str
    recommendation: str
    analyst: str
    impact: int
    analyst_source: str = "field"  # "field": the assessment's `analyst`; "git": blame's author


class Alpha(_Model):
    """Alpha over a set of units; None with a reason where it is undefined."""

    alpha: float | None
    units: int  # units rated by at least two analysts (the only ones alpha can use)
    ratings: int  # ratings in those units
    analysts: list[str]
    note: str = ""


class RecommendationAgreement(Alpha):
    recommendation: str


class Disagreement(_Model):
    """Two analysts' impacts for one unit, and how far apart they are."""

    evidence_id: str
    recommendation: str
    analyst_a: str
    impact_a: int
    analyst_b: str
    impact_b: int

    @property
    def gap(self) -> int:
        return abs(self.impact_a - self.impact_b)


class AnalystPair(_Model):
    """How two analysts compare over every unit both rated: a calibration hint."""

    analyst_a: str
    analyst_b: str
    shared_units: int
    mean_abs_gap: float
    mean_signed_gap: float  # a's impact minus b's, on average: > 0 when a reads more positively


class AgreementReport(_Model):
    level: str = LEVEL
    overall: Alpha
    by_recommendation: list[RecommendationAgreement]
    disagreements: list[Disagreement]  # the widest gaps first
    analyst_pairs: list[AnalystPair]
    analysts: list[str]
    ratings: int


def alpha(units: dict[tuple[str, str], dict[str, int]]) -> Alpha:
    """Krippendorff's alpha (interval) over units mapping analyst -> impact."""
    shared = {key: raters for key, raters in units.items() if len(raters) >= 2}
    analysts = sorted({a for raters in shared.values() for a in raters})
    count = sum(len(r) for r in shared.values())
    if not shared:
        return Alpha(
            alpha=None,
            units=0,
            ratings=0,
            analysts=analysts,
            note="no unit was assessed by two or more analysts",
        )
    values = {v for raters in shared.values() for v in raters.values()}
    if len(values) < 2:
        return Alpha(
            alpha=None,
            units=len(shared),
            ratings=count,
            analysts=analysts,
            note=f"every rating is {next(iter(values))}: agreement is complete but "
            "alpha is undefined without variation",
        )
    keys = sorted(shared)
    matrix = [[shared[key].get(analyst, math.nan) for key in keys] for analyst in analysts]
    import krippendorff  # numpy underneath: load it only when there is something to compute

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=LEVEL))
    note = ""
    if len(shared) < FEW_UNITS:
        note = (
            f"only {len(shared)} shared unit{'s' * (len(shared) != 1)}: too few for a stable alpha"
        )
    return Alpha(
        alpha=None if math.isnan(value) else value,
        units=len(shared),
        ratings=count,
        analysts=analysts,
        note=note,
    )


def _units(ratings: list[Rating]) -> dict[tuple[str, str], dict[str, int]]:
    units: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for rating in ratings:
        # One analyst rating one unit twice (tracker check flags it) counts once: the last.
        units[(rating.evidence_id, rating.recommendation)][rating.analyst] = rating.impact
    return units


def agreement(ratings: list[Rating], *, top: int = 10) -> AgreementReport:
    units = _units(ratings)
    by_rec: dict[str, dict[tuple[str, str], dict[str, int]]] = defaultdict(dict)
    for key, raters in units.items():
        by_rec[key[1]][key] = raters
    per_recommendation = []
    for rec in sorted(by_rec):
        result = alpha(by_rec[rec])
        if result.units:
            per_recommendation.append(
                RecommendationAgreement(recommendation=rec, **result.model_dump())
            )
    gaps: list[Disagreement] = []
    pair_gaps: dict[tuple[str, str], list[int]] = defaultdict(list)
    for (evidence_id, rec), raters in sorted(units.items()):
        for a, b in itertools.combinations(sorted(raters), 2):
            gaps.append(
                Disagreement(
                    evidence_id=evidence_id,
                    recommendation=rec,
                    analyst_a=a,
                    impact_a=raters[a],
                    analyst_b=b,
                    impact_b=raters[b],
                )
            )
            pair_gaps[(a, b)].append(raters[a] - raters[b])
    gaps.sort(key=lambda d: (-d.gap, d.evidence_id, d.recommendation, d.analyst_a, d.analyst_b))
    pairs = [
        AnalystPair(
            analyst_a=a,
            analyst_b=b,
            shared_units=len(diffs),
            mean_abs_gap=sum(abs(d) for d in diffs) / len(diffs),
            mean_signed_gap=sum(diffs) / len(diffs),
        )
        for (a, b), diffs in pair_gaps.items()
    ]
    pairs.sort(key=lambda p: (-p.mean_abs_gap, p.analyst_a, p.analyst_b))
    return AgreementReport(
        overall=alpha(units),
        by_recommendation=per_recommendation,
        disagreements=[d for d in gaps if d.gap > 0][:top],
        analyst_pairs=pairs,
        analysts=sorted({r.analyst for r in ratings}),
        ratings=len(ratings),
    )
