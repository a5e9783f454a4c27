"""The CP-SAT model of a circle's rota, one function per rule, and its solve in priority tiers.

Tier 1 fills every place it can; tier 2 keeps the carers a client sees few and familiar (in repair:
changes as few published visits as it can); tier 3 weighs preference, fairness, travel and cost.
Each tier is solved, its value held as a constraint, and its solution hints the next one."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from .baseline import greedy_rota
from .explain import explain
from .model import Assignment, Change, Problem, Settings, Solution, Visit
from .rules import eligible, start_range

# A penalty term: a linear expression, or a plain 0 when a rule has nothing to count.
Expr = cp_model.LinearExpr | int
Tier = tuple[str, list[tuple[str, int, Expr]]]


@dataclass
class Model:
    problem: Problem
    settings: Settings
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    start: dict[str, cp_model.IntVar] = field(default_factory=dict)  # visit -> start var
    # (visit, carer) -> bool var
    x: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    # (visit, carer) -> start ranges
    ranges: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    by_carer: defaultdict[str, list[Visit]] = field(default_factory=lambda: defaultdict(list))
    fixed: dict[str, Assignment] = field(default_factory=dict)  # visit -> Assignment
    # (client, carer) -> "visits at all" literal
    pairs: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)

    def carers_of(self, visit_id: str) -> list[str]:
        return [c for (v, c) in self.x if v == visit_id]


# --- variables ----------------------------------------------------------------------------------


def add_visits(m: Model) -> None:
    m.fixed = {a.visit: a for a in m.problem.fixed}
    for visit in m.problem.visits:
        fixed = m.fixed.get(visit.id)
        if fixed is not None:
            m.start[visit.id] = m.cp.new_constant(fixed.start)
            for carer_id in fixed.carers:
                m.x[visit.id, carer_id] = m.cp.new_constant(1)
                m.by_carer[carer_id].append(visit)
            continue
        lo, hi = start_range(m.problem, visit)
        m.start[visit.id] = m.cp.new_int_var(lo, hi, f"s_{visit.id}")
        for carer in m.problem.carers:
            ranges = eligible(m.problem, visit, carer)
            if ranges:
                m.x[visit.id, carer.id] = m.cp.new_bool_var(f"x_{visit.id}_{carer.id}")
                m.ranges[visit.id, carer.id] = ranges
                m.by_carer[carer.id].append(visit)
    for visits in m.by_carer.values():
        visits.sort(key=lambda v: (v.earliest_start, v.id))


# --- hard rules ---------------------------------------------------------------------------------


def add_places_rule(m: Model) -> None:
    """No more carers than the visit needs; the rest of its places count as unfilled."""
    by_visit = defaultdict(list)
    for (v, _), var in m.x.items():
        by_visit[v].append(var)
    for visit in m.problem.visits:
        if visit.id not in m.fixed:
            m.cp.add(sum(by_visit[visit.id]) <= visit.carers_needed)


def add_availability_rule(m: Model) -> None:
    """A carer's visit lies wholly inside one of their availability blocks."""
    for (v, c), ranges in m.ranges.items():
        s, x = m.start[v], m.x[v, c]
        if len(ranges) == 1:
            ((a, b),) = ranges
            m.cp.add(s >= a).only_enforce_if(x)
            m.cp.add(s <= b).only_enforce_if(x)
            continue
        blocks = [m.cp.new_bool_var(f"b_{v}_{c}_{i}") for i in range(len(ranges))]
        m.cp.add(sum(blocks) == x)
        for lit, (a, b) in zip(blocks, ranges, strict=False):
            m.cp.add(s >= a).only_enforce_if(lit)
            m.cp.add(s <= b).only_enforce_if(lit)


def _pairs(m: Model, carer_id: str, reach: int) -> Iterator[tuple[Visit, Visit]]:
    """Pairs of a carer's visits (in start order) that could interact within `reach` minutes."""
    visits = m.by_carer[carer_id]
    for i, v in enumerate(visits):
        horizon = start_range(m.problem, v)[1] + v.duration + reach
        for w in visits[i + 1 :]:
            if w.earliest_start > horizon:
                break
            if v.id in m.fixed and w.id in m.fixed:
                continue  # facts, not choices
            yield v, w


