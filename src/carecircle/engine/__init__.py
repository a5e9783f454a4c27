"""carecircle's rota engine: pure Python on OR-Tools CP-SAT, no Django.

Frozen dataclasses in (`Problem`), a `Solution` out with its status, objective and bound, named
penalties, a reason for every unfilled place and a "why" for every assignment. `check` verifies
every hard rule independently of the solver."""

from .baseline import greedy_rota
from .checker import check
from .disruptions import carer_away, visit_added, visit_cancelled, visit_moved
from .formats import assignments_from_json, problem_from_json, solution_to_json
from .model import (
    Assignment,
    Carer,
    Change,
    Client,
    Problem,
    Settings,
    Solution,
    Unfilled,
    Visit,
    Weights,
)
from .responders import Need, Responder, rank_responders
from .solver import plan_changes, repair, solve

__all__ = [
    "Assignment",
    "Carer",
    "Change",
    "Need",
    "Client",
    "Problem",
    "Responder",
    "Settings",
    "Solution",
    "Unfilled",
    "Visit",
    "Weights",
    "assignments_from_json",
    "carer_away",
    "check",
    "greedy_rota",
    "plan_changes",
    "problem_from_json",
    "rank_responders",
    "repair",
    "solution_to_json",
    "solve",
    "visit_added",
    "visit_cancelled",
    "visit_moved",
]
