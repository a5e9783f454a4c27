"""Two carers press "I'm going" at the same moment: exactly one goes, the other is told who.
Real concurrent transactions on PostgreSQL (SQLite serialises writers); and the help-call timers
survive the worker being killed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from carecircle.alerts import services
from carecircle.alerts.models import AlertStatus, HelpAlert, OfferState
from carecircle.oversight.models import Escalation
from tests.alerts.oncall import take_calls_off_duty
from tests.rota.test_claim_race import _race
from tests.workers import kill_then_tick_twice


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_carers_accept_at_once_and_exactly_one_goes(demo_live, attempt):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    people = demo_live
    HelpAlert.objects.all().delete()
    take_calls_off_duty(people.riverside)  # someone to ask at any hour
    alert, _ = services.alert_raise(actor=people.client, client=people.edna)
    offers = list(alert.offers.select_related("carer__user")[:2])
    assert len(offers) == 2, "the demo circle has at least two carers to ask"
    results = _race(
        [
            (lambda o=o: services.offer_accept(actor=o.carer.user, offer_id=o.public_id))
            for o in offers
        ]
    )
    assert sorted(r[0] for r in results) == ["lost", "won"], results
    alert.refresh_from_db()
    winner = next(o for o, r in zip(offers, results, strict=True) if r[0] == "won")
    loser_message = next(r[1] for r in results if r[0] == "lost")
    assert alert.status == AlertStatus.ACCEPTED and alert.responder_id == winner.carer_id
    assert f"{winner.carer.user.first_name} is already on the way" in loser_message
    assert alert.offers.filter(state=OfferState.ACCEPTED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_help_call_timers_survive_a_worker_restart(demo_live, settings):
    """Raise a call, kill the worker with SIGKILL, start another after the wave and escalation
    times have passed: the new worker sends the next wave and escalates, exactly once."""
    people = demo_live
    HelpAlert.objects.all().delete()
    take_calls_off_duty(people.riverside)  # someone to ask at any hour
    settings.ALERT_WAVE_SIZE = 1
    past = timezone.now() - timedelta(minutes=10)  # as if raised ten minutes ago
    alert, _ = services.alert_raise(actor=people.client, client=people.edna, now=past)
    assert alert.offers.count() == 1 and alert.next_wave_at < timezone.now()
    assert alert.escalate_at < timezone.now()
    kill_then_tick_twice({"ALERT_WAVE_SIZE": "1"})
    alert.refresh_from_db()
    assert alert.offers.count() == min(2, len(alert.ranking)) or alert.wave >= 2
    esc = Escalation.objects.filter(key=f"alert:{alert.public_id}")
    assert esc.count() == 1 and esc.get().level == 2  # 10 min: past the manager's time too
