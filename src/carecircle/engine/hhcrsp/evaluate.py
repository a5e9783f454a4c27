"""Cost and feasibility of a solution, computed from the instance's real (float) data.

Deliberately independent of the CP-SAT model and the heuristics: it only reads the routes as
(patient, service, start) visits, so a bug in scaling or modelling shows up here as an error."""

from __future__ import annotations

from .instance import DEPOT, Instance

Visit = tuple[str, str, float]  # (patient id, service id, service start)
Routes = tuple[tuple[Visit, ...], ...]  # one route per carer, in instance carer order

EPS = 1e-6


def _loc(inst: Instance, patient: str) -> int:
    return inst.patient_ids.index(patient) + 1


def route_distance(inst: Instance, route: tuple[Visit, ...]) -> float:
    if not route:
        return 0.0
    locs = [DEPOT] + [_loc(inst, v[0]) for v in route] + [DEPOT]
    return sum(inst.dist[a][b] for a, b in zip(locs, locs[1:], strict=False))


def evaluate(inst: Instance, routes: Routes) -> tuple[float, float, float, float]:
    """(total_cost, distance, total_tardiness, max_tardiness); total_cost is the table's value."""
    distance = sum(route_distance(inst, r) for r in routes)
    latest = {(t.patient, t.service): t.latest for t in inst.tasks}
    tardy = [max(0.0, v[2] - latest[(v[0], v[1])]) for r in routes for v in r]
    total = sum(tardy)
    worst = max(tardy, default=0.0)
    return (distance + total + worst) / 3, distance, total, worst


def _coverage_errors(inst: Instance, routes: Routes) -> list[str]:
    errors = []
    known = {(t.patient, t.service) for t in inst.tasks}
    seen: dict[tuple[str, str], int] = {}
    for k, route in enumerate(routes):
        carer = inst.carers[k]
        for patient, service, _ in route:
            if (patient, service) not in known:
                errors.append(f"{carer.id}: {patient} does not need {service}")
                continue
            seen[(patient, service)] = seen.get((patient, service), 0) + 1
            if service not in carer.abilities:
                errors.append(f"{carer.id} cannot perform {service} (at {patient})")
    for key in sorted(known):
        if seen.get(key, 0) != 1:
            errors.append(f"{key[0]}/{key[1]} done {seen.get(key, 0)} times, not once")
    return errors


def _timing_errors(inst: Instance, routes: Routes) -> list[str]:
    errors = []
    task = {(t.patient, t.service): t for t in inst.tasks}
    for k, route in enumerate(routes):
        where, free_at = DEPOT, 0.0  # carers leave the depot at time 0
        for patient, service, start in route:
            t = task.get((patient, service))
            if t is None:
                continue
            arrival = free_at + inst.dist[where][t.loc]
            if start < arrival - EPS:
                errors.append(f"{inst.carers[k].id}: {patient} starts {start} before {arrival}")
            if start < t.earliest - EPS:
                errors.append(f"{patient}/{service} starts {start} before {t.earliest}")
            where, free_at = t.loc, start + t.duration
    return errors


def _sync_errors(inst: Instance, routes: Routes) -> list[str]:
    errors = []
    done = {(v[0], v[1]): (k, v[2]) for k, r in enumerate(routes) for v in r}
    for s in inst.syncs:
        a, b = inst.tasks[s.first], inst.tasks[s.second]
        if (a.patient, a.service) not in done or (b.patient, b.service) not in done:
            continue
        (ka, sa), (kb, sb) = done[(a.patient, a.service)], done[(b.patient, b.service)]
        if ka == kb:
            errors.append(f"{a.patient}: both services by the same carer {inst.carers[ka].id}")
        gap = sb - sa
        if gap < s.min_gap - EPS or gap > s.max_gap + EPS:
            errors.append(f"{a.patient}: {s.kind} gap {gap:.3f} outside [{s.min_gap}, {s.max_gap}]")
    return errors


def check(inst: Instance, routes: Routes) -> list[str]:
    """Every broken rule as a readable string; an empty list means the solution is feasible."""
    if len(routes) != len(inst.carers):
        return [f"{len(routes)} routes for {len(inst.carers)} carers"]
    return (
        _coverage_errors(inst, routes) + _timing_errors(inst, routes) + _sync_errors(inst, routes)
    )
