"""The scoring parameters: one `[scoring]` table in `tracker.toml`, defaults for what it omits.

The parameters live in the data repository, not in code, so a team tunes the model in a
reviewable commit and every report can be reproduced from the commit it was made from.
A bad value never stops scoring: it is a finding (path:line) and its default applies; the store
reads the file, and this module checks what it holds.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.domain.problems import Code, Problem

CONFIG_FILE = "tracker.toml"
# Other tables of tracker.toml that other parts of tracker own and check themselves.
OTHER_TABLES = {"ingest", "git", "tui", "report", "reports", "inbox"}


class _Params(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True
    )


class ReliabilityWeights(_Params):
    """R: how far the source is trusted (Admiralty A-F). F (cannot be judged) sits mid-way."""

    A: float = Field(1.0, ge=0.0, le=10.0)
    B: float = Field(0.8, ge=0.0, le=10.0)
    C: float = Field(0.6, ge=0.0, le=10.0)
    D: float = Field(0.4, ge=0.0, le=10.0)
    E: float = Field(0.1, ge=0.0, le=10.0)
    F: float = Field(0.5, ge=0.0, le=10.0)

    def of(self, grade: str) -> float:
        return float(getattr(self, grade))


class CredibilityWeights(_Params):
    """C: how likely the claim is true (Admiralty 1-6); keys are the strings "1" to "6"."""

    c1: float = Field(1.0, alias="1", ge=0.0, le=10.0)
    c2: float = Field(0.8, alias="2", ge=0.0, le=10.0)
    c3: float = Field(0.6, alias="3", ge=0.0, le=10.0)
    c4: float = Field(0.3, alias="4", ge=0.0, le=10.0)
    c5: float = Field(0.1, alias="5", ge=0.0, le=10.0)
    c6: float = Field(0.5, alias="6", ge=0.0, le=10.0)

    def of(self, grade: int) -> float:
        return float(getattr(self, f"c{grade}"))


class ConfidenceWeights(_Params):
    """K: how sure the analyst is of the reading."""

    high: float = Field(1.0, ge=0.0, le=10.0)
    moderate: float = Field(0.7, ge=0.0, le=10.0)
    low: float = Field(0.4, ge=0.0, le=10.0)

    def of(self, level: str) -> float:
        return float(getattr(self, level))


class ScoringConfig(_Params):
    """Every parameter of the scoring model; docs/scoring.md explains each one."""

    half_life_days: float = Field(180.0, gt=0.0, le=36500.0)
    prior_weight: float = Field(1.0, gt=0.0, le=100.0)
    window_days: int = Field(90, ge=1, le=3650)
    horizon_days: int = Field(1460, ge=1, le=36500)
    min_weight: float = Field(0.5, ge=0.0, le=100.0)
    stale_days: int = Field(365, ge=1, le=36500)
    moving_threshold: float = Field(0.2, ge=0.0, le=5.0)
    contested_share: float = Field(0.35, ge=0.0, le=0.5)
    contested_min: float = Field(0.2, ge=0.0, le=5.0)
    trend_threshold: float = Field(0.1, ge=0.0, le=5.0)
    verdict_overturn: float = Field(2.0, gt=0.0, le=100.0)
    direct_importance: float = Field(1.0, gt=0.0, le=100.0)
    reliability: ReliabilityWeights = ReliabilityWeights()
    credibility: CredibilityWeights = CredibilityWeights()
    confidence: ConfidenceWeights = ConfidenceWeights()


Locate = Callable[[tuple[str | int, ...]], int | None]


def config_from_data(
    data: dict[str, Any], locate: Locate, rel: str = CONFIG_FILE
) -> tuple[ScoringConfig, list[Problem]]:
    """The parameters in a parsed `tracker.toml`: every finding with its line, and for each
    bad value its default, so one typo keeps the other parameters."""
    from tracker.domain.validation import validation_problems

    problems: list[Problem] = []
    for key in data:
        if key != "scoring" and key not in OTHER_TABLES:
            close = difflib.get_close_matches(key, ["scoring", *sorted(OTHER_TABLES)], n=1)
            hint = f"did you mean '{close[0]}'?" if close else "scoring parameters go in [scoring]"
            problems.append(
                Problem(
                    rel,
                    Code.CONFIG_UNKNOWN,
                    f"unknown table or key '{key}'; {hint}",
                    locate((key,)),
                    "warning",
                )
            )
    table = data.get("scoring", {})
    if not isinstance(table, dict):
        problems.append(
            Problem(
                rel,
                Code.CONFIG_NOT_TABLE,
                "'scoring' must be a table ([scoring]); using the defaults",
                locate(("scoring",)),
            )
        )
        return ScoringConfig(), problems
    try:
        return ScoringConfig.model_validate(table), problems
    except ValidationError as err:
        for p in validation_problems(err, ScoringConfig, rel, locate, ("scoring",)):
            problems.append(
                Problem(
                    p.path,
                    Code.CONFIG_VALUE,
                    p.message + "; using the default for it",
                    p.line,
                )
            )
        bad = [tuple(e["loc"]) for e in err.errors()]
    return _without(table, bad), problems


def _without(table: dict, bad: list[tuple]) -> ScoringConfig:
    """The parameters that are valid, the defaults for the rest: one typo keeps the others."""
    import copy

    kept = copy.deepcopy(table)
    for loc in bad:
        owner = kept
        for part in loc[:-1]:
            owner = owner.get(part) if isinstance(owner, dict) else None
        if isinstance(owner, dict):
            owner.pop(loc[-1], None)
        elif loc:
            kept.pop(loc[0], None)
    try:
        return ScoringConfig.model_validate(kept)
    except ValidationError:
        return ScoringConfig()
