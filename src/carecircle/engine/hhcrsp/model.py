"""The CP-SAT model: one circuit per carer over the depot and the tasks that carer may do.

Times and distances are scaled to integers (the data has at most three decimals, so x1000 is
exact). The same builder serves the full problem and the large-neighbourhood sub-problems: a
sub-problem pins some tasks to a carer in a fixed relative order (`kept`) and leaves the rest free.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from .instance import DEPOT, Instance
from .schedule import Sequences

SCALE = 1000

Arc = tuple[int, int]  # (node, node): node 0 is the depot, task t is node t + 1
Arcs = dict[Arc, cp_model.IntVar]  # one carer's arc literals


def scaled(x: float) -> int:
    return round(x * SCALE)


@dataclass
class Built:
    model: cp_model.CpModel
    start: list[cp_model.IntVar]  # per task
    assign: dict[tuple[int, int], cp_model.IntVar]  # (carer, task) -> BoolVar
    arcs: list[Arcs]  # per carer
    objective: cp_model.LinearExpr


def _allowed_arcs(nodes: list[int], kept: list[int], same_patient: set[Arc]) -> list[Arc]:
    """Arcs worth creating: between kept tasks only consecutive ones (their order is fixed)."""
    kept_set = set(kept)
    nxt = {a: b for a, b in zip([0, *kept], [*kept, 0], strict=False)}
    out = []
    for i in [0, *nodes]:
        for j in [0, *nodes]:
            if i == j or (i, j) in same_patient:
                continue
            i_fixed = i == 0 or i in kept_set
            j_fixed = j == 0 or j in kept_set
            if i_fixed and j_fixed and kept and nxt.get(i) != j:
                continue
            out.append((i, j))
    return out


class _Builder:
    def __init__(self, inst: Instance, horizon: float) -> None:
        self.inst = inst
        self.m = cp_model.CpModel()
        self.hz = scaled(horizon)
        self.dur = [scaled(t.duration) for t in inst.tasks]
        self.d = [[scaled(x) for x in row] for row in inst.dist]
        self.same_patient: set[Arc] = set()
        for s in inst.syncs:  # two services of one patient always go to two carers
            self.same_patient |= {(s.first + 1, s.second + 1), (s.second + 1, s.first + 1)}

    def times(self) -> None:
        inst, m = self.inst, self.m
        self.start: list[cp_model.IntVar] = []
        self.tard: list[cp_model.IntVar] = []
        for t in inst.tasks:
            lo = max(scaled(t.earliest), self.d[DEPOT][t.loc])
            self.start.append(m.new_int_var(lo, max(lo, self.hz), f"s{t.index}"))
            late = scaled(t.latest)
            tard = m.new_int_var(0, max(0, self.hz - late), f"tard{t.index}")
            m.add(tard >= self.start[-1] - late)
            self.tard.append(tard)
        self.max_tard = m.new_int_var(0, self.hz, "max_tard")
        for tard in self.tard:
            m.add(self.max_tard >= tard)
        for s in inst.syncs:
            gap = self.start[s.second] - self.start[s.first]
            m.add(gap >= scaled(s.min_gap))
            m.add(gap <= scaled(s.max_gap))

    def routes(self, allowed: list[set[int]], kept: Sequences) -> None:
        inst, m = self.inst, self.m
        self.assign: dict[tuple[int, int], cp_model.IntVar] = {}
        self.arcs: list[Arcs] = []
        self.by_pair: dict[tuple[int, int], list[cp_model.IntVar]] = {}  # task pair -> arc literals
        self.dist_terms: list[tuple[int, cp_model.IntVar]] = []  # (scaled distance, arc literal)
        for k in range(len(inst.carers)):
            nodes = [t + 1 for t in sorted(allowed[k])]
            kept_nodes = [t + 1 for t in kept[k]]
            self._carer(k, nodes, kept_nodes)
        for t in range(len(inst.tasks)):
            m.add_exactly_one(
                self.assign[k, t] for k in range(len(inst.carers)) if (k, t) in self.assign
            )
        for s in inst.syncs:
            for k in range(len(inst.carers)):
                if (k, s.first) in self.assign and (k, s.second) in self.assign:
                    m.add_bool_or([self.assign[k, s.first].Not(), self.assign[k, s.second].Not()])
        self._precedences()

    def _carer(self, k: int, nodes: list[int], kept_nodes: list[int]) -> None:
        m = self.m
        arcs: Arcs = {}
        circuit: list[tuple[int, int, cp_model.LiteralT]] = []
        unused = m.new_bool_var(f"unused{k}")
        circuit.append((0, 0, unused))
        if kept_nodes:
            m.add(unused == 0)
        for n in nodes:
            a = m.new_bool_var(f"a{k}_{n - 1}")
            self.assign[k, n - 1] = a
            circuit.append((n, n, a.Not()))
            m.add_implication(a, unused.Not())
            if n in kept_nodes:
                m.add(a == 1)
        for i, j in _allowed_arcs(nodes, kept_nodes, self.same_patient):
            x = m.new_bool_var(f"x{k}_{i}_{j}")
            arcs[i, j] = x
            circuit.append((i, j, x))
            li = self.inst.tasks[i - 1].loc if i else DEPOT
            lj = self.inst.tasks[j - 1].loc if j else DEPOT
            self.dist_terms.append((self.d[li][lj], x))
            if i and j:
                self.by_pair.setdefault((i - 1, j - 1), []).append(x)
        for prev, node in zip(kept_nodes, kept_nodes[1:], strict=False):
            m.add(self.start[node - 1] >= self.start[prev - 1] + self.dur[prev - 1])
        m.add_circuit(circuit)
        self.arcs.append(arcs)

    def _precedences(self) -> None:
        """One enforced precedence per task pair: at most one carer can use arc i->j."""
        tasks = self.inst.tasks
        for (i, j), lits in self.by_pair.items():
            if len(lits) == 1:
                used = lits[0]
            else:
                used = self.m.new_bool_var(f"y{i}_{j}")
                self.m.add(sum(lits) == used)
            gap = self.dur[i] + self.d[tasks[i].loc][tasks[j].loc]
            self.m.add(self.start[j] >= self.start[i] + gap).only_enforce_if(used)

    def objective(self) -> cp_model.LinearExpr:
        dist = cp_model.LinearExpr.weighted_sum(
            [x for _, x in self.dist_terms], [c for c, _ in self.dist_terms]
        )
        return dist + sum(self.tard) + self.max_tard


def build(
    inst: Instance,
    horizon: float,
    allowed: list[set[int]] | None = None,
    kept: Sequences | None = None,
) -> Built:
    """allowed[k]: tasks carer k may do (default: all it is able to); kept[k]: tasks pinned to k
    in this order (default: none)."""
    n_carers = len(inst.carers)
    allowed = allowed or [set(inst.eligible(k)) for k in range(n_carers)]
    kept = kept or [[] for _ in range(n_carers)]
    b = _Builder(inst, horizon)
    b.times()
    b.routes(allowed, kept)
    objective = b.objective()
    b.m.minimize(objective)
    return Built(b.m, b.start, b.assign, b.arcs, objective)


def add_hint(built: Built, inst: Instance, seqs: Sequences, starts: list[float]) -> None:
    """Hint a complete solution (task sequences + their earliest starts) to the solver."""
    m = built.model
    on = {(k, t) for k, seq in enumerate(seqs) for t in seq}
    for key, var in built.assign.items():
        m.add_hint(var, key in on)
    for k, arcs in enumerate(built.arcs):
        path = [0] + [t + 1 for t in seqs[k]] + [0]
        used = set(zip(path, path[1:], strict=False)) if seqs[k] else set()
        for key, var in arcs.items():
            m.add_hint(var, key in used)
    for t, var in enumerate(built.start):
        m.add_hint(var, scaled(starts[t]))


def extract(built: Built, solver: cp_model.CpSolver, n_tasks: int) -> tuple[Sequences, list[float]]:
    """(sequences, starts in real time units) from a solved model."""
    seqs: Sequences = []
    for arcs in built.arcs:
        succ = {i: j for (i, j), x in arcs.items() if solver.boolean_value(x)}
        seq, node = [], succ.get(0, 0)
        while node != 0:
            seq.append(node - 1)
            node = succ[node]
        seqs.append(seq)
    starts = [solver.value(built.start[t]) / SCALE for t in range(n_tasks)]
    return seqs, starts
