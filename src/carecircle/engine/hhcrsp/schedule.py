"""Earliest start times for fixed task sequences, and the cost of those sequences.

With the order of every route fixed, starting each service as early as possible minimises every
tardiness at once (the objective only grows with start times), so the earliest schedule is the
optimal timing. Start times are a longest-path problem over route and sync precedences; a
positive cycle (e.g. two carers waiting on each other's synchronised visits) means the sequences
are infeasible."""

from __future__ import annotations

from .evaluate import Routes
from .instance import DEPOT, Instance

Sequences = list[list[int]]  # task indices per carer, in visiting order
Edge = tuple[int, int, float]  # start[v] >= start[u] + w


def _sync_edges(inst: Instance) -> list[Edge]:
    edges = []
    for s in inst.syncs:
        edges.append((s.first, s.second, s.min_gap))
        edges.append((s.second, s.first, -s.max_gap))
    return edges


def earliest_starts(
    inst: Instance, seqs: Sequences, sync_edges: list[Edge] | None = None
) -> list[float] | None:
    """Start time per task (tasks not in any sequence keep their lower bound); None if cyclic."""
    tasks, dist = inst.tasks, inst.dist
    start = [max(t.earliest, dist[DEPOT][t.loc]) for t in tasks]
    edges = _sync_edges(inst) if sync_edges is None else sync_edges
    for _ in range(len(tasks) + 2):
        changed = False
        for seq in seqs:
            for a, b in zip(seq, seq[1:], strict=False):
                ta = tasks[a]
                ready = start[a] + ta.duration + dist[ta.loc][tasks[b].loc]
                if ready > start[b] + 1e-9:
                    start[b] = ready
                    changed = True
        for u, v, w in edges:
            if start[u] + w > start[v] + 1e-9:
                start[v] = start[u] + w
                changed = True
        if not changed:
            return start
    return None


def sequences_distance(inst: Instance, seqs: Sequences) -> float:
    total = 0.0
    for seq in seqs:
        if seq:
            locs = [DEPOT] + [inst.tasks[t].loc for t in seq] + [DEPOT]
            total += sum(inst.dist[a][b] for a, b in zip(locs, locs[1:], strict=False))
    return total


def sequences_cost(
    inst: Instance, seqs: Sequences, sync_edges: list[Edge] | None = None
) -> float | None:
    """distance + total tardiness + max tardiness (3x the table's total_cost); None if infeasible."""
    start = earliest_starts(inst, seqs, sync_edges)
    if start is None:
        return None
    tardy = [max(0.0, start[t] - inst.tasks[t].latest) for seq in seqs for t in seq]
    return sequences_distance(inst, seqs) + sum(tardy) + max(tardy, default=0.0)


def to_routes(inst: Instance, seqs: Sequences, start: list[float]) -> Routes:
    """The evaluator's (patient, service, start) format."""
    return tuple(
        tuple((inst.tasks[t].patient, inst.tasks[t].service, start[t]) for t in seq) for seq in seqs
    )
