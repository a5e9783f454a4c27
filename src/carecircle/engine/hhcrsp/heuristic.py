"""Greedy cheapest insertion: a quick, always-feasible start for CP-SAT and the LNS.

Patients are inserted in order of their time window; each goes where it adds least to
distance + total + max tardiness, re-timing the whole plan (sync couples the routes, so a local
delta would be wrong). A double-staffed patient's two services are placed as a pair on two
different carers, from the few best single placements of each."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from .instance import Instance
from .schedule import Sequences, sequences_cost

PAIR_SHORTLIST = 5

Move = tuple[int, int, int]  # (carer, position in its sequence, task)
Placed = tuple[float, list[Move]]  # the plan's cost after the moves, and the moves


def _placements(inst: Instance, seqs: Sequences, task: int) -> Iterator[tuple[int, int]]:
    for k, seq in enumerate(seqs):
        if inst.can(k, task):
            for pos in range(len(seq) + 1):
                yield k, pos


def _with(seqs: Sequences, moves: Iterable[Move]) -> Sequences:
    out = [list(s) for s in seqs]
    for k, pos, task in moves:
        out[k].insert(pos, task)
    return out


def _best_single(inst: Instance, seqs: Sequences, task: int) -> Placed | None:
    best: Placed | None = None
    for k, pos in _placements(inst, seqs, task):
        cost = sequences_cost(inst, _with(seqs, [(k, pos, task)]))
        if cost is not None and (best is None or cost < best[0]):
            best = (cost, [(k, pos, task)])
    return best


def _shortlist(inst: Instance, seqs: Sequences, task: int) -> list[tuple[int, int]]:
    scored = []
    for k, pos in _placements(inst, seqs, task):
        cost = sequences_cost(inst, _with(seqs, [(k, pos, task)]))
        if cost is not None:
            scored.append((cost, k, pos))
    scored.sort()
    return [(k, pos) for _, k, pos in scored[:PAIR_SHORTLIST]]


def _pair_moves(a: int, b: int, ka: int, pa: int, kb: int, pb: int) -> list[Move]:
    # Both inserts index the original sequences; when on one route the later goes first.
    return [(kb, pb, b), (ka, pa, a)] if pb >= pa else [(ka, pa, a), (kb, pb, b)]


def _best_pair(inst: Instance, seqs: Sequences, a: int, b: int) -> Placed | None:
    best: Placed | None = None
    options = itertools.product(_shortlist(inst, seqs, a), _shortlist(inst, seqs, b))
    for (ka, pa), (kb, pb) in options:
        if ka == kb:
            continue
        moves = [(ka, pa, a), (kb, pb, b)]
        cost = sequences_cost(inst, _with(seqs, moves))
        if cost is not None and (best is None or cost < best[0]):
            best = (cost, moves)
    return best or _pair_at_ends(inst, seqs, a, b)


def _pair_at_ends(inst: Instance, seqs: Sequences, a: int, b: int) -> Placed | None:
    """Appending both services last can never create a waiting cycle, so this always works."""
    best: Placed | None = None
    for ka, kb in itertools.permutations(range(len(seqs)), 2):
        if inst.can(ka, a) and inst.can(kb, b):
            moves = [(ka, len(seqs[ka]), a), (kb, len(seqs[kb]), b)]
            cost = sequences_cost(inst, _with(seqs, moves))
            if cost is not None and (best is None or cost < best[0]):
                best = (cost, moves)
    return best


def units(inst: Instance) -> list[tuple[int, ...]]:
    """Single tasks and sync pairs, the things insertion places together."""
    paired: dict[int, tuple[int, ...]] = {}
    for s in inst.syncs:
        paired[s.first] = (s.first, s.second)
        paired[s.second] = (s.first, s.second)
    seen: set[tuple[int, ...]] = set()
    out: list[tuple[int, ...]] = []
    for t in inst.tasks:
        unit = paired.get(t.index, (t.index,))
        if unit not in seen:
            seen.add(unit)
            out.append(unit)
    return out


def insert_units(
    inst: Instance, seqs: Sequences, todo: Iterable[tuple[int, ...]]
) -> Sequences | None:
    for unit in todo:
        best = (
            _best_single(inst, seqs, unit[0]) if len(unit) == 1 else _best_pair(inst, seqs, *unit)
        )
        if best is None:
            return None
        seqs = _with(seqs, best[1])
    return seqs


def greedy(inst: Instance) -> Sequences | None:
    order = sorted(units(inst), key=lambda u: (inst.tasks[u[0]].earliest, inst.tasks[u[0]].latest))
    return insert_units(inst, [[] for _ in inst.carers], order)
