#!/usr/bin/env python3
"""The HHCRSP benchmark (Mankowska et al. 2014) solved by carecircle.engine.hhcrsp.

usage: hhcrsp.py --set A|B|C|D [--time-limit S] --out DIR [--data DIR] [--instances N]
Sets A-D are the instances with 10/25/50/75 patients in the data folder. Each solution is written
to DIR/<instance file name> in the iolab-uniud/hhcrsp solution format and checked by an evaluator
independent of the solver. One JSON line per instance, then a summary line."""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from carecircle.engine import hhcrsp  # noqa: E402  (needs the path above; imports no Django)

DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "hhcrsp" / "instances"
SETS = {"A": 10, "B": 25, "C": 50, "D": 75}
DEFAULT_LIMITS = {"A": 1.0, "B": 30.0, "C": 60.0, "D": 60.0}


def emit(row: dict) -> None:
    print(json.dumps(row), flush=True)


def best_known(data_dir: Path) -> dict[str, float]:
    """total_cost per instance file from the markdown table beside the instances folder."""
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


def run_one(path: Path, limit: float, workers: int, out: Path, known: dict) -> dict:
    inst = hhcrsp.load_instance(path)
    result = hhcrsp.solve(inst, limit, workers=workers)
    errors = hhcrsp.check(inst, result.routes)
    cost = hhcrsp.evaluate(inst, result.routes)[0]
    (out / path.name).write_text(json.dumps(hhcrsp.to_solution_json(inst, result), indent=1))
    best = known.get(path.name)
    return {
        "instance": path.name,
        "cost": round(cost, 3),
        "best_known": best,
        "gap_pct": round((cost - best) / best * 100, 3) + 0.0 if best else None,  # no -0.0
        "seconds": round(result.seconds, 2),
        "feasible": not errors,
        "status": result.status,
    }


def summary(set_name: str, limit: float, rows: list[dict]) -> dict:
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
    return {
        "summary": True,
        "set": set_name,
        "instances": len(rows),
        "time_limit_s": limit,
        "mean_gap_pct": round(statistics.mean(gaps), 3) if gaps else None,
        "max_gap_pct": max(gaps) if gaps else None,
        "proven_optimal": sum(r["status"] == "optimal" for r in rows),
        "max_seconds": max(r["seconds"] for r in rows),
        "all_feasible": all(r["feasible"] for r in rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", required=True, choices=sorted(SETS))
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--instances", type=int, help="only the first N instances of the set")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    limit = args.time_limit or DEFAULT_LIMITS[args.set]
    files = instances(args.data, SETS[args.set])[: args.instances]
    if not files:
        note = f"no instances with {SETS[args.set]} patients in {args.data}"
        emit({"summary": True, "set": args.set, "instances": 0, "note": note})
        sys.exit(2)
    known = best_known(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in files:
        rows.append(run_one(path, limit, args.workers, args.out, known))
        emit(rows[-1])
    emit(summary(args.set, limit, rows))


if __name__ == "__main__":
    main()
