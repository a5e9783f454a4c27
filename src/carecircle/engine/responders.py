"""Who should answer a distress alert: soonest there, best known to the client, able.

Pure and fast (a pool of thousands ranks in milliseconds): the alerts app feeds it where each carer
is (last check-in or home), what they are doing and how well they know the client; it returns the
candidates in order, each with an ETA and a one-line reason for the person deciding."""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass

FREE, ON_VISIT, OFF_DUTY = "free", "on_visit", "off_duty"


@dataclass(frozen=True)
class Responder:
    id: str
    name: str
    location: tuple[float, float]  # km on the circle's plane: last check-in, else home
    state: str = FREE  # free | on_visit | off_duty
    interruptible: bool = True  # on a visit that can safely be left (not two-carer, not mid-care)
    skills: frozenset[str] = frozenset()
    visits_to_client: int = 0  # in the last 30 days
    minutes_worked_today: int = 0
    opted_in: bool = True  # off duty (or informal) and willing to be asked
    only_clients: frozenset[str] = frozenset()  # an informal carer's own people
    informal: bool = False  # informal carers are asked only for their own people (only_clients)


@dataclass(frozen=True)
class Need:
    client: str
    client_name: str
    location: tuple[float, float]
    skills: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RankSettings:
    speed_kmh: float = 20.0
    leave_visit_minutes: int = 5  # handing over and leaving a visit safely
    get_ready_minutes: int = 10  # off duty: getting out of the door
    minutes_per_familiar_visit: float = 1.5  # each recent visit is worth this much ETA...
    familiar_cap: int = 10  # ...up to this many visits
    missing_skill_minutes: int = 60  # able to come but not to do everything the alert needs
    tired_minutes_per_hour: float = 1.0  # each hour already worked today


@dataclass(frozen=True)
class Candidate:
    id: str
    eta_minutes: int
    score: float
    reason: str


def _eta(r: Responder, need: Need, s: RankSettings) -> int:
    km = math.hypot(r.location[0] - need.location[0], r.location[1] - need.location[1])
    extra = s.leave_visit_minutes if r.state == ON_VISIT else 0
    extra += s.get_ready_minutes if r.state == OFF_DUTY else 0
    return math.ceil(km / s.speed_kmh * 60) + extra


def _excluded(r: Responder, need: Need) -> bool:
    return (
        r.id in need.avoid
        or ((r.informal or r.only_clients) and need.client not in r.only_clients)
        or (r.state == ON_VISIT and not r.interruptible)
        or (r.state == OFF_DUTY and not r.opted_in)
    )


def _score(r: Responder, eta: int, need: Need, s: RankSettings) -> float:
    familiar = min(r.visits_to_client, s.familiar_cap) * s.minutes_per_familiar_visit
    missing = s.missing_skill_minutes if not need.skills <= r.skills else 0
    return eta - familiar + missing + r.minutes_worked_today / 60 * s.tired_minutes_per_hour


def _reason(r: Responder, eta: int, need: Need) -> str:
    where = {FREE: "free now", ON_VISIT: "can leave their visit", OFF_DUTY: "off duty, offered"}
    parts = [f"{r.name}: {where.get(r.state, r.state)}, about {eta} min away"]
    if r.visits_to_client:
        parts.append(f"knows {need.client_name} ({r.visits_to_client} visits in 30 days)")
    missing = need.skills - r.skills
    if missing:
        parts.append("lacks " + ", ".join(sorted(s.replace("_", " ") for s in missing)))
    return "; ".join(parts)


def rank_responders(
    need: Need,
    pool: Iterable[Responder],
    settings: RankSettings | None = None,
    limit: int | None = None,
) -> list[Candidate]:
    """Candidates best first (lowest score; ties by ETA, then id, so the order is stable)."""
    s = settings or RankSettings()
    scored = []
    for r in pool:
        if _excluded(r, need):
            continue
        eta = _eta(r, need, s)
        scored.append((_score(r, eta, need, s), eta, r.id, r))
    best = heapq.nsmallest(limit, scored) if limit else sorted(scored)
    return [
        Candidate(rid, eta, round(score, 2), _reason(r, eta, need)) for score, eta, rid, r in best
    ]
