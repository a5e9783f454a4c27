"""Large-neighbourhood search with CP-SAT as the repair step.

Each step frees a few patients (a cluster in space and time, the visits of a few carers, or a
time slice), pins every other visit to its carer in its current relative order, and lets CP-SAT
re-insert the freed ones and re-time everything. Improvements are kept; the neighbourhood grows
while sub-problems are solved to optimality and shrinks while they time out."""

from __future__ import annotations

import logging
import random
import time

from ortools.sat.python import cp_model

from . import model as cpm
from .instance import Instance
from .schedule import Sequences, earliest_starts, sequences_cost

log = logging.getLogger(__name__)

STEP_LIMIT_S = 2.0
MIN_FREE, MAX_FREE = 6, 30


def _with_partners(inst: Instance, tasks: set[int]) -> set[int]:
    out = set(tasks)
    for s in inst.syncs:
        if s.first in out or s.second in out:
            out |= {s.first, s.second}
    return out


def _cluster(inst: Instance, seqs, rng: random.Random, size: int) -> set[int]:
    starts = earliest_starts(inst, seqs)
    seed = rng.randrange(len(inst.tasks))
    ts = inst.tasks[seed]

    def closeness(t):
        return inst.dist[ts.loc][inst.tasks[t].loc] + abs(starts[t] - starts[seed])

    ranked = sorted(range(len(inst.tasks)), key=closeness)
    return set(ranked[:size])


def _carers(inst: Instance, seqs, rng: random.Random, size: int) -> set[int]:
    order = list(range(len(seqs)))
    rng.shuffle(order)
    out: set[int] = set()
    for k in order:
        if len(out) >= size:
            break
        out |= set(seqs[k])
    return out


def _slice(inst: Instance, seqs, rng: random.Random, size: int) -> set[int]:
    starts = earliest_starts(inst, seqs)
    ranked = sorted(range(len(inst.tasks)), key=lambda t: starts[t])
    first = rng.randrange(max(1, len(ranked) - size + 1))
    return set(ranked[first : first + size])


NEIGHBOURHOODS = (_cluster, _cluster, _carers, _slice)


def _subproblem(inst: Instance, seqs: Sequences, free: set[int]):
    kept = [[t for t in seq if t not in free] for seq in seqs]
    allowed = [set(kept[k]) | {t for t in free if inst.can(k, t)} for k in range(len(seqs))]
    return kept, allowed


def _repair(inst, seqs, cost3, free, limit, workers, seed):
    kept, allowed = _subproblem(inst, seqs, free)
    hz = max(t.latest for t in inst.tasks) + cost3 + 1
    built = cpm.build(inst, hz, allowed=allowed, kept=kept)
    cpm.add_hint(built, inst, seqs, earliest_starts(inst, seqs))
    built.model.Add(built.objective <= cpm.scaled(cost3))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    code = solver.Solve(built.model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    found, _ = cpm.extract(built, solver, len(inst.tasks))
    return found, code == cp_model.OPTIMAL


def improve(inst: Instance, seqs: Sequences, deadline: float, workers: int, seed: int):
    """Best sequences found before `deadline` (time.monotonic), and a lower bound (0: none)."""
    rng = random.Random(seed)
    cost3 = sequences_cost(inst, seqs)
    size = min(MIN_FREE + 4, len(inst.tasks))
    step = 0
    while deadline - time.monotonic() > 0.05:
        step += 1
        pick = NEIGHBOURHOODS[rng.randrange(len(NEIGHBOURHOODS))]
        free = _with_partners(inst, pick(inst, seqs, rng, size if pick is not _carers else 2))
        limit = min(STEP_LIMIT_S, deadline - time.monotonic())
        found, proven = _repair(inst, seqs, cost3, free, limit, workers, seed + step)
        if found is not None:
            new = sequences_cost(inst, found)
            if new is not None and new <= cost3 + 1e-9:
                seqs, cost3 = found, new
        log.debug(
            "step %d %s free=%d proven=%s cost=%.3f",
            step,
            pick.__name__,
            len(free),
            proven,
            cost3 / 3,
        )
        size = min(MAX_FREE, size + 1) if proven else max(MIN_FREE, size - 1)
    return seqs, 0.0
