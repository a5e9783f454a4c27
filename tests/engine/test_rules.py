"""One test (or two) per rule, on problems small enough to reason about by hand."""

import subprocess
import sys

from carecircle import engine
from tests.engine.conftest import carer, client, problem, solve_checked, visit


def carers_on(solution, visit_id):
    a = solution.assignment(visit_id)
    return set(a.carers) if a else set()


def test_engine_imports_no_django():
    code = "import sys, carecircle.engine; print(any(m.startswith('django') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_skills_are_always_met():
    p = problem([visit("v1", skills={"hoist"})], [carer("a"), carer("b", skills={"hoist"})])
    assert carers_on(solve_checked(p), "v1") == {"b"}


def test_missing_skill_leaves_the_place_unfilled_with_the_reason():
    p = problem([visit("v1", at=7 * 60, window=90, skills={"hoist"})], [carer("a")])
    solution = solve_checked(p)
    assert solution.assignments == ()
    (gap,) = solution.unfilled
    assert gap.missing == 1
    assert gap.reason == "no carer in the circle has hoist"


def test_unfilled_reason_names_skill_time_and_day():
    p = problem(
        [visit("v1", at=1440 + 7 * 60, window=90, skills={"hoist"})],
        [carer("a", skills={"hoist"}, availability=[(1440 + 9 * 60, 1440 + 17 * 60)])],
    )
    (gap,) = solve_checked(p).unfilled
    assert gap.reason == "no carer with hoist free 07:00–08:30 on Tuesday"


def test_avoid_list_is_hard_even_when_it_leaves_a_gap():
    p = problem([visit("v1")], [carer("a")], clients=[client("k1", avoid={"a"})])
    solution = solve_checked(p)
    assert solution.assignments == ()
    assert "avoid list" in solution.unfilled[0].reason


def test_informal_carer_only_helps_their_own_client():
    daughter = carer("pat", kind="informal", only_clients=frozenset({"k1"}))
    p = problem([visit("v1", client="k2")], [daughter])
    assert solve_checked(p).assignments == ()
    p = problem([visit("v1", client="k1")], [daughter])
    assert carers_on(solve_checked(p), "v1") == {"pat"}


def test_visit_lies_inside_one_availability_block():
    # free 08:00-08:20 and 08:20-09:00: a 30-minute visit must fit the second block
    a = carer("a", availability=[(480, 500), (500, 540)])
    solution = solve_checked(problem([visit("v1", at=480, window=60)], [a]))
    (assignment,) = solution.assignments
    assert 500 <= assignment.start <= 510


def test_two_carer_visit_starts_together_with_two_different_people():
    p = problem([visit("v1", needed=2)], [carer("a"), carer("b"), carer("c")])
    solution = solve_checked(p)
    assert len(carers_on(solution, "v1")) == 2


def test_no_double_booking_with_travel():
    # two clients 10 km apart at 20 km/h: 30 minutes between them
    clients = [client("k1", (0.0, 0.0)), client("k2", (10.0, 0.0))]
    visits = [visit("v1", "k1", at=480, window=0), visit("v2", "k2", at=520, window=30)]
    solution = solve_checked(problem(visits, [carer("a")], clients=clients))
    starts = {a.visit: a.start for a in solution.assignments}
    assert starts["v2"] >= 480 + 30 + 30


def test_daily_maximum_minutes():
    visits = [visit(f"v{i}", at=480 + 60 * i, window=0, duration=50) for i in range(4)]
    p = problem(visits, [carer("a", max_minutes_per_day=120)])
    solution = solve_checked(p)
    assert len(solution.assignments) == 2
    assert len(solution.unfilled) == 2


def test_weekly_maximum_minutes():
    visits = [visit(f"v{d}", at=d * 1440 + 600, window=0, duration=60) for d in range(5)]
    p = problem(visits, [carer("a", max_minutes_per_week=180)])
    assert len(solve_checked(p).assignments) == 3


def test_paid_staff_get_eleven_hours_rest_between_days():
    late = visit("late", at=21 * 60, window=0, duration=45)
    early = visit("early", at=1440 + 7 * 60, window=0, duration=30)
    paid = carer("a", min_rest_minutes=11 * 60)
    assert len(solve_checked(problem([late, early], [paid])).assignments) == 1
    family = carer("pat", kind="informal")
    assert len(solve_checked(problem([late, early], [family])).assignments) == 2


