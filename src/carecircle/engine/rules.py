"""Static rules: who could ever do a visit, and when, before any other visit is considered."""

from __future__ import annotations

from .model import Carer, Problem, Visit


def start_range(problem: Problem, visit: Visit) -> tuple[int, int]:
    """The window, kept within the day it opens on so that day limits are well defined."""
    day = problem.day_of(visit.earliest_start)
    return visit.earliest_start, min(visit.latest_start, problem.day_end(day) - 1)


def start_ranges(problem: Problem, visit: Visit, carer: Carer) -> list[tuple[int, int]]:
    """The start times at which this carer is available for the whole visit, one range a block."""
    lo, hi = start_range(problem, visit)
    out = []
    for b0, b1 in carer.availability:
        a, b = max(lo, b0), min(hi, b1 - visit.duration)
        if a <= b:
            out.append((a, b))
    return out


def qualified(problem: Problem, visit: Visit, carer: Carer) -> bool:
    """Skills, the client's avoid list and an informal carer's own clients: rules of who, not when."""
    client = problem.client(visit.client)
    return (
        visit.skills <= carer.skills
        and carer.id not in client.avoid
        and (not carer.only_clients or client.id in carer.only_clients)
        and visit.duration <= carer.max_minutes_per_day
    )


def eligible(problem: Problem, visit: Visit, carer: Carer) -> list[tuple[int, int]]:
    """Start ranges when the carer could take the visit; empty when they never could."""
    if not qualified(problem, visit, carer):
        return []
    return start_ranges(problem, visit, carer)