def add_no_overlap_rule(m: Model) -> None:
    """A carer is on one visit at a time, with travel between clients counted."""
    order: dict[tuple[str, str], cp_model.IntVar] = {}
    max_travel = max(
        (m.problem.travel(a.id, b.id) for a in m.problem.clients for b in m.problem.clients),
        default=0,
    )
    for carer_id in list(m.by_carer):
        for v, w in _pairs(m, carer_id, max_travel):
            (v_lo, v_hi), (w_lo, w_hi) = start_range(m.problem, v), start_range(m.problem, w)
            t = m.problem.travel(v.client, w.client)
            if v.id in m.fixed:
                v_lo = v_hi = m.fixed[v.id].start
            if w.id in m.fixed:
                w_lo = w_hi = m.fixed[w.id].start
            if v_hi + v.duration + t <= w_lo or w_hi + w.duration + t <= v_lo:
                continue
            both = [m.x[v.id, carer_id], m.x[w.id, carer_id]]
            v_first = v_lo + v.duration + t <= w_hi
            w_first = w_lo + w.duration + t <= v_hi
            sv, sw = m.start[v.id], m.start[w.id]
            if not v_first and not w_first:
                m.cp.add_bool_or([lit.Not() for lit in both])
            elif v_first and not w_first:
                m.cp.add(sv + v.duration + t <= sw).only_enforce_if(both)
            elif w_first and not v_first:
                m.cp.add(sw + w.duration + t <= sv).only_enforce_if(both)
            else:
                if (v.id, w.id) not in order:  # starts are shared, so one order serves every carer
                    order[v.id, w.id] = m.cp.new_bool_var(f"o_{v.id}_{w.id}")
                o = order[v.id, w.id]
                m.cp.add(sv + v.duration + t <= sw).only_enforce_if([*both, o])
                m.cp.add(sw + w.duration + t <= sv).only_enforce_if([*both, o.Not()])


def add_rest_rule(m: Model) -> None:
    """Paid staff get their minimum rest between the last visit of a day and the next day's first."""
    for carer in m.problem.carers:
        rest = carer.min_rest_minutes
        if not rest:
            continue
        for v, w in _pairs(m, carer.id, rest):
            if m.problem.day_of(w.earliest_start) == m.problem.day_of(v.earliest_start):
                continue
            v_lo, v_hi = start_range(m.problem, v)
            w_lo, w_hi = start_range(m.problem, w)
            if w_lo - (v_hi + v.duration) >= rest:
                continue
            both = [m.x[v.id, carer.id], m.x[w.id, carer.id]]
            if w_hi - (v_lo + v.duration) < rest:
                m.cp.add_bool_or([lit.Not() for lit in both])
            else:
                m.cp.add(m.start[w.id] - m.start[v.id] >= rest + v.duration).only_enforce_if(both)


