"""Home health care routing and scheduling (HHCRSP, Mankowska et al. 2014) with CP-SAT + LNS.

Self-contained: no Django and nothing else from carecircle, so benchmarks can run it bare."""

from .evaluate import check, evaluate
from .instance import Instance, load_instance
from .solution import to_solution_json
from .solver import Result, solve

__all__ = ["Instance", "Result", "check", "evaluate", "load_instance", "solve", "to_solution_json"]
