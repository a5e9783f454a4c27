"""An independent check of every hard rule, written without the solver's model.

Every plan the engine returns in the tests goes through `check`. Assignments the problem fixes
(published, or in the past) are facts rather than choices: a rule broken only among them is not
the engine's doing and is not reported."""

from __future__ import annotations

from collections import defaultdict

from .model import Carer, Problem, Solution, Visit

Span = tuple[int, int, str, bool]  # start, end, client, fixed


def available_for(carer: Carer, start: int, end: int) -> bool:
    return any(b0 <= start and end <= b1 for b0, b1 in carer.availability)


def assignment_problems(problem: Problem, visit: Visit, carer: Carer, start: int) -> list[str]:
    """The rules one carer on one visit must meet on their own."""
    out = []
    client = problem.client(visit.client)
    if not visit.skills <= carer.skills:
        out.append(f"{visit.id}: {carer.id} lacks {sorted(visit.skills - carer.skills)}")
    if carer.id in client.avoid:
        out.append(f"{visit.id}: {carer.id} is on {client.id}'s avoid list")
    if carer.only_clients and client.id not in carer.only_clients:
        out.append(f"{visit.id}: {carer.id} cares only for {sorted(carer.only_clients)}")
    if not available_for(carer, start, start + visit.duration):
        out.append(f"{visit.id}: {carer.id} is not available {start}-{start + visit.duration}")
    return out


def check(problem: Problem, solution: Solution) -> list[str]:
    errors: list[str] = []
    fixed = {a.visit: a for a in problem.fixed}
    seen: set[str] = set()
    work: defaultdict[str, list[Span]] = defaultdict(list)  # carer -> its spans
    for a in solution.assignments:
        try:
            visit = problem.visit(a.visit)
        except KeyError:
            errors.append(f"unknown visit {a.visit}")
            continue
        if a.visit in seen:
            errors.append(f"{a.visit} assigned twice")
            continue
        seen.add(a.visit)
        is_fixed = a.visit in fixed
        if is_fixed and (set(a.carers), a.start) != (
            set(fixed[a.visit].carers),
            fixed[a.visit].start,
        ):
            errors.append(f"{a.visit} is fixed but was changed")
        if not is_fixed and not visit.earliest_start <= a.start <= visit.latest_start:
            errors.append(f"{a.visit} starts at {a.start}, outside its window")
        if len(set(a.carers)) != len(a.carers) or len(a.carers) > visit.carers_needed:
            errors.append(
                f"{a.visit}: carers {list(a.carers)} repeat or exceed {visit.carers_needed}"
            )
        for carer_id in set(a.carers):
            try:
                carer = problem.carer(carer_id)
            except KeyError:
                errors.append(f"{a.visit}: unknown carer {carer_id}")
                continue
            if not is_fixed:
                errors += assignment_problems(problem, visit, carer, a.start)
            work[carer_id].append((a.start, a.start + visit.duration, visit.client, is_fixed))
    errors += [f"fixed visit {v} is missing" for v in fixed if v not in seen]
    for carer_id, spans in work.items():
        errors += _carer_problems(problem, problem.carer(carer_id), sorted(spans))
    return errors


def _carer_problems(problem: Problem, carer: Carer, spans: list[Span]) -> list[str]:
    errors = []
    for i, (s0, e0, k0, f0) in enumerate(spans):
        for s1, e1, k1, f1 in spans[i + 1 :]:
            if f0 and f1:
                continue
            if s1 > e0 + max(carer.min_rest_minutes, 24 * 60):
                break
            if e0 + problem.travel(k0, k1) > s1:
                errors.append(f"{carer.id}: {s0}-{e0} and {s1}-{e1} overlap once travel is counted")
            elif (
                carer.min_rest_minutes
                and problem.day_of(s1) != problem.day_of(s0)
                and s1 - e0 < carer.min_rest_minutes
            ):
                errors.append(f"{carer.id}: only {s1 - e0} min rest before {s1}")
    # bucket -> [minutes, of which fixed]
    per_day: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_week: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    for s, e, _, f in spans:
        day = problem.day_of(s)
        for bucket in (per_day[day], per_week[day // 7]):
            bucket[0] += e - s
            bucket[1] += (e - s) if f else 0
    for day, (minutes, fixed_minutes) in per_day.items():
        if minutes > max(carer.max_minutes_per_day, fixed_minutes):
            errors.append(f"{carer.id}: {minutes} min on day {day} > {carer.max_minutes_per_day}")
    for week, (minutes, fixed_minutes) in per_week.items():
        if minutes > max(carer.max_minutes_per_week, fixed_minutes):
            errors.append(
                f"{carer.id}: {minutes} min in week {week} > {carer.max_minutes_per_week}"
            )
    return errors
