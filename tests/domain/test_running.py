"""Running standings (`tracker.domain.scoring.running`) against `engine.levels`: the same
standing and status at every date, whatever comes and goes in between."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.domain.test_scoring import AS_OF, item
from tracker.domain.config import ScoringConfig
from tracker.domain.facts import facts_of
from tracker.domain.model import Node
from tracker.domain.scoring import engine
from tracker.domain.scoring.readings import build_readings, canonical_order
from tracker.domain.scoring.running import Standings, Unsteady
from tracker.domain.tree import Tree

# Two measures under one recommendation (so 'achieved' can roll up), and one recommendation
# alone: every path of a rollup.
NODES = [
    Node(id="sec", kind="section", title="Section"),
    Node(id="rec", parent="sec", kind="recommendation", title="Rec", importance=2.0),
    Node(id="m1", parent="rec", kind="measure", title="M1", importance=1.0),
    Node(id="m2", parent="rec", kind="measure", title="M2", importance=3.0),
    Node(id="solo", parent="sec", kind="recommendation", title="Solo"),
]
LEAVES = ["m1", "m2", "rec", "solo"]
TREE = Tree.of(NODES)
GRID = 10  # dates on a ten-day grid, so that readings, dates and horizons often meet


def ranked(items, config):
    """Each item's readings, ranked in one canonical order over all of them."""
    facts = [facts_of(i) for i in items]
    order = canonical_order(facts)
    by_node = build_readings([facts[i] for i in order], config)
    by_item: dict[str, list] = {}
    for readings in by_node.values():
        for r in readings:
            by_item.setdefault(r.evidence_id, []).append(r)
    return by_item


def exact(present: dict[str, list], as_of: dt.date, config: ScoringConfig):
    by_node: dict[str, list] = {}
    for readings in present.values():
        for r in readings:
            by_node.setdefault(r.node_id, []).append(r)
    for readings in by_node.values():
        readings.sort(key=lambda r: r.rank)
    start = as_of - dt.timedelta(days=config.window_days)
    return engine.levels(TREE, engine.Readings(by_node), as_of, start, config)


def agree(running: Standings, present, as_of, config) -> None:
    fast = running.at(as_of)
    slow = exact(present, as_of, config)
    for nid, level in slow.items():
        assert math.isclose(fast[nid].standing, level.standing, rel_tol=1e-9, abs_tol=1e-12), nid
        if not running.near:
            assert fast[nid].status == level.status, nid


def toggle(running: Standings, present: dict[str, list], readings, evidence: str) -> None:
    """An item's readings in if they are out, out if they are in (a commit adds or drops it)."""
    if evidence in present:
        for r in present.pop(evidence):
            running.remove(r)
    else:
        present[evidence] = readings.get(evidence, [])
        for r in present[evidence]:
            running.add(r)


@st.composite
def pools(draw):
    n = draw(st.integers(1, 10))
    return [
        item(
            f"e{i}",
            day=AS_OF + dt.timedelta(days=GRID * draw(st.integers(-90, 20))),
            node=draw(st.sampled_from(LEAVES)),
            impact=draw(st.integers(-5, 5)),
            rel=draw(st.sampled_from("ABCDEF")),
            cred=draw(st.integers(1, 6)),
            conf=draw(st.sampled_from(["high", "moderate", "low"])),
            event=draw(st.sampled_from([None, "x", "y"])),
            verdict=draw(st.sampled_from([None, "achieved"])),
            treatment=draw(st.sampled_from([None, "lasting", "transient"])),
        )
        for i in range(n)
    ]


steps = st.lists(
    st.tuples(
        st.sampled_from(["toggle", "toggle", "date"]),
        st.integers(0, 9),
        # most dates move on, on the grid or a day beside it; some go back
        st.tuples(st.integers(-3, 12), st.sampled_from([0, 0, 1, -1])).map(
            lambda step: step[0] * GRID + step[1]
        ),
    ),
    min_size=1,
    max_size=25,
)

configs = st.builds(
    ScoringConfig,
    half_life_days=st.sampled_from([30.0, 180.0, 1000.0]),
    horizon_days=st.sampled_from([95, 400, 1460]),
    verdict_overturn=st.sampled_from([0.5, 2.0]),
)


@settings(max_examples=400, deadline=None)
@given(pools(), steps, configs)
def test_running_figures_are_levels_figures_at_every_step(items, plan, config):
    readings = ranked(items, config)
    running = Standings(TREE, config)
    present: dict[str, list] = {}
    as_of = AS_OF - dt.timedelta(days=600)
    for action, index, days in plan:
        if action == "toggle":
            toggle(running, present, readings, items[index % len(items)].id)
        else:
            as_of += dt.timedelta(days=days)
        agree(running, present, as_of, config)


@settings(max_examples=60, deadline=None)
@given(pools(), steps, configs)
def test_a_copy_goes_its_own_way(items, plan, config):
    """A state copied for a second branch: changing one never changes the other."""
    readings = ranked(items, config)
    running = Standings(TREE, config)
    present: dict[str, list] = {}
    for evidence, rs in list(readings.items())[::2]:
        present[evidence] = rs
        for r in rs:
            running.add(r)
    running.at(AS_OF)
    twin, twin_present = running.copy(), dict(present)
    for action, index, _ in plan:
        if action == "toggle":
            toggle(twin, twin_present, readings, items[index % len(items)].id)
    agree(twin, twin_present, AS_OF + dt.timedelta(days=5), config)
    agree(running, present, AS_OF + dt.timedelta(days=5), config)


def test_a_hand_computed_standing():
    config = ScoringConfig()
    items = [item("a", day=AS_OF, node="m1", impact=2, rel="A", cred=1, conf="high")]
    running = Standings(TREE, config)
    for r in ranked(items, config)["a"]:
        running.add(r)
    # w = 1, d = 1 on its own day: 2 / (1 + 2/5)
    assert running.at(AS_OF)["m1"].standing == pytest.approx(2 / 1.4)
    later = running.at(AS_OF + dt.timedelta(days=180))["m1"].standing
    assert later == pytest.approx(1.0 / (1 + 1 / 5))  # half-life: w d = 0.5


def test_a_figure_on_an_edge_is_said_to_be_near():
    """A standing right on the progressing threshold: the caller is told to ask `levels`."""
    config = ScoringConfig(moving_threshold=2 / 1.4)
    running = Standings(TREE, config)
    for r in ranked([item("a", day=AS_OF, node="m1", impact=2)], config)["a"]:
        running.add(r)
    running.at(AS_OF)
    assert running.near


def test_dates_beyond_the_sums_range_are_refused_not_wrong():
    config = ScoringConfig(half_life_days=0.5, horizon_days=36500)
    items = [
        item("a", day=AS_OF - dt.timedelta(days=20000), node="m1", treatment="transient"),
        item("b", day=AS_OF, node="m1"),
    ]
    running = Standings(TREE, config)
    with pytest.raises(Unsteady):
        for rs in ranked(items, config).values():
            for r in rs:
                running.add(r)
        running.at(AS_OF)
