"""Plain-language reasons: a short "why" for every carer on a visit, and a reason for every gap.

Day 0 of a problem is a Monday (a circle-week starts on one)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from .model import Assignment, Problem, Solution, Unfilled, Visit
from .rules import eligible, qualified, start_range

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def clock(problem: Problem, minute: int) -> str:
    day = problem.day_of(minute)
    into = minute - problem.day_start(day)
    return f"{into // 60:02d}:{into % 60:02d}"


def when(problem: Problem, visit: Visit) -> str:
    lo, hi = start_range(problem, visit)
    day = WEEKDAYS[problem.day_of(lo) % 7]
    return f"{clock(problem, lo)}–{clock(problem, hi)} on {day}"


def skills_text(skills: Iterable[str]) -> str:
    return " and ".join(sorted(s.replace("_", " ") for s in skills))


def unfilled_reason(problem: Problem, visit: Visit, taken: int) -> str:
    client = problem.client(visit.client)
    with_skills = [c for c in problem.carers if visit.skills <= c.skills]
    able = [c for c in problem.carers if qualified(problem, visit, c)]
    free = [c for c in able if eligible(problem, visit, c)]
    who = f"with {skills_text(visit.skills)}" if visit.skills else "able to go"
    if not with_skills:
        return f"no carer in the circle has {skills_text(visit.skills)}"
    if not able:
        avoided = [c for c in with_skills if c.id in client.avoid]
        if avoided:
            return f"the only carers {who} are on the client's avoid list"
        return f"no carer {who} may visit this client"
    if not free:
        return f"no carer {who} free {when(problem, visit)}"
    busy = len(free) - taken
    if busy <= 0:
        return f"needs {visit.carers_needed} carers; only {len(free)} {who} free {when(problem, visit)}"
    return (
        f"the {busy} other carer{'s' if busy > 1 else ''} {who} free {when(problem, visit)} "
        "are already on other visits, need their rest, or are at their hours limit"
    )


def why(
    problem: Problem, assignment: Assignment, counts: Counter[tuple[str, str]]
) -> dict[str, str]:
    visit = problem.visit(assignment.visit)
    client = problem.client(visit.client)
    able = sum(1 for c in problem.carers if eligible(problem, visit, c))
    out = {}
    for carer_id in assignment.carers:
        reasons = []
        if able <= visit.carers_needed:
            reasons.append("the only one able" if able == 1 else f"one of the only {able} able")
        n = counts[client.id, carer_id]
        if n >= 3:
            reasons.append(f"continuity: {n} of this client's visits this week")
        if client.history.get(carer_id):
            reasons.append(f"knows the client ({client.history[carer_id]} recent visits)")
        if carer_id in client.preferred:
            reasons.append("preferred by the client")
        out[carer_id] = "; ".join(reasons) or "free and qualified"
    return out


def explain(problem: Problem, solution: Solution) -> Solution:
    if solution.status == "infeasible":
        return solution
    counts = Counter(
        (problem.visit(a.visit).client, c) for a in solution.assignments for c in a.carers
    )
    assignments = tuple(replace(a, why=why(problem, a, counts)) for a in solution.assignments)
    placed = {a.visit: len(a.carers) for a in assignments}
    unfilled = tuple(
        Unfilled(
            v.id,
            v.carers_needed - placed.get(v.id, 0),
            unfilled_reason(problem, v, placed.get(v.id, 0)),
        )
        for v in problem.visits
        if placed.get(v.id, 0) < v.carers_needed
    )
    return replace(solution, assignments=assignments, unfilled=unfilled)
