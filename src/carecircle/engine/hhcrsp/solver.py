"""solve(): CP-SAT on the whole model for small instances; for larger ones ruin-and-recreate
search from a greedy start, with CP-SAT polishing the result (hinted) in the last part of the
time limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from . import model as cpm
from .evaluate import Routes, evaluate
from .heuristic import greedy
from .instance import Instance
from .schedule import Sequences, earliest_starts, sequences_cost, to_routes
from .search import anneal

# Up to this many tasks CP-SAT proves optimality in well under a second (set A: 13 tasks); above
# it the model's weak bound makes search by CP-SAT alone slow, so ruin-and-recreate leads.
FULL_MODEL_MAX_TASKS = 20
# Share of the time limit for ruin-and-recreate; CP-SAT gets the rest, hinted with its result.
ANNEAL_SHARE = 0.8


@dataclass(frozen=True)
class Result:
    routes: Routes
    cost: float  # the table's total_cost, recomputed from the real data
    status: str  # "optimal" | "feasible" | "infeasible"
    best_bound: float  # lower bound on total_cost (0 when unknown)
    seconds: float


def cp_solver(limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


def horizon(inst: Instance, cost3: float) -> float:
    """Latest start worth considering: no improving solution has a tardiness above its cost."""
    return max(t.latest for t in inst.tasks) + cost3 + 1


def _result(inst: Instance, seqs: Sequences, status: str, bound: float, began: float) -> Result:
    # Re-time with earliest starts: CP-SAT leaves slack on punctual visits, earliest is cleaner.
    starts = earliest_starts(inst, seqs)
    assert starts is not None  # greedy, the search and CP-SAT only produce feasible sequences
    routes = to_routes(inst, seqs, starts)
    cost = evaluate(inst, routes)[0]
    return Result(routes, cost, status, bound, time.monotonic() - began)


def _full(
    inst: Instance, limit: float, workers: int, seed: int, seqs: Sequences, began: float
) -> Result:
    starts, cost3 = earliest_starts(inst, seqs), sequences_cost(inst, seqs)
    # greedy and the search only produce feasible sequences
    assert starts is not None and cost3 is not None
    built = cpm.build(inst, horizon(inst, cost3))
    cpm.add_hint(built, inst, seqs, starts)
    solver = cp_solver(limit, workers, seed)
    code = solver.Solve(built.model)
    bound = solver.BestObjectiveBound() / cpm.SCALE / 3
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _result(inst, seqs, "feasible", 0.0, began)
    found, _ = cpm.extract(built, solver, len(inst.tasks))
    found_cost = sequences_cost(inst, found)
    if found_cost is None or found_cost > cost3:
        found = seqs
    status = "optimal" if code == cp_model.OPTIMAL else "feasible"
    return _result(inst, found, status, bound, began)


def solve(inst: Instance, time_limit_s: float, workers: int = 2, seed: int = 0) -> Result:
    began = time.monotonic()
    seqs = greedy(inst)
    if seqs is None:  # tardiness is unbounded, so this only happens if a service has no carer
        return Result(tuple(() for _ in inst.carers), float("inf"), "infeasible", 0.0, 0.0)
    # CP-SAT stops a little after its limit and the answer is then re-timed: keep a margin
    deadline = began + time_limit_s - max(0.3, 0.01 * time_limit_s)
    remaining = deadline - time.monotonic()
    if len(inst.tasks) <= FULL_MODEL_MAX_TASKS:
        return _full(inst, remaining, workers, seed, seqs, began)
    seqs = anneal(inst, seqs, began + ANNEAL_SHARE * time_limit_s, seed)
    return _full(inst, deadline - time.monotonic(), workers, seed, seqs, began)
