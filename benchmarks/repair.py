#!/usr/bin/env python3
"""Minimal-change repair: one carer away for two days, on generated circle-weeks.

usage: repair.py [--seeds 1-20] [--time-limit 1] [--plan-time-limit 10] [--data DIR]
For each seed the engine plans the week (that plan is "published"), then the carer with the most
visits is away Tuesday and Wednesday. Repair is compared with re-planning the week from scratch:
one JSON line per seed, then {"summary": true, "cases", "median_s", "max_changed_share"}."""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from dataclasses import replace

from _common import circle_week_tools, emit, p95, parse_seeds
from carecircle import engine
from carecircle.engine.model import DAY

AWAY = (1 * DAY, 3 * DAY)  # Tuesday 00:00 to Thursday 00:00


def affected_visits(problem, published, carer_id) -> set[str]:
    start, end = AWAY
    return {
        a.visit
        for a in published
        if carer_id in a.carers
        and a.start < end
        and a.start + problem.visit(a.visit).duration > start
    }


def changed_share(changes, affected: set[str], published) -> tuple[int, float]:
    others = [c for c in changes if c.visit not in affected]
    untouched = max(1, len(published) - len(affected))
    return len(others), len(others) / untouched


def run_seed(args, seed, generate, check) -> dict:
    data = generate.generate(seed)
    problem = engine.problem_from_json(data)
    plan = engine.solve(problem, engine.Settings(time_limit_s=args.plan_time_limit))
    published = plan.assignments
    busiest = Counter(c for a in published for c in a.carers).most_common(1)[0][0]
    disrupted = engine.carer_away(problem, busiest, *AWAY)
    affected = affected_visits(problem, published, busiest)
    settings = engine.Settings(time_limit_s=args.time_limit, workers=args.workers)
    began = time.perf_counter()
    repaired = engine.repair(disrupted, published, settings)
    seconds = time.perf_counter() - began
    began = time.perf_counter()
    replanned = engine.repair(disrupted, (), engine.Settings(time_limit_s=args.plan_time_limit))
    replanned = replace(replanned, changes=engine.plan_changes(published, replanned.assignments))
    replan_seconds = time.perf_counter() - began
    figures = check.check(data, engine.solution_to_json(repaired))
    others, share = changed_share(repaired.changes, affected, published)
    others_re, share_re = changed_share(replanned.changes, affected, published)
    return {
        "seed": seed,
        "away": busiest,
        "affected_visits": len(affected),
        "published_visits": len(published),
        "repair_s": round(seconds, 3),
        "repair_changes": len(repaired.changes),
        "repair_other_changes": others,
        "changed_share": round(share, 3),
        "repair_unfilled": figures["unfilled_carer_slots"],
        "feasible": figures["feasible"] and not engine.check(disrupted, repaired),
        "replan_s": round(replan_seconds, 3),
        "replan_changes": len(replanned.changes),
        "replan_other_changes": others_re,
        "replan_changed_share": round(share_re, 3),
        "replan_unfilled": sum(u.missing for u in replanned.unfilled),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-20")
    ap.add_argument("--time-limit", type=float, default=1.0)
    ap.add_argument("--plan-time-limit", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data")
    args = ap.parse_args()
    generate, check = circle_week_tools(args.data)
    rows = []
    for seed in parse_seeds(args.seeds):
        rows.append(run_seed(args, seed, generate, check))
        emit(rows[-1])
    times = [r["repair_s"] for r in rows]
    emit(
        {
            "summary": True,
            "cases": len(rows),
            "median_s": round(statistics.median(times), 3),
            "p95_s": round(p95(times), 3),
            "max_changed_share": max(r["changed_share"] for r in rows),
            "all_feasible": all(r["feasible"] for r in rows),
            "replan_median_changed_share": round(
                statistics.median(r["replan_changed_share"] for r in rows), 3
            ),
        }
    )


if __name__ == "__main__":
    main()
