"""The HHCRSP instance (Mankowska et al. 2014) as immutable data, loaded from the iolab-uniud JSON.

A visit needing two carers becomes two *tasks* (one per required service). Everything downstream
(model, heuristic, checker) works on task indices, so a patient with two services is just two
tasks joined by a synchronisation constraint."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEPOT = 0  # the distance-matrix index of the central office; patient i (0-based) is i + 1


@dataclass(frozen=True)
class Task:
    index: int
    patient: str
    service: str
    loc: int  # distance-matrix index
    duration: float
    earliest: float
    latest: float


@dataclass(frozen=True)
class Sync:
    """second.start - first.start must lie in [min_gap, max_gap]; simultaneous is [0, 0]."""

    first: int
    second: int
    kind: str  # "simultaneous" | "sequential"
    min_gap: float
    max_gap: float


@dataclass(frozen=True)
class Carer:
    id: str
    abilities: frozenset[str]


@dataclass(frozen=True)
class Instance:
    name: str
    tasks: tuple[Task, ...]
    syncs: tuple[Sync, ...]
    carers: tuple[Carer, ...]
    dist: tuple[tuple[float, ...], ...]
    patient_ids: tuple[str, ...]

    def can(self, carer: int, task: int) -> bool:
        return self.tasks[task].service in self.carers[carer].abilities

    def eligible(self, carer: int) -> tuple[int, ...]:
        return tuple(t.index for t in self.tasks if self.can(carer, t.index))

    def partner(self) -> dict[int, Sync]:
        """Task -> the sync it takes part in (either side)."""
        out = {}
        for s in self.syncs:
            out[s.first] = s
            out[s.second] = s
        return out

    def task_of(self, patient: str, service: str) -> int | None:
        for t in self.tasks:
            if t.patient == patient and t.service == service:
                return t.index
        return None


def _sync_for(raw: dict[str, Any], first: int, second: int) -> Sync:
    spec = raw.get("synchronization") or {"type": "simultaneous"}
    if spec["type"] == "simultaneous":
        return Sync(first, second, "simultaneous", 0.0, 0.0)
    lo, hi = spec["distance"]
    return Sync(first, second, "sequential", float(lo), float(hi))


def from_dict(data: dict[str, Any], name: str = "") -> Instance:
    tasks: list[Task] = []
    syncs: list[Sync] = []
    for i, raw in enumerate(data["patients"]):
        earliest, latest = (float(x) for x in raw["time_window"])
        mine = []
        for req in raw["required_caregivers"]:
            task = Task(
                len(tasks),
                raw["id"],
                req["service"],
                i + 1,
                float(req["duration"]),
                earliest,
                latest,
            )
            tasks.append(task)
            mine.append(task.index)
        if len(mine) == 2:
            syncs.append(_sync_for(raw, mine[0], mine[1]))
        elif len(mine) > 2:
            raise ValueError(f"patient {raw['id']} needs more than two carers")
    carers = tuple(Carer(c["id"], frozenset(c["abilities"])) for c in data["caregivers"])
    dist = tuple(tuple(float(x) for x in row) for row in data["distances"])
    if len(dist) != len(data["patients"]) + 1:
        raise ValueError("distance matrix must be depot + one row per patient")
    patient_ids = tuple(p["id"] for p in data["patients"])
    return Instance(name, tuple(tasks), tuple(syncs), carers, dist, patient_ids)


def load_instance(path: Path | str) -> Instance:
    path = Path(path)
    return from_dict(json.loads(path.read_text()), name=path.name)
