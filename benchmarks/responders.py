#!/usr/bin/env python3
"""Ranking responders to a distress alert: engine.rank_responders against plain nearest-first.

usage: responders.py [--repeats 300] [--seed 1]
Pools of 200 (a town's day shift) and 5,000 (an out-of-hours pool) carers at random places,
states and familiarity. One JSON line a case, then a summary. The end-to-end case (device POST to
the first wave of offers through the HTTP server on PostgreSQL) needs the alerts endpoint, which is
not built yet: the summary says so rather than inventing a figure."""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time

from _common import emit, p95
from carecircle.engine.responders import FREE, OFF_DUTY, ON_VISIT, Need, Responder, rank_responders

SKILLS = ("personal_care", "medication", "hoist", "dementia")


def pool(rnd: random.Random, size: int) -> list[Responder]:
    return [
        Responder(
            id=f"c{i}",
            name=f"Carer {i}",
            location=(rnd.uniform(0, 15), rnd.uniform(0, 15)),
            state=rnd.choice((FREE, FREE, ON_VISIT, OFF_DUTY)),
            interruptible=rnd.random() < 0.7,
            skills=frozenset(s for s in SKILLS if rnd.random() < 0.6),
            visits_to_client=rnd.choice((0, 0, 0, 1, 4, 12)),
            minutes_worked_today=rnd.randint(0, 480),
            opted_in=rnd.random() < 0.5,
        )
        for i in range(size)
    ]


def nearest_first(need: Need, responders) -> list[str]:
    """The baseline: whoever is physically closest, nothing else considered."""
    x, y = need.location
    return sorted((math.hypot(r.location[0] - x, r.location[1] - y), r.id) for r in responders)[:3]


def measure(fn, args, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - began) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    need = Need("k1", "Edna", (7.5, 7.5), skills=frozenset({"personal_care"}))
    results = {}
    for size in (200, 5000):
        responders = pool(rnd, size)
        repeats = args.repeats if size <= 200 else max(30, args.repeats // 5)
        ours = measure(lambda n, p: rank_responders(n, p, limit=3), (need, responders), repeats)
        base = measure(nearest_first, (need, responders), repeats)
        results[size] = ours
        emit(
            {
                "case": f"rank_{size}",
                "pool": size,
                "repeats": repeats,
                "median_ms": round(statistics.median(ours), 3),
                "p95_ms": round(p95(ours), 3),
                "baseline_median_ms": round(statistics.median(base), 3),
                "ratio_to_baseline": round(statistics.median(ours) / statistics.median(base), 2),
                "first_wave": [c.reason for c in rank_responders(need, responders, limit=3)],
            }
        )
    emit(
        {
            "summary": True,
            "pool": 200,
            "median_ms": round(statistics.median(results[200]), 3),
            "p95_ms": round(p95(results[200]), 3),
            "pool_5000_p95_ms": round(p95(results[5000]), 3),
            "end_to_end_p95_ms": None,
            "note": "end to end not measured: the alerts endpoint is not built yet",
        }
    )


if __name__ == "__main__":
    main()
