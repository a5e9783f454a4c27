"""Disruptions as changes to a problem; `repair` then keeps as much of the published plan as it can."""

from __future__ import annotations

from dataclasses import replace

from .intervals import subtract_interval
from .model import Problem, Visit


def carer_away(problem: Problem, carer_id: str, start: int, end: int) -> Problem:
    """Absent (sick, on holiday) or pulled away to an emergency from `start` to `end`."""
    problem.carer(carer_id)  # a clear KeyError for an unknown carer
    carers = tuple(
        replace(c, availability=tuple(subtract_interval(c.availability, start, end)))
        if c.id == carer_id
        else c
        for c in problem.carers
    )
    fixed = tuple(
        a
        for a in problem.fixed
        if not (carer_id in a.carers and _overlaps(problem.visit(a.visit), a.start, start, end))
    )
    return replace(problem, carers=carers, fixed=fixed)


def _overlaps(visit: Visit, at: int, start: int, end: int) -> bool:
    return at < end and at + visit.duration > start


def visit_added(problem: Problem, visit: Visit) -> Problem:
    return replace(problem, visits=(*problem.visits, visit))


def visit_cancelled(problem: Problem, visit_id: str) -> Problem:
    problem.visit(visit_id)
    return replace(
        problem,
        visits=tuple(v for v in problem.visits if v.id != visit_id),
        fixed=tuple(a for a in problem.fixed if a.visit != visit_id),
    )


def visit_moved(problem: Problem, visit_id: str, earliest_start: int, latest_start: int) -> Problem:
    problem.visit(visit_id)
    return replace(
        problem,
        visits=tuple(
            replace(v, earliest_start=earliest_start, latest_start=latest_start)
            if v.id == visit_id
            else v
            for v in problem.visits
        ),
        fixed=tuple(a for a in problem.fixed if a.visit != visit_id),
    )