def add_hours_rule(m: Model) -> None:
    """Maximum minutes a day and a week (a week is seven of the problem's days)."""
    for carer in m.problem.carers:
        days, weeks = defaultdict(list), defaultdict(list)
        for v in m.by_carer[carer.id]:
            day = m.problem.day_of(v.earliest_start)
            days[day].append(v)
            weeks[day // 7].append(v)
        for buckets, cap in (
            (days, carer.max_minutes_per_day),
            (weeks, carer.max_minutes_per_week),
        ):
            for visits in buckets.values():
                fixed = sum(v.duration for v in visits if v.id in m.fixed)
                total = sum(v.duration for v in visits)
                if total > max(cap, fixed):
                    work = sum(v.duration * m.x[v.id, carer.id] for v in visits)
                    m.cp.add(work <= max(cap, fixed))


HARD_RULES = [
    add_places_rule,
    add_availability_rule,
    add_no_overlap_rule,
    add_rest_rule,
    add_hours_rule,
]


# --- penalties ----------------------------------------------------------------------------------


def unfilled_term(m: Model) -> Expr:
    return sum(v.carers_needed for v in m.problem.visits) - sum(m.x.values())


def pair_literals(m: Model) -> dict[tuple[str, str], cp_model.IntVar]:
    """One literal per client-carer pair: on when the carer visits the client at all."""
    if not m.pairs:
        by_pair = defaultdict(list)
        for (v, c), var in m.x.items():
            by_pair[m.problem.visit(v).client, c].append(var)
        for key, xs in by_pair.items():
            p = m.cp.new_bool_var(f"p_{key[0]}_{key[1]}")
            for var in xs:
                m.cp.add_implication(var, p)
            m.pairs[key] = p
    return m.pairs


def distinct_term(m: Model) -> Expr:
    return sum(pair_literals(m).values())


def unfamiliar_term(m: Model) -> Expr:
    return sum(
        p for (k, c), p in pair_literals(m).items() if not m.problem.client(k).history.get(c)
    )


def non_preferred_term(m: Model) -> Expr:
    out = []
    for (v, c), var in m.x.items():
        client = m.problem.client(m.problem.visit(v).client)
        if client.preferred and c not in client.preferred:
            out.append(var)
    return sum(out)


def worked(m: Model, carer_id: str) -> Expr:
    return sum(v.duration * m.x[v.id, carer_id] for v in m.by_carer[carer_id])


def fairness_term(m: Model) -> Expr:
    """Minutes each paid carer is off the circle's share: everyone at the same share of contract."""
    paid = [c for c in m.problem.carers if c.contracted_minutes > 0 and not c.is_informal]
    total = sum(c.contracted_minutes for c in paid)
    if not paid:
        return 0
    work = {c.id: worked(m, c.id) for c in paid}
    all_work = sum(work.values())
    devs = []
    for c in paid:
        dev = m.cp.new_int_var(0, 7 * 1440 * 8, f"dev_{c.id}")
        # total*dev >= |total*worked_c - contracted_c*all_work|: linear, no division needed
        m.cp.add(total * dev >= total * work[c.id] - c.contracted_minutes * all_work)
        m.cp.add(total * dev >= c.contracted_minutes * all_work - total * work[c.id])
        devs.append(dev)
    return sum(devs)


def client_days_term(m: Model) -> Expr:
    """Each client a carer goes to on a day: fewer means less travel between homes."""
    z = {}
    for (v, c), var in m.x.items():
        visit = m.problem.visit(v)
        key = (c, m.problem.day_of(visit.earliest_start), visit.client)
        if key not in z:
            z[key] = m.cp.new_bool_var(f"z_{c}_{key[1]}_{key[2]}")
        m.cp.add_implication(var, z[key])
    return sum(z.values())


def cost_term(m: Model) -> Expr:
    return sum(
        round(m.problem.visit(v).duration * m.problem.carer(c).cost_per_hour / 60) * var
        for (v, c), var in m.x.items()
    )


def changes_term(m: Model, current: dict[str, Assignment]) -> Expr:
    """A published visit changes when any of its carers or its start changes."""
    out = []
    for visit_id, old in current.items():
        if visit_id in m.fixed or visit_id not in m.start:
            continue
        changed = m.cp.new_bool_var(f"chg_{visit_id}")
        for c in m.carers_of(visit_id):
            var = m.x[visit_id, c]
            m.cp.add_implication(var.Not() if c in old.carers else var, changed)
        if any((visit_id, c) not in m.x for c in old.carers):
            m.cp.add(changed == 1)  # a carer who can no longer come
        m.cp.add(m.start[visit_id] == old.start).only_enforce_if(changed.Not())
        out.append(changed)
    return sum(out)


# --- solve --------------------------------------------------------------------------------------


def build(problem: Problem, settings: Settings) -> Model:
    m = Model(problem=problem, settings=settings)
    add_visits(m)
    for rule in HARD_RULES:
        rule(m)
    return m


def plan_tiers(m: Model) -> list[Tier]:
    w = m.settings.weights
    return [
        ("fill", [("unfilled_places", w.unfilled_place, unfilled_term(m))]),
        (
            "continuity",
            [
                ("distinct_carers", w.distinct_carer, distinct_term(m)),
                ("unfamiliar_carers", w.unfamiliar_carer, unfamiliar_term(m)),
            ],
        ),
        (
            "balance",
            [
                ("non_preferred_visits", w.non_preferred_visit, non_preferred_term(m)),
                ("fairness_minutes", w.fairness_minute, fairness_term(m)),
                ("client_days", w.client_switch, client_days_term(m)),
                ("cost_pounds", w.cost_pound, cost_term(m)),
            ],
        ),
    ]


def repair_tiers(m: Model, current: dict[str, Assignment]) -> list[Tier]:
    w = m.settings.weights
    fill, continuity, balance = plan_tiers(m)
    changes = ("changes", [("changed_visits", w.changed_visit, changes_term(m, current))])
    return [fill, changes, ("rest", continuity[1] + balance[1])]


def _params(settings: Settings, deterministic_left: float, wall_left: float) -> cp_model.CpSolver:
    """The deterministic limit makes runs repeatable; the wall-clock limit keeps the promise of
    the time limit on a slow or busy machine (and then, only then, runs may differ)."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = max(1, settings.workers)
    p.random_seed = settings.seed
    p.max_time_in_seconds = wall_left
    if settings.deterministic:
        p.interleave_search = p.num_workers > 1
        p.max_deterministic_time = deterministic_left
    return solver


def run_tiers(
    m: Model, tiers: list[Tier], hint: Sequence[Assignment] = (), began: float | None = None
) -> Solution:
    began = began or time.perf_counter()
    # building the model, and a margin for reading the answer, come out of the time limit
    deadline = began + m.settings.time_limit_s * 0.95
    budget = m.settings.time_limit_s * 0.95  # deterministic units: the same on every run
    _hint(m, hint)
    values, proven, penalties, tier_seconds = {}, {}, {}, {}
    best = None  # the solver holding the last plan found
    bound, used = 0.0, 0.0
    for name, parts in tiers:
        expr = sum(weight * term for _, weight, term in parts)
        m.cp.minimize(expr)
        # every tier gets a little time, so a slow first tier cannot leave the rest without a plan
        floor = max(0.05, 0.02 * m.settings.time_limit_s)
        wall_left = max(floor, deadline - time.perf_counter())
        solver = _params(m.settings, max(floor, budget - used), wall_left)
        status = solver.solve(m.cp)
        used += solver.deterministic_time
        tier_seconds[name] = round(solver.wall_time, 3)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if best is None:
                return Solution(
                    status="infeasible", assignments=(), seconds=time.perf_counter() - began
                )
            # out of time in a lower tier: keep the plan the higher tiers settled, unimproved
            proven[name], solver, bound = False, best, 0.0
        else:
            proven[name], bound, best = (
                status == cp_model.OPTIMAL,
                solver.best_objective_bound,
                solver,
            )
        value = round(solver.value(expr))
        for label, weight, term in parts:
            penalties[label] = weight * (solver.value(term) if not isinstance(term, int) else term)
        m.cp.add(expr <= value)
        _hint_from(m, solver)
        values[name] = value
    assert best is not None  # the first tier either found a plan or returned "infeasible"
    tier_values = [values[n] for n, _ in tiers]
    return Solution(
        status="optimal" if all(proven.values()) else "feasible",
        assignments=_assignments(m, best),
        objective=float(sum(tier_values)),
        best_bound=float(sum(tier_values[:-1]) + bound),
        penalties=penalties,
        proven=proven,
        tier_seconds=tier_seconds,
        seconds=time.perf_counter() - began,
    )


def _assignments(m: Model, solver: cp_model.CpSolver) -> tuple[Assignment, ...]:
    out = []
    for visit in m.problem.visits:
        carers = tuple(sorted(c for c in m.carers_of(visit.id) if solver.value(m.x[visit.id, c])))
        if carers:
            out.append(Assignment(visit.id, carers, solver.value(m.start[visit.id])))
    return tuple(out)


def _hint(m: Model, hint: Sequence[Assignment]) -> None:
    given = {a.visit: a for a in hint}
    for (v, c), var in m.x.items():
        if v in m.fixed:
            continue
        a = given.get(v)
        m.cp.add_hint(var, a is not None and c in a.carers)
    for v, s in m.start.items():
        if v in given and v not in m.fixed:
            m.cp.add_hint(s, given[v].start)


def _hint_from(m: Model, solver: cp_model.CpSolver) -> None:
    m.cp.clear_hints()  # type: ignore[no-untyped-call]  # unannotated in OR-Tools 9.15
    for (v, _), var in m.x.items():
        if v not in m.fixed:
            m.cp.add_hint(var, solver.value(var))
    for v, var in m.start.items():
        if v not in m.fixed:
            m.cp.add_hint(var, solver.value(var))


def solve(
    problem: Problem, settings: Settings | None = None, *, hint: Sequence[Assignment] = ()
) -> Solution:
    """Plan mode: a rota from scratch (recent weeks come in through each client's history)."""
    settings = settings or Settings()
    began = time.perf_counter()
    m = build(problem, settings)
    # a conventional rota is a good first answer: the search starts from it, never below it
    solution = run_tiers(m, plan_tiers(m), hint or _greedy_hint(problem), began)
    return explain(problem, solution)


def _greedy_hint(problem: Problem) -> tuple[Assignment, ...]:
    """Where the search starts: the conventional rota (fixed visits keep their carers)."""
    return greedy_rota(problem).assignments


def repair(
    problem: Problem, current: Sequence[Assignment], settings: Settings | None = None
) -> Solution:
    """Repair mode: after a disruption, keep as much of the published plan as the rules allow."""
    settings = settings or Settings()
    visits = {v.id for v in problem.visits}
    current_map = {a.visit: a for a in current if a.visit in visits}
    began = time.perf_counter()
    m = build(problem, settings)
    solution = run_tiers(m, repair_tiers(m, current_map), list(current_map.values()), began)
    solution = explain(problem, solution)
    return replace(solution, changes=plan_changes(current, solution.assignments))


def plan_changes(before: Sequence[Assignment], after: Sequence[Assignment]) -> tuple[Change, ...]:
    """Every visit whose carers or start differ between two plans."""
    old, new = {a.visit: a for a in before}, {a.visit: a for a in after}
    changes = []
    for visit_id in sorted(set(new) | set(old)):
        a, b = old.get(visit_id), new.get(visit_id)
        was, now = set(a.carers) if a else set(), set(b.carers) if b else set()
        old_start, new_start = (a.start if a else None), (b.start if b else None)
        if was != now or (a and b and old_start != new_start):
            removed, added = tuple(sorted(was - now)), tuple(sorted(now - was))
            changes.append(Change(visit_id, removed, added, old_start, new_start))
    return tuple(changes)
