"""Tiny problems for the engine's tests: no database, no Django."""

from __future__ import annotations

import pytest

from carecircle import engine

FAST = engine.Settings(time_limit_s=5, workers=2)
ALL_DAY = ((0, 7 * 1440),)


def carer(id, skills=(), availability=ALL_DAY, **kw):
    return engine.Carer(id=id, skills=frozenset(skills), availability=tuple(availability), **kw)


def client(id, location=(0.0, 0.0), **kw):
    for key in ("avoid", "preferred"):
        if key in kw:
            kw[key] = frozenset(kw[key])
    return engine.Client(id=id, location=location, **kw)


def visit(id, client="k1", at=8 * 60, window=60, duration=30, needed=1, skills=()):
    return engine.Visit(
        id=id,
        client=client,
        earliest_start=at,
        latest_start=at + window,
        duration=duration,
        carers_needed=needed,
        skills=frozenset(skills),
    )


def problem(visits, carers, clients=None, **kw):
    clients = clients or [client(k) for k in sorted({v.client for v in visits})]
    return engine.Problem(
        name="tiny", clients=tuple(clients), carers=tuple(carers), visits=tuple(visits), **kw
    )


def solve_checked(p, settings=FAST):
    """Every engine output in the tests goes through the independent checker."""
    solution = engine.solve(p, settings)
    assert engine.check(p, solution) == []
    return solution


@pytest.fixture
def settings():
    return FAST
