"""The HHCRSP solver (carecircle.engine.hhcrsp): published optimum, checker, output format.

No database: the package is plain Python + OR-Tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from carecircle.engine import hhcrsp
from carecircle.engine.hhcrsp.instance import from_dict

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "hhcrsp" / "instances"


@pytest.fixture(scope="module")
def inst_10_1():
    path = DATA / "InstanzCPLEX_HCSRP_10_1.json"
    if not path.exists():
        pytest.fail(f"HHCRSP benchmark data missing: {path} (expected in ../shared/benchmarks)")
    return hhcrsp.load_instance(path)


@pytest.fixture(scope="module")
def solved_10_1(inst_10_1):
    return hhcrsp.solve(inst_10_1, time_limit_s=5, workers=2, seed=0)


def patient(pid, window, *services, sync=None):
    raw = {
        "id": pid,
        "time_window": list(window),
        "required_caregivers": [{"service": s, "duration": 5.0} for s in services],
    }
    if sync:
        raw["synchronization"] = sync
    return raw


def tiny(patients, carers, dist):
    return from_dict(
        {
            "patients": patients,
            "caregivers": [{"id": c, "abilities": list(a)} for c, a in carers],
            "distances": dist,
        },
        name="tiny",
    )


TRIANGLE = [[0, 10, 10], [10, 0, 10], [10, 10, 0]]


def test_10_1_solved_to_the_published_optimum(inst_10_1, solved_10_1):
    assert solved_10_1.status == "optimal"
    assert solved_10_1.cost == pytest.approx(218.199, abs=0.01)
    assert hhcrsp.check(inst_10_1, solved_10_1.routes) == []
    cost, distance, total, worst = hhcrsp.evaluate(inst_10_1, solved_10_1.routes)
    assert distance == pytest.approx(654.596, abs=0.01)
    assert total == worst == 0


def test_checker_rejects_a_missing_service(inst_10_1, solved_10_1):
    routes = [list(r) for r in solved_10_1.routes]
    k = next(i for i, r in enumerate(routes) if r)
    dropped = routes[k].pop()
    errors = hhcrsp.check(inst_10_1, routes)
    assert any(dropped[0] in e and "0 times" in e for e in errors)


def test_checker_rejects_a_carer_without_the_ability(inst_10_1, solved_10_1):
    routes = [list(r) for r in solved_10_1.routes]
    visit = next(v for r in routes for v in r if v[1] not in inst_10_1.carers[0].abilities)
    routes = [[v for v in r if v != visit] for r in routes]
    routes[0].append((visit[0], visit[1], 10_000.0))  # at the end: timing stays valid
    errors = hhcrsp.check(inst_10_1, routes)
    assert any("cannot perform" in e for e in errors)


def test_checker_rejects_broken_sync(inst_10_1, solved_10_1):
    simultaneous = next(s for s in inst_10_1.syncs if s.kind == "simultaneous")
    target = inst_10_1.tasks[simultaneous.second]
    routes = [
        [
            (p, s, t + 1.0) if (p, s) == (target.patient, target.service) else (p, s, t)
            for p, s, t in r
        ]
        for r in solved_10_1.routes
    ]
    assert any("simultaneous gap" in e for e in hhcrsp.check(inst_10_1, routes))


def test_solution_json_shape(inst_10_1, solved_10_1):
    out = hhcrsp.to_solution_json(inst_10_1, solved_10_1)
    assert [r["caregiver_id"] for r in out["routes"]] == ["c1", "c2", "c3"]
    visits = [loc for r in out["routes"] for loc in r["locations"]]
    assert len(visits) == len(inst_10_1.tasks)
    first = visits[0]
    assert set(first) == {"patient", "service", "arrival_time", "departure_time"}
    assert first["departure_time"] - first["arrival_time"] == pytest.approx(14.0)


def test_tardiness_is_charged_in_total_and_max():
    inst = tiny(
        [patient("p1", (0, 0), "s1"), patient("p2", (0, 0), "s1")], [("c1", ["s1"])], TRIANGLE
    )
    result = hhcrsp.solve(inst, time_limit_s=2)
    # One carer: first visit at 10 (10 late), second at 10 + 5 + 10 = 25 (25 late); 30 driven.
    assert result.status == "optimal"
    assert hhcrsp.evaluate(inst, result.routes) == pytest.approx((30, 30, 35, 25))
    assert hhcrsp.check(inst, result.routes) == []


def test_simultaneous_and_sequential_visits_are_synchronised():
    seq = {"type": "sequential", "distance": [20, 30]}
    inst = tiny(
        [
            patient("p1", (0, 100), "s1", "s2", sync={"type": "simultaneous"}),
            patient("p2", (50, 100), "s1", "s2", sync=seq),
        ],
        [("c1", ["s1"]), ("c2", ["s2"]), ("c3", ["s1", "s2"])],
        TRIANGLE,
    )
    result = hhcrsp.solve(inst, time_limit_s=2)
    assert hhcrsp.check(inst, result.routes) == []
    start = {(p, s): t for r in result.routes for p, s, t in r}
    assert start["p1", "s1"] == pytest.approx(start["p1", "s2"])
    assert 20 - 1e-6 <= start["p2", "s2"] - start["p2", "s1"] <= 30 + 1e-6
    assert hhcrsp.evaluate(inst, result.routes)[2] == 0  # nobody late


def test_checker_rejects_one_carer_doing_both_services_of_a_double_visit():
    seq = {"type": "sequential", "distance": [10, 30]}
    inst = tiny(
        [patient("p1", (0, 100), "s1", "s2", sync=seq), patient("p2", (0, 100), "s1")],
        [("c1", ["s1", "s2"])],
        TRIANGLE,
    )
    routes = [[("p1", "s1", 10.0), ("p1", "s2", 20.0), ("p2", "s1", 35.0)]]
    errors = hhcrsp.check(inst, routes)
    assert any("same carer" in e for e in errors)


def test_checker_rejects_a_start_before_arrival():
    inst = tiny(
        [patient("p1", (0, 100), "s1"), patient("p2", (0, 100), "s1")], [("c1", ["s1"])], TRIANGLE
    )
    assert hhcrsp.check(inst, [[("p1", "s1", 10.0), ("p2", "s1", 25.0)]]) == []
    errors = hhcrsp.check(inst, [[("p1", "s1", 10.0), ("p2", "s1", 24.0)]])
    assert any("before" in e for e in errors)
