"""Random small problems: whatever the engine returns obeys every hard rule."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle import engine
from tests.engine.conftest import FAST, carer, client, problem, visit

SKILLS = ["hoist", "medication", "dementia"]


@st.composite
def problems(draw):
    n_clients = draw(st.integers(1, 3))
    clients = [
        client(f"k{i}", (draw(st.floats(0, 4)), draw(st.floats(0, 4)))) for i in range(n_clients)
    ]
    carers = []
    for j in range(draw(st.integers(1, 4))):
        blocks = []
        for day in range(2):
            if draw(st.booleans()):
                start = day * 1440 + draw(st.sampled_from([6 * 60, 8 * 60, 14 * 60]))
                blocks.append((start, start + draw(st.sampled_from([240, 480]))))
        informal = draw(st.booleans()) and j > 0
        carers.append(
            carer(
                f"c{j}",
                skills=draw(st.sets(st.sampled_from(SKILLS))),
                availability=blocks,
                kind="informal" if informal else "employed",
                only_clients=frozenset({"k0"}) if informal else frozenset(),
                max_minutes_per_day=draw(st.sampled_from([60, 120, 600])),
                min_rest_minutes=0 if informal else 11 * 60,
                contracted_minutes=0 if informal else 600,
            )
        )
    visits = []
    for i in range(draw(st.integers(1, 8))):
        visits.append(
            visit(
                f"v{i}",
                client=f"k{draw(st.integers(0, n_clients - 1))}",
                at=draw(st.integers(0, 1)) * 1440 + draw(st.integers(6 * 60, 21 * 60)),
                window=draw(st.sampled_from([0, 30, 90])),
                duration=draw(st.sampled_from([20, 30, 45, 60])),
                needed=draw(st.integers(1, 2)),
                skills=draw(st.sets(st.sampled_from(SKILLS), max_size=1)),
            )
        )
    if draw(st.booleans()):
        clients[0] = client("k0", clients[0].location, avoid={"c0"})
    return problem(visits, carers, clients=clients)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_plan_obeys_the_hard_rules(p):
    solution = engine.solve(p, FAST)
    assert solution.status in ("optimal", "feasible")
    assert engine.check(p, solution) == []
    placed = {a.visit: len(a.carers) for a in solution.assignments}
    for v in p.visits:
        missing = v.carers_needed - placed.get(v.id, 0)
        gaps = [u for u in solution.unfilled if u.visit == v.id]
        assert (missing == 0) == (gaps == [])
        if gaps:
            assert gaps[0].missing == missing and gaps[0].reason


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_engine_never_leaves_more_gaps_than_the_conventional_rota(p):
    ours = engine.solve(p, FAST)
    theirs = engine.greedy_rota(p)
    assert engine.check(p, theirs) == []
    assert sum(u.missing for u in ours.unfilled) <= sum(u.missing for u in theirs.unfilled)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 3))
def test_repair_after_an_absence_obeys_the_rules_and_lists_every_change(p, who):
    published = engine.solve(p, FAST).assignments
    away = p.carers[who % len(p.carers)].id
    disrupted = engine.carer_away(p, away, 0, 1440)
    repaired = engine.repair(disrupted, published, FAST)
    assert engine.check(disrupted, repaired) == []
    before = {a.visit: (set(a.carers), a.start) for a in published}
    after = {a.visit: (set(a.carers), a.start) for a in repaired.assignments}
    changed = {v for v in set(before) | set(after) if before.get(v) != after.get(v)}
    assert changed == {c.visit for c in repaired.changes}
