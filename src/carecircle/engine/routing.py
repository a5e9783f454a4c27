"""Benchmark mode: the daily home-health-care routing problem of Mankowska et al. (2014).

Carers leave from and return to a depot; each patient needs one or two services, each by a carer
with the ability; a double service is simultaneous or sequential with a minimum and maximum gap;
starting after the window is allowed and penalised. The objective is the published one:
(distance + total tardiness + maximum tardiness) / 3.

The CP-SAT model has one circuit a carer. Small instances are solved whole; larger ones start from
a greedy construction and are improved by large-neighbourhood search: a few carers' routes are
freed and re-solved exactly while the others are held, and a better plan is kept."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from ortools.sat.python import cp_model

SCALE = 1000  # distances and times have three decimals
WHOLE_MODEL_TASKS = 40  # up to this many services the whole model is solved directly
TASK_MOVES = 0.8  # share of search steps that free services rather than carers
TASK_SHARE = 0.25  # services freed in such a step
WHOLE_SHARE = 0.05  # of a large instance's time, spent on the whole model before the search
WHOLE_SHARE_SMALL = 0.5  # the same for a small one, which the whole model often proves at once
STEP_SECONDS = 2.0  # a limit on each search step
STUCK_STEPS = 4  # steps without a better plan before the freed part grows


@dataclass(frozen=True)
class Task:
    index: int
    patient: str
    node: int  # row in the distance matrix
    service: str
    duration: float
    earliest: float
    latest: float


@dataclass(frozen=True)
class Sync:
    first: int
    second: int
    kind: str  # simultaneous | sequential
    min_gap: float = 0.0
    max_gap: float = 0.0


@dataclass(frozen=True)
class Instance:
    name: str
    tasks: tuple[Task, ...]
    syncs: tuple[Sync, ...]
    carers: tuple[str, ...]
    abilities: tuple[frozenset[str], ...]
    distances: tuple[tuple[float, ...], ...]

    def able(self, k: int) -> list[int]:
        return [t.index for t in self.tasks if t.service in self.abilities[k]]


@dataclass
class Result:
    routes: list[list[tuple[int, float]]]  # per carer: (task, start) in order
    cost: float
    status: str
    best_bound: float = 0.0
    seconds: float = 0.0
    log: list[str] = field(default_factory=list)


def load_instance(path: Path | str) -> Instance:
    data = json.loads(Path(path).read_text())
    tasks, syncs = [], []
    for node, p in enumerate(data["patients"], start=1):
        first = len(tasks)
        for need in p["required_caregivers"]:
            tasks.append(
                Task(
                    len(tasks),
                    p["id"],
                    node,
                    need["service"],
                    float(need["duration"]),
                    float(p["time_window"][0]),
                    float(p["time_window"][1]),
                )
            )
        if len(p["required_caregivers"]) == 2:
            s = p.get("synchronization") or {"type": "simultaneous"}
            gap = s.get("distance") or [0, 0]
            syncs.append(Sync(first, first + 1, s["type"], float(gap[0]), float(gap[1])))
    return Instance(
        name=Path(path).name,
        tasks=tuple(tasks),
        syncs=tuple(syncs),
        carers=tuple(c["id"] for c in data["caregivers"]),
        abilities=tuple(frozenset(c["abilities"]) for c in data["caregivers"]),
        distances=tuple(tuple(float(x) for x in row) for row in data["distances"]),
    )


# --- the independent evaluator and checker ------------------------------------------------------


def evaluate(inst: Instance, routes) -> tuple[float, float, float, float]:
    """(total_cost, distance, total tardiness, max tardiness) of routes with their start times."""
    distance = tardy = worst = 0.0
    for route in routes:
        here = 0
        for task_index, start in route:
            task = inst.tasks[task_index]
            distance += inst.distances[here][task.node]
            late = max(0.0, start - task.latest)
            tardy, worst, here = tardy + late, max(worst, late), task.node
        distance += inst.distances[here][0]
    return (distance + tardy + worst) / 3, distance, tardy, worst


def check(inst: Instance, routes, eps: float = 1e-6) -> list[str]:
    errors, done = [], {}
    for k, route in enumerate(routes):
        here, free_at = 0, 0.0
        for task_index, start in route:
            task = inst.tasks[task_index]
            if task.service not in inst.abilities[k]:
                errors.append(f"{inst.carers[k]} cannot do {task.service} for {task.patient}")
            if task_index in done:
                errors.append(f"{task.patient}/{task.service} done twice")
            done[task_index] = (k, start)
            if start + eps < max(task.earliest, free_at + inst.distances[here][task.node]):
                errors.append(f"{task.patient}/{task.service} starts before it can be reached")
            here, free_at = task.node, start + task.duration
    errors += [f"{t.patient}/{t.service} never done" for t in inst.tasks if t.index not in done]
    for s in inst.syncs:
        if s.first not in done or s.second not in done:
            continue
        (k1, s1), (k2, s2) = done[s.first], done[s.second]
        if k1 == k2:
            errors.append(f"{inst.tasks[s.first].patient}: both services by one carer")
        gap = s2 - s1
        if s.kind == "simultaneous" and abs(gap) > eps:
            errors.append(f"{inst.tasks[s.first].patient}: services not simultaneous")
        if s.kind == "sequential" and not (s.min_gap - eps <= gap <= s.max_gap + eps):
            errors.append(f"{inst.tasks[s.first].patient}: gap {gap} outside the limits")
    return errors


def to_solution_json(inst: Instance, result: Result) -> dict:
    return {
        "routes": [
            {
                "caregiver_id": inst.carers[k],
                "locations": [
                    {
                        "patient": inst.tasks[t].patient,
                        "service": inst.tasks[t].service,
                        "arrival_time": start,
                        "departure_time": start + inst.tasks[t].duration,
                    }
                    for t, start in route
                ],
            }
            for k, route in enumerate(result.routes)
        ]
    }


# --- the CP-SAT model ---------------------------------------------------------------------------


def _int(x: float) -> int:
    return round(x * SCALE)


@dataclass
class RouteModel:
    inst: Instance
    cp: cp_model.CpModel
    start: list  # task -> start var
    assign: dict  # (carer, task) -> literal
    arcs: dict  # (carer, from node, to node) -> literal; node = task index + 1, 0 = depot
    objective: object


def build_model(inst: Instance) -> RouteModel:
    cp = cp_model.CpModel()
    dist = [[_int(d) for d in row] for row in inst.distances]
    tasks = inst.tasks
    horizon = _int(max(t.latest for t in tasks) + sum(t.duration for t in tasks)) + max(
        max(row) for row in dist
    ) * (len(tasks) + 1)
    start = [cp.new_int_var(_int(t.earliest), horizon, f"s{t.index}") for t in tasks]
    assign, arcs, travel = {}, {}, []
    for k in range(len(inst.carers)):
        able = inst.able(k)
        circuit = []
        for t in able:
            assign[k, t] = cp.new_bool_var(f"y{k}_{t}")
            circuit.append((t + 1, t + 1, assign[k, t].Not()))
        for i in [None, *able]:
            for j in [None, *able]:
                if i == j or (
                    i is not None and j is not None and tasks[i].patient == tasks[j].patient
                ):
                    continue
                a = cp.new_bool_var(f"a{k}_{i}_{j}")
                ni, nj = (0 if i is None else i + 1), (0 if j is None else j + 1)
                arcs[k, ni, nj] = a
                circuit.append((ni, nj, a))
                node_i = 0 if i is None else tasks[i].node
                node_j = 0 if j is None else tasks[j].node
                travel.append(dist[node_i][node_j] * a)
                if j is not None:
                    ready = dist[node_i][node_j] + (0 if i is None else _int(tasks[i].duration))
                    if i is None:
                        cp.add(start[j] >= ready).only_enforce_if(a)
                    else:
                        cp.add(start[j] >= start[i] + ready).only_enforce_if(a)
        empty = cp.new_bool_var(f"empty{k}")
        circuit.append((0, 0, empty))
        cp.add_circuit(circuit)
    for t in tasks:
        cp.add_exactly_one(
            assign[k, t.index] for k in range(len(inst.carers)) if (k, t.index) in assign
        )
    for s in inst.syncs:
        for k in range(len(inst.carers)):
            if (k, s.first) in assign and (k, s.second) in assign:
                cp.add_bool_or([assign[k, s.first].Not(), assign[k, s.second].Not()])
        gap = start[s.second] - start[s.first]
        if s.kind == "simultaneous":
            cp.add(gap == 0)
        else:
            cp.add(gap >= _int(s.min_gap))
            cp.add(gap <= _int(s.max_gap))
    tardy = []
    worst = cp.new_int_var(0, horizon, "worst")
    for t in tasks:
        late = cp.new_int_var(0, horizon, f"late{t.index}")
        cp.add(late >= start[t.index] - _int(t.latest))
        cp.add(worst >= late)
        tardy.append(late)
    objective = sum(travel) + sum(tardy) + worst
    cp.minimize(objective)
    return RouteModel(inst, cp, start, assign, arcs, objective)


def _routes_from(m: RouteModel, value) -> list[list[tuple[int, float]]]:
    routes = []
    for k in range(len(m.inst.carers)):
        nxt = {i: j for (kk, i, j), a in m.arcs.items() if kk == k and value(a)}
        route, node = [], nxt.get(0, 0)
        while node != 0:
            route.append((node - 1, value(m.start[node - 1]) / SCALE))
            node = nxt[node]
        routes.append(route)
    return routes


def _hint(m: RouteModel, routes) -> None:
    m.cp.clear_hints()
    on_arc = set()
    where = {}
    for k, route in enumerate(routes):
        nodes = [0, *[t + 1 for t, _ in route], 0]
        on_arc |= {
            (k, a, b) for a, b in zip(nodes, nodes[1:], strict=False) if not (a == 0 and b == 0)
        }
        for t, start in route:
            where[t] = k
            m.cp.add_hint(m.start[t], _int(start))
    for key, a in m.arcs.items():
        m.cp.add_hint(a, key in on_arc)
    for (k, t), y in m.assign.items():
        m.cp.add_hint(y, where.get(t) == k)


def _solver(limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


# --- construction and improvement ---------------------------------------------------------------


def greedy_routes(inst: Instance) -> list[list[tuple[int, float]]]:
    """Patients in order of their window; each goes to the carer (or pair) who adds least cost."""
    routes = [[] for _ in inst.carers]
    ends = [(0, 0.0) for _ in inst.carers]  # (node, free at)
    partner = {s.first: s for s in inst.syncs}
    seconds = {s.second for s in inst.syncs}
    for task in sorted(inst.tasks, key=lambda t: (t.latest, t.earliest, t.index)):
        if task.index in seconds:
            continue
        sync = partner.get(task.index)
        best = None
        for k in range(len(inst.carers)):
            if task.service not in inst.abilities[k]:
                continue
            if sync is None:
                arrive = _arrive(inst, ends[k], task)
                cost = _added(inst, ends[k], task, arrive)
                option = (cost, [(k, task.index, arrive)])
            else:
                option = _best_pair(inst, ends, k, task, inst.tasks[sync.second], sync)
            if option and (best is None or option[0] < best[0]):
                best = option
        for k, t, start in best[1]:
            routes[k].append((t, start))
            ends[k] = (inst.tasks[t].node, start + inst.tasks[t].duration)
    return routes


def _arrive(inst, end, task) -> float:
    node, free_at = end
    return max(task.earliest, free_at + inst.distances[node][task.node])


def _added(inst, end, task, start) -> float:
    return inst.distances[end[0]][task.node] + 2 * max(0.0, start - task.latest)


def _best_pair(inst, ends, k, first, second, sync):
    best = None
    for k2 in range(len(inst.carers)):
        if k2 == k or second.service not in inst.abilities[k2]:
            continue
        s1, s2 = _arrive(inst, ends[k], first), _arrive(inst, ends[k2], second)
        if sync.kind == "simultaneous":
            s1 = s2 = max(s1, s2)
        else:
            s2 = max(s2, s1 + sync.min_gap)
            s1 = max(s1, s2 - sync.max_gap)
        cost = _added(inst, ends[k], first, s1) + _added(inst, ends[k2], second, s2)
        if best is None or cost < best[0]:
            best = (cost, [(k, first.index, s1), (k2, second.index, s2)])
    return best


def _neighbourhood(inst: Instance, routes, rnd: random.Random, size: int) -> set[int]:
    """Carers to free: one at random, then those sharing double-service patients or nearby."""
    seed = rnd.randrange(len(inst.carers))
    chosen = {seed}
    on = {t: k for k, route in enumerate(routes) for t, _ in route}
    linked = [
        on[s.second] if on[s.first] in chosen else on[s.first]
        for s in inst.syncs
        if (on[s.first] in chosen) != (on[s.second] in chosen)
    ]
    rnd.shuffle(linked)
    others = list(range(len(inst.carers)))
    rnd.shuffle(others)
    for k in linked + others:
        if len(chosen) >= size:
            break
        chosen.add(k)
    return chosen


def _task_neighbourhood(inst: Instance, rnd: random.Random, size: int) -> set[int]:
    """Services close in time to a random one: they can move between any carers."""
    centre = rnd.choice(inst.tasks)
    near = sorted(inst.tasks, key=lambda t: abs(t.earliest - centre.earliest) + rnd.random() * 30)
    free = {t.index for t in near[:size]}
    for s in inst.syncs:  # a double service moves as a pair
        if s.first in free or s.second in free:
            free |= {s.first, s.second}
    return free


def _lns_step(
    m: RouteModel, routes, free: set[int], limit: float, workers: int, seed: int, tasks=None
):
    """Re-solve with most of the plan held: carers outside `free` keep their routes; or, with
    `tasks`, every service outside `tasks` keeps its carer while all routes may be re-ordered."""
    sub = m.cp.clone()
    on_arc, where = set(), {}
    for k, route in enumerate(routes):
        nodes = [0, *[t + 1 for t, _ in route], 0]
        on_arc |= {(k, a, b) for a, b in zip(nodes, nodes[1:], strict=False)}
        where.update({t: k for t, _ in route})
    for (k, t), y in m.assign.items():
        held = t not in tasks if tasks is not None else (k not in free and where.get(t) not in free)
        if held:
            sub.add(sub.get_bool_var_from_proto_index(y.index) == int(where.get(t) == k))
    if tasks is None:
        for key, a in m.arcs.items():
            if key[0] not in free:
                sub.add(sub.get_bool_var_from_proto_index(a.index) == int(key in on_arc))
    else:
        # held services keep their order: between two of them only the next one in the old route
        # may follow directly (freed services can still be slotted in between)
        allowed = set()
        for k, route in enumerate(routes):
            held = [0, *[t + 1 for t, _ in route if t not in tasks], 0]
            allowed |= {(k, a, b) for a, b in zip(held, held[1:], strict=False)}
        for key, a in m.arcs.items():
            k, i, j = key
            both_held = (i == 0 or i - 1 not in tasks) and (j == 0 or j - 1 not in tasks)
            if both_held and key not in allowed:
                sub.add(sub.get_bool_var_from_proto_index(a.index) == 0)
    solver = _solver(limit, workers, seed)
    status = solver.solve(sub)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return _routes_from(m, solver.value)


def solve(inst: Instance, time_limit_s: float, workers: int = 2, seed: int = 0) -> Result:
    began = time.perf_counter()
    m = build_model(inst)
    routes = greedy_routes(inst)
    best_cost = evaluate(inst, routes)[0]
    log = [f"greedy {best_cost:.3f}"]
    whole = len(inst.tasks) <= WHOLE_MODEL_TASKS
    budget = time_limit_s * (WHOLE_SHARE_SMALL if whole else WHOLE_SHARE)
    _hint(m, routes)
    solver = _solver(budget, workers, seed)
    status = solver.solve(m.cp)
    bound = solver.best_objective_bound / SCALE / 3
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        found = _routes_from(m, solver.value)
        if evaluate(inst, found)[0] < best_cost:
            routes, best_cost = found, evaluate(inst, found)[0]
    log.append(f"whole model {best_cost:.3f} ({solver.status_name(status)})")
    if status == cp_model.OPTIMAL:
        return Result(routes, best_cost, "optimal", bound, time.perf_counter() - began, log)
    rnd = random.Random(seed)
    size = max(2, min(len(inst.carers) - 1, round(len(inst.carers) * 0.3)))
    base_size = task_size = max(4, round(len(inst.tasks) * TASK_SHARE))
    stuck = 0
    while (left := time_limit_s - (time.perf_counter() - began)) > 0.1:
        _hint(m, routes)
        if rnd.random() < TASK_MOVES:
            free = _task_neighbourhood(inst, rnd, task_size)
            found = _lns_step(
                m, routes, set(), min(left, STEP_SECONDS), workers, rnd.randrange(1 << 30), free
            )
        else:
            free = _neighbourhood(inst, routes, rnd, size)
            found = _lns_step(
                m, routes, free, min(left, STEP_SECONDS), workers, rnd.randrange(1 << 30)
            )
        if found is not None and not check(inst, found):
            cost = evaluate(inst, found)[0]
            if cost < best_cost - 1e-9:
                routes, best_cost, stuck, task_size = found, cost, 0, base_size
                log.append(f"lns {best_cost:.3f} at {time.perf_counter() - began:.1f}s")
                continue
        stuck += 1
        if stuck >= STUCK_STEPS:  # a local optimum for this size: look wider
            stuck, task_size = 0, min(len(inst.tasks) // 2, round(task_size * 1.25))
    return Result(routes, best_cost, "feasible", bound, time.perf_counter() - began, log)
