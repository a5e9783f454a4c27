"""The engine's vocabulary: frozen dataclasses in, a Solution out.

Times are whole minutes from the start of the first day (for a circle-week, the local Monday 00:00);
locations are kilometres on a plane. `day_starts` marks each local midnight so that per-day limits
and the rest rule follow real days across a clock change."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DAY = 1440
INFORMAL = "informal"


@dataclass(frozen=True)
class Client:
    id: str
    location: tuple[float, float] = (0.0, 0.0)
    avoid: frozenset[str] = frozenset()  # hard: these carers must not come
    preferred: frozenset[str] = frozenset()  # soft
    history: Mapping[str, int] = field(default_factory=dict)  # carer -> visits in recent weeks


@dataclass(frozen=True)
class Carer:
    id: str
    kind: str = "employed"  # council | agency | employed | informal (or a finer informal kind)
    skills: frozenset[str] = frozenset()
    location: tuple[float, float] = (0.0, 0.0)
    availability: tuple[tuple[int, int], ...] = ()  # a visit lies wholly inside one block
    contracted_minutes: int = 0
    max_minutes_per_week: int = 48 * 60
    max_minutes_per_day: int = 10 * 60
    min_rest_minutes: int = 0  # between the last visit of a day and the first of a later day
    cost_per_hour: float = 0.0
    only_clients: frozenset[str] = frozenset()  # non-empty: may visit only these clients

    @property
    def is_informal(self) -> bool:
        return self.kind == INFORMAL


@dataclass(frozen=True)
class Visit:
    id: str
    client: str
    earliest_start: int
    latest_start: int
    duration: int
    carers_needed: int = 1
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Assignment:
    visit: str
    carers: tuple[str, ...]
    start: int
    why: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Unfilled:
    visit: str
    missing: int
    reason: str


@dataclass(frozen=True)
class Change:
    visit: str
    removed: tuple[str, ...]
    added: tuple[str, ...]
    old_start: int | None
    new_start: int | None


@dataclass(frozen=True)
class Weights:
    """Penalty points. The objective is solved in three tiers, each proven or improved before the
    next starts and then held: (1) unfilled places, (2) continuity, (3) everything else. Weights
    trade only within a tier, so a tier-3 saving can never cost a client a familiar carer."""

    unfilled_place: int = 1  # tier 1 has one term; kept for the combined objective figure
    distinct_carer: int = 100  # tier 2: each carer a client sees this week
    unfamiliar_carer: int = 2  # tier 2: ...who has not visited them in recent weeks
    changed_visit: int = 50  # repair, tier 2: a published visit whose carers or time change
    non_preferred_visit: int = 60  # tier 3: a place filled by someone not on the preferred list
    fairness_minute: int = 1  # tier 3: each minute a paid carer is off the circle's utilisation
    client_switch: int = 10  # tier 3: each extra client a carer goes to in a day (travel)
    cost_pound: int = 2  # tier 3: each pound of pay


@dataclass(frozen=True)
class Settings:
    time_limit_s: float = 10.0
    workers: int = 2
    deterministic: bool = True  # deterministic time limit: the same input gives the same plan
    seed: int = 0
    weights: Weights = Weights()


@dataclass(frozen=True)
class Problem:
    name: str
    clients: tuple[Client, ...]
    carers: tuple[Carer, ...]
    visits: tuple[Visit, ...]
    day_starts: tuple[int, ...] = ()  # empty: every 1440 minutes from 0
    travel_speed_kmh: float = 20.0
    fixed: tuple[Assignment, ...] = ()  # kept as they are (published, or in the past)

    def client(self, client_id: str) -> Client:
        index: dict[str, Client] = self._index("clients")
        return index[client_id]

    def carer(self, carer_id: str) -> Carer:
        index: dict[str, Carer] = self._index("carers")
        return index[carer_id]

    def visit(self, visit_id: str) -> Visit:
        index: dict[str, Visit] = self._index("visits")
        return index[visit_id]

    def _index(self, name: str) -> dict[str, Any]:
        """id -> item for one of the tuples, built once (the dataclass is frozen, so the cache
        lives in __dict__); the item type depends on `name`, so callers annotate it."""
        cache: dict[str, dict[str, Any]] = self.__dict__.setdefault("_indexes", {})
        if name not in cache:
            cache[name] = {x.id: x for x in getattr(self, name)}
        return cache[name]

    def day_of(self, minute: int) -> int:
        if not self.day_starts:
            return minute // DAY
        return max(0, bisect.bisect_right(self.day_starts, minute) - 1)

    def day_end(self, day: int) -> int:
        if not self.day_starts:
            return (day + 1) * DAY
        if day + 1 < len(self.day_starts):
            return self.day_starts[day + 1]
        return self.day_starts[-1] + DAY * (day + 2 - len(self.day_starts))

    def day_start(self, day: int) -> int:
        if not self.day_starts:
            return day * DAY
        if day < len(self.day_starts):
            return self.day_starts[day]
        return self.day_starts[-1] + DAY * (day + 1 - len(self.day_starts))

    def travel(self, client_a: str, client_b: str) -> int:
        if client_a == client_b:
            return 0
        (x1, y1), (x2, y2) = self.client(client_a).location, self.client(client_b).location
        return math.ceil(math.hypot(x1 - x2, y1 - y2) / self.travel_speed_kmh * 60)


@dataclass(frozen=True)
class Solution:
    status: str  # optimal | feasible | infeasible
    assignments: tuple[Assignment, ...]
    unfilled: tuple[Unfilled, ...] = ()
    objective: float = 0.0
    best_bound: float = 0.0
    penalties: Mapping[str, float] = field(default_factory=dict)
    proven: Mapping[str, bool] = field(default_factory=dict)  # tier -> proven optimal
    tier_seconds: Mapping[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    changes: tuple[Change, ...] = ()

    def assignment(self, visit_id: str) -> Assignment | None:
        for a in self.assignments:
            if a.visit == visit_id:
                return a
        return None
