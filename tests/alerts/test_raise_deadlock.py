"""Raising a help call while another transaction holds the audit chain: no deadlock.

Raising locks the client's row, then waits for the audit chain head. A transaction already holding
the head that recorded an event about the same client needs a KEY SHARE lock on the client's row
when it commits (PostgreSQL checks Django's deferred foreign keys then). Under `FOR UPDATE` the two
waited on each other until PostgreSQL killed one ("deadlock detected", found by the load test);
`FOR NO KEY UPDATE` still serialises raising per client but lets the foreign-key check through.
Real concurrent transactions on PostgreSQL (SQLite runs one writer at a time)."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection, connections, transaction

from carecircle.alerts import services
from carecircle.alerts.models import HelpAlert
from carecircle.audit.models import AuditEvent
from carecircle.audit.services import audit_record
from tests.alerts.oncall import take_calls_off_duty

# Skipped before the demo is loaded (and flushed again) on SQLite, where the race cannot happen.
pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="real concurrent transactions need PostgreSQL (SQLite serialises writers)",
    ),
]


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "select count(*) from pg_stat_activity "
            "where datname = current_database() and wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_raising_does_not_deadlock_with_an_audit_about_the_same_client(demo_live):
    people = demo_live
    HelpAlert.objects.all().delete()
    take_calls_off_duty(people.riverside)
    holding, raiser_waits = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def audit_then_commit() -> None:
        try:
            with transaction.atomic():
                audit_record(actor=None, action="client_note", obj=people.edna, client=people.edna)
                holding.set()  # the chain head is ours until we commit
                assert raiser_waits.wait(timeout=10), "the raiser never queued on the chain"
            # commit: the foreign-key check takes KEY SHARE on Edna's row here
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def raise_call() -> None:
        try:
            assert holding.wait(timeout=10)
            services.alert_raise(actor=people.client, client=people.edna)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=audit_then_commit), threading.Thread(target=raise_call)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while not _waiting_on_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    raiser_waits.set()  # the raiser holds Edna's row and waits for the chain head
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert HelpAlert.objects.filter(client=people.edna).count() == 1
    assert AuditEvent.objects.filter(action="client_note", client=people.edna).count() == 1
    assert AuditEvent.objects.filter(action="alert_raise", client=people.edna).count() == 1
