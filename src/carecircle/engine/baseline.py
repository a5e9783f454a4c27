"""A conventional, centrally rotated rota, for comparison: each visit in time order goes to the
free, qualified carer with the fewest hours so far. No thought for who the client knows."""

from __future__ import annotations

from collections import defaultdict

from .explain import explain
from .model import Assignment, Carer, Problem, Solution, Visit
from .rules import eligible

Span = tuple[int, int, str]  # start, end, client


def greedy_rota(problem: Problem) -> Solution:
    minutes: defaultdict[str, int] = defaultdict(int)
    day_minutes: defaultdict[tuple[str, int], int] = defaultdict(int)  # (carer, day)
    week_minutes: defaultdict[tuple[str, int], int] = defaultdict(int)  # (carer, week)
    spans: defaultdict[str, list[Span]] = defaultdict(list)  # carer -> its visits
    assignments = []
    # Fixed visits (published, started, or a carer's visits elsewhere) keep their carers, and
    # count as those carers' time before anything else is given out.
    fixed = {a.visit: a for a in problem.fixed}
    by_id = {v.id: v for v in problem.visits}
    for a in fixed.values():
        visit = by_id.get(a.visit)
        if visit is None:
            continue
        day = problem.day_of(a.start)
        for carer_id in a.carers:
            minutes[carer_id] += visit.duration
            day_minutes[carer_id, day] += visit.duration
            week_minutes[carer_id, day // 7] += visit.duration
            spans[carer_id].append((a.start, a.start + visit.duration, visit.client))
        assignments.append(Assignment(a.visit, tuple(a.carers), a.start))
    for visit in sorted(problem.visits, key=lambda v: (v.earliest_start, v.id)):
        if visit.id in fixed:
            continue
        chosen: list[Carer] = []
        start: int | None = None
        for start_option in _starts(problem, visit):
            chosen = []
            for carer in sorted(problem.carers, key=lambda c: (minutes[c.id], c.id)):
                if len(chosen) == visit.carers_needed:
                    break
                if _fits(problem, carer, visit, start_option, spans, day_minutes, week_minutes):
                    chosen.append(carer)
            if chosen:
                start = start_option
                if len(chosen) == visit.carers_needed:
                    break
        if not chosen or start is None:  # chosen is only ever non-empty once start is set
            continue
        day = problem.day_of(start)
        for carer in chosen:
            minutes[carer.id] += visit.duration
            day_minutes[carer.id, day] += visit.duration
            week_minutes[carer.id, day // 7] += visit.duration
            spans[carer.id].append((start, start + visit.duration, visit.client))
        assignments.append(Assignment(visit.id, tuple(sorted(c.id for c in chosen)), start))
    return explain(problem, Solution(status="feasible", assignments=tuple(assignments)))


def _starts(problem: Problem, visit: Visit) -> list[int]:
    """The window's opening, then each quarter hour to its close."""
    return list(range(visit.earliest_start, visit.latest_start + 1, 15)) or [visit.earliest_start]


def _fits(
    problem: Problem,
    carer: Carer,
    visit: Visit,
    start: int,
    spans: dict[str, list[Span]],
    day_minutes: dict[tuple[str, int], int],
    week_minutes: dict[tuple[str, int], int],
) -> bool:
    if not any(a <= start <= b for a, b in eligible(problem, visit, carer)):
        return False
    day = problem.day_of(start)
    if day_minutes[carer.id, day] + visit.duration > carer.max_minutes_per_day:
        return False
    if week_minutes[carer.id, day // 7] + visit.duration > carer.max_minutes_per_week:
        return False
    end = start + visit.duration
    for s, e, client in spans[carer.id]:
        if not (
            e + problem.travel(client, visit.client) <= start
            or end + problem.travel(visit.client, client) <= s
        ):
            return False
        rest = carer.min_rest_minutes
        if rest and problem.day_of(s) != day:
            gap = start - e if s < start else s - end
            if gap < rest:
                return False
    return True
