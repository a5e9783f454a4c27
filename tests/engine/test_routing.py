"""Benchmark mode: the published HHCRSP instances (read from ../shared, never copied here)."""

from pathlib import Path

import pytest

from carecircle.engine import routing

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "hhcrsp" / "instances"


@pytest.fixture(scope="module")
def inst():
    path = DATA / "InstanzCPLEX_HCSRP_10_1.json"
    assert path.exists(), f"benchmark data missing at {path}: ../shared must sit beside the repo"
    return routing.load_instance(path)


@pytest.fixture(scope="module")
def solved(inst):
    return routing.solve(inst, time_limit_s=5)


def test_set_a_instance_is_solved_to_its_published_optimum(inst, solved):
    assert solved.status == "optimal"
    assert solved.cost == pytest.approx(218.199, abs=0.001)
    assert routing.check(inst, solved.routes) == []
    cost, distance, tardy, worst = routing.evaluate(inst, solved.routes)
    assert distance == pytest.approx(654.596, abs=0.001) and tardy == worst == 0


def test_greedy_construction_is_feasible(inst):
    assert routing.check(inst, routing.greedy_routes(inst)) == []


def test_checker_finds_a_missing_service(inst, solved):
    routes = [list(r) for r in solved.routes]
    dropped = next(r for r in routes if r).pop()
    errors = routing.check(inst, routes)
    assert any("never done" in e and inst.tasks[dropped[0]].patient in e for e in errors)


def test_checker_finds_a_carer_without_the_ability(inst, solved):
    routes = [list(r) for r in solved.routes]
    k = next(i for i, r in enumerate(routes) if r)
    task, start = routes[k].pop(0)
    other = next(i for i in range(len(routes)) if inst.tasks[task].service not in inst.abilities[i])
    routes[other].insert(0, (task, start + 1000))
    assert any("cannot do" in e for e in routing.check(inst, routes))


def test_checker_finds_broken_synchronisation(inst, solved):
    sync = inst.syncs[0]
    routes = [
        [(t, s + 500 if t == sync.second else s) for t, s in route] for route in solved.routes
    ]
    assert any(inst.tasks[sync.first].patient in e for e in routing.check(inst, routes))


def test_solution_json_has_the_published_shape(inst, solved):
    doc = routing.to_solution_json(inst, solved)
    visit = next(loc for r in doc["routes"] for loc in r["locations"])
    assert set(visit) == {"patient", "service", "arrival_time", "departure_time"}
    assert {r["caregiver_id"] for r in doc["routes"]} == set(inst.carers)
    assert sum(len(r["locations"]) for r in doc["routes"]) == len(inst.tasks)
