#!/usr/bin/env python3
"""The engine's benchmark mode on the published HHCRSP instances (Mankowska et al. 2014).

usage: hhcrsp.py --set A|B|C|D [--time-limit S] [--out DIR] [--data DIR] [--instances N]
Sets A-D are the instances with 10/25/50/75 patients in the data folder. Each solution is written
to DIR/<instance file name> in the solution format of iolab-uniud/hhcrsp and checked by an
evaluator independent of the solver. One JSON line an instance, then a summary line."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

from _common import SHARED, emit
from carecircle.engine import routing

SETS = {"A": 10, "B": 25, "C": 50, "D": 75}
DEFAULT_LIMITS = {"A": 1.0, "B": 30.0, "C": 60.0, "D": 60.0}


def best_known(data_dir: Path) -> dict[str, float]:
    table = data_dir.parent / "best_known.md"
    if not table.exists():
        return {}
    out = {}
    for line in table.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].endswith(".json"):
            out[cells[0]] = float(cells[4])
    return out


def instances(data_dir: Path, patients: int) -> list[Path]:
    pattern = re.compile(rf"_{patients}_(\d+)\.json$")
    found = [p for p in data_dir.glob("*.json") if pattern.search(p.name)]
    return sorted(found, key=lambda p: int(pattern.search(p.name).group(1)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", required=True, choices=sorted(SETS))
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--out", type=Path, default=Path("bench-out/hhcrsp"))
    ap.add_argument("--data", type=Path, default=SHARED / "hhcrsp" / "instances")
    ap.add_argument("--instances", type=int, help="only the first N instances of the set")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    limit = args.time_limit or DEFAULT_LIMITS[args.set]
    files = instances(args.data, SETS[args.set])[: args.instances]
    if not files:
        emit(
            {
                "summary": True,
                "set": args.set,
                "instances": 0,
                "note": f"no instances with {SETS[args.set]} patients in {args.data}",
            }
        )
        sys.exit(2)
    known = best_known(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in files:
        inst = routing.load_instance(path)
        result = routing.solve(inst, limit, workers=args.workers)
        errors = routing.check(inst, result.routes)
        (args.out / path.name).write_text(json.dumps(routing.to_solution_json(inst, result)))
        best = known.get(path.name)
        rows.append(
            {
                "instance": path.name,
                "cost": round(result.cost, 3),
                "best_known": best,
                "gap_pct": round((result.cost - best) / best * 100, 3) if best else None,
                "seconds": round(result.seconds, 2),
                "feasible": not errors,
                "status": result.status,
            }
        )
        emit(rows[-1])
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
    emit(
        {
            "summary": True,
            "set": args.set,
            "instances": len(rows),
            "time_limit_s": limit,
            "mean_gap_pct": round(statistics.mean(gaps), 3) if gaps else None,
            "max_gap_pct": max(gaps) if gaps else None,
            "proven_optimal": sum(r["status"] == "optimal" for r in rows),
            "max_seconds": max(r["seconds"] for r in rows),
            "all_feasible": all(r["feasible"] for r in rows),
        }
    )


if __name__ == "__main__":
    main()
