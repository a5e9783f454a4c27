"""Two people press "Take it" at the same moment: exactly one gets the place and the other is told
who did. Real concurrent transactions on PostgreSQL (SQLite serialises writers, so the race
cannot happen there; this test runs in the PostgreSQL pass of `make test`)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from carecircle.people.models import Carer
from carecircle.rota.models import Visit
from carecircle.rota.services import place_claim
from tests.factories import free_all_day, in_days, make_visit

pytestmark = pytest.mark.postgres_only


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = ("won", fn())
        except ValidationError as exc:
            results[i] = ("lost", " ".join(exc.messages))
        except Exception as exc:  # anything else is a failure of the test
            results[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_carers_claim_one_place_and_exactly_one_wins(demo_live, attempt):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    people = demo_live
    visit = make_visit(people.arthur, in_days(2, 15), name="Tea")
    ana, dave = Carer.objects.get(user=people.carer), Carer.objects.get(user=people.carer2)
    for c in (ana, dave):
        free_all_day(c, visit.date)
    results = _race(
        [
            lambda: place_claim(actor=people.carer, visit_id=visit.public_id),
            lambda: place_claim(actor=people.carer2, visit_id=visit.public_id),
        ]
    )
    outcomes = sorted(r[0] for r in results)
    assert outcomes == ["lost", "won"], results
    winner = Visit.objects.get(pk=visit.pk).assignments.get().carer
    loser_message = next(r[1] for r in results if r[0] == "lost")
    assert f"{winner.name} took this place first" in loser_message


@pytest.mark.django_db(transaction=True)
def test_one_carer_cannot_take_two_overlapping_places_at_once(demo_live):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    people = demo_live
    first = make_visit(people.arthur, in_days(2, 16), name="Tea")
    second = make_visit(people.arthur, in_days(2, 16, 10), name="Tea")
    free_all_day(Carer.objects.get(user=people.carer), first.date)
    results = _race(
        [
            lambda: place_claim(actor=people.carer, visit_id=first.public_id),
            lambda: place_claim(actor=people.carer, visit_id=second.public_id),
        ]
    )
    assert sorted(r[0] for r in results) == ["lost", "won"], results
    assert "overlap" in next(r[1] for r in results if r[0] == "lost")