def test_day_limits_follow_real_days_across_a_clock_change():
    # a 25-hour Sunday: midnight falls at minute 1500, not 1440
    p = problem(
        [visit("v1", at=1450, window=0, duration=60), visit("v2", at=1400, window=0, duration=30)],
        [carer("a", max_minutes_per_day=60)],
        day_starts=(0, 1500),
    )
    # both visits fall on day 0 (before minute 1500): only one fits the 60-minute day
    assert len(solve_checked(p).assignments) == 1


def test_continuity_prefers_one_familiar_carer():
    visits = [visit(f"v{d}", at=d * 1440 + 600, window=0) for d in range(5)]
    carers = [carer(c) for c in "abc"]
    clients = [client("k1", history={"b": 6})]
    solution = solve_checked(problem(visits, carers, clients=clients))
    assert {c for a in solution.assignments for c in a.carers} == {"b"}
    assert all("knows the client" in a.why["b"] for a in solution.assignments)


def test_preferred_carer_is_chosen_when_continuity_is_equal():
    p = problem([visit("v1")], [carer("a"), carer("b")], clients=[client("k1", preferred={"b"})])
    solution = solve_checked(p)
    assert carers_on(solution, "v1") == {"b"}
    assert "preferred by the client" in solution.assignments[0].why["b"]


def test_the_only_one_able_is_explained():
    p = problem(
        [visit("v1", skills={"medication"})], [carer("a", skills={"medication"}), carer("b")]
    )
    assert solve_checked(p).assignments[0].why["a"].startswith("the only one able")


def test_fixed_assignments_are_kept():
    fixed = engine.Assignment("v1", ("b",), 500)
    p = problem([visit("v1"), visit("v2", at=1440 + 480)], [carer("a"), carer("b")], fixed=(fixed,))
    solution = solve_checked(p)
    assert solution.assignment("v1").carers == ("b",) and solution.assignment("v1").start == 500


def test_with_fixed_visits_the_search_still_starts_from_the_conventional_rota():
    from carecircle.engine.solver import _greedy_hint

    fixed = engine.Assignment("v1", ("b",), 480)
    p = problem(
        [visit("v1"), visit("v2", at=480, window=0), visit("v3", at=1440 + 480)],
        [carer("a"), carer("b")],
        fixed=(fixed,),
    )
    hint = {a.visit: a for a in _greedy_hint(p)}
    assert hint["v1"] == fixed  # fixed visits keep their carers
    assert set(hint) == {"v1", "v2", "v3"}  # the other visits are still hinted
    assert "b" not in hint["v2"].carers  # never a clash with the fixed visit


def test_checker_catches_each_broken_rule():
    p = problem(
        [visit("v1", skills={"hoist"}), visit("v2", at=490, window=0)],
        [carer("a"), carer("b", availability=[(0, 100)])],
        clients=[client("k1", avoid={"b"})],
    )
    bad = engine.Solution(
        status="feasible",
        assignments=(
            engine.Assignment("v1", ("a", "b"), 480),
            engine.Assignment("v2", ("a",), 490),
            engine.Assignment("v9", ("a",), 490),
        ),
    )
    errors = " | ".join(engine.check(p, bad))
    for expected in ("lacks ['hoist']", "avoid list", "not available", "exceed", "overlap", "v9"):
        assert expected in errors


def test_solution_carries_status_objective_bound_and_named_penalties():
    solution = solve_checked(problem([visit("v1")], [carer("a", cost_per_hour=20.0)]))
    assert solution.status == "optimal"
    assert solution.best_bound <= solution.objective
    assert set(solution.penalties) >= {"unfilled_places", "distinct_carers", "cost_pounds"}
    assert (
        solution.penalties["cost_pounds"] == 2 * 10
    )  # 30 minutes at £20 an hour, 2 points a pound


def test_same_input_same_plan():
    visits = [
        visit(f"v{i}", client=f"k{i % 3}", at=480 + 90 * (i % 6) + 1440 * (i // 6))
        for i in range(18)
    ]
    carers = [carer(c) for c in "abcdef"]
    one, two = engine.solve(problem(visits, carers)), engine.solve(problem(visits, carers))
    assert one.assignments == two.assignments
