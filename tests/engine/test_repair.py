"""Repair changes as little of the published plan as the rules allow, and lists what changed."""

from dataclasses import replace

from carecircle import engine
from tests.engine.conftest import FAST, carer, client, problem, solve_checked, visit


def week():
    visits = [visit(f"v{d}", at=d * 1440 + 600, window=0) for d in range(5)]
    visits += [visit(f"w{d}", client="k2", at=d * 1440 + 700, window=30) for d in range(5)]
    clients = [client("k1", history={"a": 5}), client("k2", (1.0, 0.0), history={"b": 5})]
    return problem(visits, [carer("a"), carer("b"), carer("c")], clients=clients)


def test_absence_changes_only_the_affected_visits():
    p = week()
    published = solve_checked(p).assignments
    disrupted = engine.carer_away(p, "a", 1440, 3 * 1440)  # Tuesday and Wednesday
    repaired = engine.repair(disrupted, published, FAST)
    assert engine.check(disrupted, repaired) == []
    assert {c.visit for c in repaired.changes} == {"v1", "v2"}
    assert all(c.removed == ("a",) and c.added for c in repaired.changes)


def test_cancelled_visit_is_reported_and_nothing_else_moves():
    p = week()
    published = solve_checked(p).assignments
    repaired = engine.repair(engine.visit_cancelled(p, "w3"), published, FAST)
    (change,) = repaired.changes
    assert change.visit == "w3" and change.new_start is None


def test_added_visit_is_filled_without_moving_others():
    p = week()
    published = solve_checked(p).assignments
    extra = visit("x1", client="k1", at=2 * 1440 + 900, window=60)
    repaired = engine.repair(engine.visit_added(p, extra), published, FAST)
    assert [c.visit for c in repaired.changes] == ["x1"]


def test_moved_visit_keeps_its_carer_when_they_are_free():
    p = week()
    published = solve_checked(p).assignments
    before = {a.visit: a for a in published}["v2"]
    moved = engine.visit_moved(p, "v2", 2 * 1440 + 900, 2 * 1440 + 930)
    repaired = engine.repair(moved, published, FAST)
    (change,) = repaired.changes
    assert change.visit == "v2" and change.removed == () and change.new_start >= 2 * 1440 + 900
    assert repaired.assignment("v2").carers == before.carers


def test_repair_never_changes_fixed_past_visits():
    p = week()
    published = solve_checked(p).assignments
    past = tuple(a for a in published if a.start < 1440 + 800)
    p = replace(p, fixed=past)
    disrupted = engine.carer_away(p, "b", 0, 7 * 1440)
    repaired = engine.repair(disrupted, published, FAST)
    for a in past:
        if "b" not in a.carers:
            assert repaired.assignment(a.visit) == a
