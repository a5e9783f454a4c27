"""The circle-week JSON format of the shared benchmarks (FORMAT.md there), in and out."""

from __future__ import annotations

from typing import Any

from .model import DAY, Assignment, Carer, Client, Problem, Solution, Visit


def problem_from_json(data: dict[str, Any]) -> Problem:
    clients = tuple(
        Client(
            id=c["id"],
            location=tuple(c["location"]),
            avoid=frozenset(c.get("avoid", ())),
            preferred=frozenset(c.get("preferred", ())),
            history=dict(c.get("history", {})),
        )
        for c in data["clients"]
    )
    carers = tuple(
        Carer(
            id=c["id"],
            kind=c["kind"],
            skills=frozenset(c["skills"]),
            location=tuple(c["location"]),
            availability=tuple((int(a), int(b)) for a, b in c["availability"]),
            contracted_minutes=int(c["contracted_minutes"]),
            max_minutes_per_week=int(c["max_minutes_per_week"]),
            max_minutes_per_day=int(c["max_minutes_per_day"]),
            min_rest_minutes=int(c["min_rest_minutes"]),
            cost_per_hour=float(c["cost_per_hour"]),
            only_clients=frozenset(c.get("only_clients", ())),
        )
        for c in data["carers"]
    )
    visits = tuple(
        Visit(
            id=v["id"],
            client=v["client"],
            earliest_start=int(v["earliest_start"]),
            latest_start=int(v["latest_start"]),
            duration=int(v["duration"]),
            carers_needed=int(v["carers_needed"]),
            skills=frozenset(v["skills"]),
        )
        for v in data["visits"]
    )
    return Problem(
        name=data["name"],
        clients=clients,
        carers=carers,
        visits=visits,
        day_starts=tuple(d * DAY for d in range(int(data["days"]))),
        travel_speed_kmh=float(data.get("travel_speed_kmh", 20)),
    )


def solution_to_json(solution: Solution) -> dict[str, Any]:
    return {
        "assignments": [
            {"visit": a.visit, "carers": list(a.carers), "start": a.start}
            for a in solution.assignments
        ],
        "unfilled": [{"visit": u.visit, "reason": u.reason} for u in solution.unfilled],
    }


def assignments_from_json(data: dict[str, Any]) -> tuple[Assignment, ...]:
    return tuple(
        Assignment(a["visit"], tuple(a["carers"]), int(a["start"])) for a in data["assignments"]
    )
