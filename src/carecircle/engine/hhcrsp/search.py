"""Ruin-and-recreate local search in plain Python, with incremental re-timing.

The plan is a list of task sequences plus the earliest start of every placed task. Inserting a
task can only push starts later, so an insertion is priced by propagating the push from the new
task along route successors and sync partners (a worklist longest-path update) instead of
re-timing the whole plan; most insertions touch a handful of tasks. A push that keeps going
round means the insertion creates a waiting cycle between carers: it is rejected.

Each iteration removes a group of related patients (a space-time cluster, random ones, or
segments of a few routes) and re-inserts them cheapest-first with a little randomness
("blinks"); simulated annealing decides whether to keep the result."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence

from .heuristic import Move, units
from .instance import DEPOT, Instance
from .schedule import Edge, Sequences, earliest_starts, sequences_cost

SHORTLIST = 4  # best single placements per service tried when placing a double-staffed pair
BLINK = 0.05  # chance to skip a placement while recreating, which diversifies the search

Priced = tuple[float, dict[int, float]]  # cost increase, and the new start of each moved task
Unit = tuple[int, ...]  # a task, or the two tasks of a double-staffed patient


class Plan:
    """Mutable working state: sequences, placement index and earliest starts."""

    seqs: Sequences
    where: list[tuple[int, int] | None]  # task -> (carer, position), None while unplaced
    start: list[float]
    cost3: float
    cur_max: float  # the largest tardiness in the plan

    def __init__(self, inst: Instance, seqs: Sequences) -> None:
        self.inst = inst
        n = len(inst.tasks)
        self.loc = [t.loc for t in inst.tasks]
        self.dur = [t.duration for t in inst.tasks]
        self.latest = [t.latest for t in inst.tasks]
        self.lb = [max(t.earliest, inst.dist[DEPOT][t.loc]) for t in inst.tasks]
        self.d = inst.dist
        self.sync_out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for s in inst.syncs:
            self.sync_out[s.first].append((s.second, s.min_gap))
            self.sync_out[s.second].append((s.first, -s.max_gap))
        self.able = [[k for k in range(len(inst.carers)) if inst.can(k, t)] for t in range(n)]
        self.limit = 30 * n  # worklist updates before an insertion counts as a waiting cycle
        self.reset(seqs)

    def reset(self, seqs: Sequences) -> None:
        self.seqs = [list(s) for s in seqs]
        self._index()
        self.retime()

    def _index(self) -> None:
        self.where = [None] * len(self.inst.tasks)
        for k, seq in enumerate(self.seqs):
            for i, t in enumerate(seq):
                self.where[t] = (k, i)

    def retime(self) -> None:
        placed = [s for s in self.seqs]
        start = earliest_starts(self.inst, placed, self._placed_sync_edges())
        # the plan only ever holds sequences whose insertions priced without a waiting cycle
        assert start is not None
        self.start = start
        self.cost3 = self._full_cost()

    def _placed_sync_edges(self) -> list[Edge]:
        return [
            (u, v, w)
            for u, outs in enumerate(self.sync_out)
            for v, w in outs
            if self.where[u] is not None and self.where[v] is not None
        ]

    def _full_cost(self) -> float:
        tardy = [max(0.0, self.start[t] - self.latest[t]) for s in self.seqs for t in s]
        return self.distance() + sum(tardy) + max(tardy, default=0.0)

    def distance(self) -> float:
        total = 0.0
        for seq in self.seqs:
            prev = DEPOT
            for t in seq:
                total += self.d[prev][self.loc[t]]
                prev = self.loc[t]
            total += self.d[prev][DEPOT] if seq else 0.0
        return total

    def max_tardiness(self) -> float:
        return max((self.start[t] - self.latest[t] for s in self.seqs for t in s), default=0.0)

    # ---- pricing an insertion -------------------------------------------------------------

    def _neighbours(self, k: int, pos: int) -> tuple[int | None, int | None]:
        seq = self.seqs[k]
        pred = seq[pos - 1] if pos > 0 else None
        succ = seq[pos] if pos < len(seq) else None
        return pred, succ

    def _ready(self, pred: int | None, task: int) -> float:
        if pred is None:
            return self.lb[task]
        return max(
            self.lb[task],
            self.start[pred] + self.dur[pred] + self.d[self.loc[pred]][self.loc[task]],
        )

    def price(self, moves: Sequence[Move]) -> Priced | None:
        """Cost increase (distance + total + max tardiness) of inserting moves = [(carer, pos,
        task), ...] (distinct carers), and the new starts of every task that moved; None when
        the insertion creates a waiting cycle."""
        d, loc = self.d, self.loc
        nxt: dict[int, int | None] = {}
        new: dict[int, float] = {}
        added = {m[2] for m in moves}
        dist_delta = 0.0
        for k, pos, task in moves:
            pred, succ = self._neighbours(k, pos)
            a = loc[pred] if pred is not None else DEPOT
            b = loc[succ] if succ is not None else DEPOT
            dist_delta += d[a][loc[task]] + d[loc[task]][b] - d[a][b]
            nxt[task] = succ
            if pred is not None:
                nxt[pred] = task
            new[task] = self._ready(pred, task)
        queue = list(added)
        updates = 0
        while queue:
            u = queue.pop()
            su = new.get(u, self.start[u])
            targets: list[tuple[int, float]] = []
            v = nxt[u] if u in nxt else self._succ(u)
            if v is not None:
                targets.append((v, su + self.dur[u] + d[loc[u]][loc[v]]))
            for v, w in self.sync_out[u]:
                if self.where[v] is not None or v in added:
                    targets.append((v, su + w))
            for v, cand in targets:
                if cand > new.get(v, self.start[v]) + 1e-9:
                    new[v] = cand
                    queue.append(v)
                    updates += 1
            if updates > self.limit:
                return None
        return dist_delta + self._tardiness_delta(new, added), new

    def _succ(self, u: int) -> int | None:
        placed = self.where[u]
        if placed is None:  # not on a route: no successor
            return None
        k, i = placed
        seq = self.seqs[k]
        return seq[i + 1] if i + 1 < len(seq) else None

    def _tardiness_delta(self, new: dict[int, float], added: set[int]) -> float:
        total, worst = 0.0, self.cur_max
        for t, s in new.items():
            after = max(0.0, s - self.latest[t])
            before = 0.0 if t in added else max(0.0, self.start[t] - self.latest[t])
            total += after - before
            worst = max(worst, after)
        return total + worst - self.cur_max

    # ---- changing the plan -----------------------------------------------------------------

    def apply(self, moves: Sequence[Move], priced: Priced) -> None:
        delta, new = priced
        for k, pos, task in sorted(moves, key=lambda m: -m[1]):
            self.seqs[k].insert(pos, task)
        for k in {m[0] for m in moves}:
            for i, t in enumerate(self.seqs[k]):
                self.where[t] = (k, i)
        for t, s in new.items():
            self.start[t] = s
        self.cost3 += delta
        self.cur_max = max(self.cur_max, *(max(0.0, s - self.latest[t]) for t, s in new.items()))

    def remove(self, tasks: set[int]) -> None:
        self.seqs = [[t for t in seq if t not in tasks] for seq in self.seqs]
        self._index()
        self.retime()
        self.cur_max = max(0.0, self.max_tardiness())

    def begin(self) -> None:
        self.cur_max = max(0.0, self.max_tardiness())


# ---- recreate ---------------------------------------------------------------------------------


def _single_options(plan: Plan, task: int, rng: random.Random) -> Iterator[tuple[int, int]]:
    for k in plan.able[task]:
        for pos in range(len(plan.seqs[k]) + 1):
            if rng.random() >= BLINK:
                yield k, pos


def _best_single(
    plan: Plan, task: int, rng: random.Random, keep: int = 1
) -> list[tuple[float, int, int, Priced]]:
    scored = []
    for k, pos in _single_options(plan, task, rng):
        priced = plan.price([(k, pos, task)])
        if priced is not None:
            scored.append((priced[0], k, pos, priced))
    scored.sort(key=lambda x: x[0])
    return scored[:keep]


def _best_pair(plan: Plan, a: int, b: int, rng: random.Random) -> tuple[list[Move], Priced] | None:
    best: tuple[list[Move], Priced] | None = None
    for _, ka, pa, _ in _best_single(plan, a, rng, SHORTLIST):
        for _, kb, pb, _ in _best_single(plan, b, rng, SHORTLIST):
            if ka == kb:
                continue
            moves = [(ka, pa, a), (kb, pb, b)]
            priced = plan.price(moves)
            if priced is not None and (best is None or priced[0] < best[1][0]):
                best = (moves, priced)
    return best or _pair_at_ends(plan, a, b)


def _pair_at_ends(plan: Plan, a: int, b: int) -> tuple[list[Move], Priced] | None:
    """Both last on their routes: no waiting cycle is possible, so this always prices."""
    best: tuple[list[Move], Priced] | None = None
    for ka in plan.able[a]:
        for kb in plan.able[b]:
            if ka != kb:
                moves = [(ka, len(plan.seqs[ka]), a), (kb, len(plan.seqs[kb]), b)]
                priced = plan.price(moves)
                if priced is not None and (best is None or priced[0] < best[1][0]):
                    best = (moves, priced)
    return best


def recreate(plan: Plan, todo: list[Unit], rng: random.Random) -> bool:
    for unit in todo:
        if len(unit) == 1:
            found = _best_single(plan, unit[0], rng)
            if not found:
                found = _best_single(plan, unit[0], random.Random(0))  # no blinks this time
            if not found:
                return False
            _, k, pos, priced = found[0]
            plan.apply([(k, pos, unit[0])], priced)
        else:
            a, b = unit
            best = _best_pair(plan, a, b, rng)
            if best is None:
                return False
            plan.apply(*best)
    return True


# ---- ruin -------------------------------------------------------------------------------------


def _unit_of(inst: Instance) -> dict[int, Unit]:
    out = {}
    for unit in units(inst):
        for t in unit:
            out[t] = unit
    return out


def _ruin_cluster(plan: Plan, rng: random.Random, size: int) -> set[int]:
    seed = rng.randrange(len(plan.start))
    ls, ss = plan.loc[seed], plan.start[seed]

    def related(t: int) -> float:
        return plan.d[ls][plan.loc[t]] + abs(plan.start[t] - ss)

    return set(sorted(range(len(plan.start)), key=related)[:size])


def _ruin_random(plan: Plan, rng: random.Random, size: int) -> set[int]:
    return set(rng.sample(range(len(plan.start)), size))


def _ruin_strings(plan: Plan, rng: random.Random, size: int) -> set[int]:
    out: set[int] = set()
    routes = [k for k, s in enumerate(plan.seqs) if s]
    rng.shuffle(routes)
    for k in routes:
        seq = plan.seqs[k]
        length = min(len(seq), max(1, size // 3))
        first = rng.randrange(len(seq) - length + 1)
        out |= set(seq[first : first + length])
        if len(out) >= size:
            break
    return out


def _ruin_tardy(plan: Plan, rng: random.Random, size: int) -> set[int]:
    late = sorted(range(len(plan.start)), key=lambda t: plan.latest[t] - plan.start[t])
    picked = set(late[: max(1, size // 2)])
    return picked | _ruin_cluster(plan, rng, size - len(picked))


RUINS = (_ruin_cluster, _ruin_cluster, _ruin_random, _ruin_strings, _ruin_tardy)


def _order(plan: Plan, todo: list[Unit], rng: random.Random) -> list[Unit]:
    how = rng.randrange(4)
    if how == 0:
        rng.shuffle(todo)
    elif how == 1:
        todo.sort(key=lambda u: plan.inst.tasks[u[0]].earliest)
    elif how == 2:
        todo.sort(key=lambda u: -len(u))  # double-staffed patients are hardest to place
    else:
        todo.sort(key=lambda u: min(len(plan.able[t]) for t in u))
    return todo


# ---- the search loop --------------------------------------------------------------------------


def anneal(inst: Instance, seqs: Sequences, deadline: float, seed: int = 0) -> Sequences:
    """Best sequences found by ruin-and-recreate before `deadline` (a time.monotonic value)."""
    rng = random.Random(seed)
    unit_of = _unit_of(inst)
    plan = Plan(inst, seqs)
    plan.begin()
    best, best_cost = [list(s) for s in plan.seqs], plan.cost3
    current, current_cost = best, best_cost
    began = time.monotonic()
    span = max(1e-3, deadline - began)
    t0 = 0.01 * best_cost  # accepts ~1% worse early on, nothing worse at the end
    max_size = max(4, min(len(inst.tasks) // 3, 20))
    while time.monotonic() < deadline:
        heat = t0 * max(0.0, 1 - (time.monotonic() - began) / span)
        size = rng.randint(3, max_size)
        removed = RUINS[rng.randrange(len(RUINS))](plan, rng, size)
        todo = {unit_of[t] for t in removed}
        plan.remove({t for u in todo for t in u})
        if not recreate(plan, _order(plan, list(todo), rng), rng):
            plan.reset(current)
            plan.begin()
            continue
        new_cost = plan.cost3
        if new_cost < current_cost - 1e-9 or (
            heat > 0 and rng.random() < math.exp((current_cost - new_cost) / heat)
        ):
            current, current_cost = [list(s) for s in plan.seqs], new_cost
            if new_cost < best_cost - 1e-9:
                best, best_cost = current, new_cost
        else:
            plan.reset(current)
            plan.begin()
    exact = sequences_cost(inst, best)
    return best if exact is not None else seqs
