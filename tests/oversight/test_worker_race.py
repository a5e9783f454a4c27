"""Three circle workers (as on three machines) tick at the same moment on real concurrent
PostgreSQL connections: each job runs in exactly one of them, so a due help-call wave goes out
once, an unanswered call is escalated once and each circle's health is measured once. (SQLite
runs one writer at a time; the same claims are checked in turn in tests/oversight/test_jobs.py.)"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from carecircle.alerts import services
from carecircle.alerts.models import HelpAlert
from carecircle.circles.models import Circle
from carecircle.notifications.models import Notification
from carecircle.oversight import jobs
from carecircle.oversight.models import Escalation, HealthSnapshot, JobClaim
from tests.alerts.oncall import take_calls_off_duty

# Skipped before the demo is loaded (and flushed again) on SQLite, where the race cannot happen.
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="real concurrent transactions need PostgreSQL (SQLite serialises writers)",
    ),
]


def _tick_together(schedules: list[jobs.Schedule]) -> list[dict]:
    barrier = threading.Barrier(len(schedules))
    results: list = [None] * len(schedules)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = schedules[i].run_due()
        except Exception as exc:  # a failure of the test, reported below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(schedules))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(r, dict) for r in results), results
    return results


@pytest.mark.django_db(transaction=True)
def test_three_workers_racing_fire_each_timer_once(demo_live, settings):
    people = demo_live
    HelpAlert.objects.all().delete()
    take_calls_off_duty(people.riverside)  # someone to ask at any hour
    settings.ALERT_WAVE_SIZE = 1
    past = timezone.now() - timedelta(minutes=3)  # the next wave and the team leaders are due
    alert, _ = services.alert_raise(actor=people.client, client=people.edna, now=past)
    assert alert.offers.count() == 1 and len(alert.ranking) >= 2
    snapshots = HealthSnapshot.objects.count()

    results = _tick_together([jobs.Schedule() for _ in range(3)])

    ran = [name for result in results for name in result]
    assert sorted(ran) == sorted(job.name for job in jobs.JOBS)  # each job once, in one worker
    alert.refresh_from_db()
    assert alert.wave == 2 and alert.offers.count() == 2  # one new wave, not three
    asked = Notification.objects.filter(subject__startswith="Help now", url__contains="/help/")
    assert asked.count() == 2
    esc = Escalation.objects.filter(key=f"alert:{alert.public_id}")
    assert esc.count() == 1 and esc.get().level == 1
    assert HealthSnapshot.objects.count() == snapshots + Circle.objects.count()
    assert not JobClaim.objects.filter(running_until__isnull=False).exists()  # all released

    # At once again: nothing is due in any worker (the regular jobs are a minute away).
    again = _tick_together([jobs.Schedule() for _ in range(3)])
    assert not {name for result in again for name in result} - {"alerts", "delivered"}
