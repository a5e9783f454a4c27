#!/usr/bin/env python3
"""The rota engine against a conventional rota on generated circle-weeks.

usage: circle_week.py [--seeds 1-20] [--time-limit 10] [--clients 4 --carers 12 --weeks 1]
                      [--out DIR] [--data DIR]
One JSON line per seed (both solutions' figures from the shared check.py, and their ratios), then
{"summary": true, ...}. The baseline gives each visit, in time order, to the free qualified carer
with the fewest hours so far, as a central rota office would."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from _common import circle_week_tools, emit, parse_seeds
from carecircle import engine

PROOF_SECONDS = 5.0


def run_seed(args, seed: int, generate, check) -> dict:
    data = generate.generate(seed, args.clients, args.carers, args.weeks)
    problem = engine.problem_from_json(data)
    began = time.perf_counter()
    solution = engine.solve(
        problem, engine.Settings(time_limit_s=args.time_limit, workers=args.workers)
    )
    seconds = time.perf_counter() - began
    baseline = engine.greedy_rota(problem)
    ours, theirs = engine.solution_to_json(solution), engine.solution_to_json(baseline)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for suffix, doc in (("instance", data), ("engine", ours), ("baseline", theirs)):
            (out / f"{seed}.{suffix}.json").write_text(json.dumps(doc))
    fig_e, fig_b = check.check(data, ours), check.check(data, theirs)
    proof_time = solution.tier_seconds.get("fill", 0) + solution.tier_seconds.get("continuity", 0)
    d_e = fig_e["distinct_carers_per_client"]["mean"]
    d_b = fig_b["distinct_carers_per_client"]["mean"]
    return {
        "seed": seed,
        "status": solution.status,
        "seconds": round(seconds, 2),
        "unfilled_proven_minimal": solution.proven.get("fill", False),
        "pairs_proven_minimal": solution.proven.get("continuity", False),
        "proof_seconds": round(proof_time, 2),
        "engine": _figures(fig_e),
        "baseline": _figures(fig_b),
        "distinct_ratio": round(d_e / d_b, 3) if d_b else None,
        "coc_ratio": round(fig_e["coc_mean"] / fig_b["coc_mean"], 3) if fig_b["coc_mean"] else None,
        "cost_ratio": round(fig_e["cost"] / fig_b["cost"], 3) if fig_b["cost"] else None,
    }


def _figures(fig: dict) -> dict:
    keep = ("feasible", "errors", "unfilled_carer_slots", "distinct_carers_per_client", "coc_mean")
    keep += ("upc_mean", "preferred_share", "utilisation_spread", "cost")
    return {k: fig[k] for k in keep}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-20")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--carers", type=int, default=12)
    ap.add_argument("--weeks", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out")
    ap.add_argument("--data", type=Path)
    args = ap.parse_args()
    generate, check = circle_week_tools(args.data)
    rows = []
    for seed in parse_seeds(args.seeds):
        row = run_seed(args, seed, generate, check)
        rows.append(row)
        emit(row)
    ratios = [r["distinct_ratio"] for r in rows if r["distinct_ratio"] is not None]
    emit(
        {
            "summary": True,
            "seeds": len(rows),
            "clients": args.clients,
            "carers": args.carers,
            "weeks": args.weeks,
            "all_feasible": all(
                r["engine"]["feasible"] and r["baseline"]["feasible"] for r in rows
            ),
            "distinct_ratio_mean": round(statistics.mean(ratios), 3) if ratios else None,
            "unfilled_engine": sum(r["engine"]["unfilled_carer_slots"] for r in rows),
            "unfilled_baseline": sum(r["baseline"]["unfilled_carer_slots"] for r in rows),
            "unfilled_never_worse": all(
                r["engine"]["unfilled_carer_slots"] <= r["baseline"]["unfilled_carer_slots"]
                for r in rows
            ),
            "unfilled_proven_share": round(
                sum(r["unfilled_proven_minimal"] for r in rows) / max(1, len(rows)), 3
            ),
            "proven_share": round(
                sum(r["pairs_proven_minimal"] and r["proof_seconds"] <= PROOF_SECONDS for r in rows)
                / max(1, len(rows)),
                3,
            ),
            "max_seconds": max((r["seconds"] for r in rows), default=0),
        }
    )


if __name__ == "__main__":
    main()
