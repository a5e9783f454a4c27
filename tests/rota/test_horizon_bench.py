"""benchmarks/horizon.py at a small size: the first fill and the nightly top-up for 20 clients
make every occurrence once, and the top-up's queries do not grow with the horizon."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import time_machine
from django.db import connection

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _bench():
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("horizon_bench", BENCHMARKS / "horizon.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_horizon_benchmark_for_twenty_clients(db):
    bench = _bench()
    clients = bench.make_clients(20, slug="horizon-bench-test")
    with time_machine.travel(bench.START, tick=False):
        first, top_up, summary = bench.run(clients=clients, weeks=8, database=connection.vendor)
    assert first["created"] == 20 * 56 * 3 and first["client_weeks"] == 20 * 8
    assert top_up["created"] == 20 * 3 and top_up["client_weeks"] == 20
    assert summary["duplicates"] == 0 and summary["visits"] == 20 * 57 * 3
    # A handful of queries a client each night (its audit row, mostly), whatever the horizon.
    assert summary["queries_per_client"] <= 8
    assert summary["top_up_s"] < 30
