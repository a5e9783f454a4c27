"""The audit trail's hash chain: intact chains verify, changed and deleted events are named."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.urls import reverse

from carecircle.audit.models import AuditChainHead, AuditEvent
from carecircle.audit.selectors import audit_chain_problems, audit_events
from carecircle.audit.services import audit_record, audit_snapshot


def _write_some(people, n=5):
    events = []
    for i in range(n):
        events.append(
            audit_record(
                actor=people.carer,
                action="read" if i % 2 else "note_written",
                obj=people.edna,
                client=people.edna,
                detail={"n": i, "text": "café"},
            )
        )
    return events


def _verify():
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", stdout=out, stderr=err)
    return out.getvalue()


def test_events_are_chained_in_sequence(people):
    events = _write_some(people)
    seqs = [e.seq for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (events[-1].seq, events[-1].hash)
    assert "intact" in _verify()


def test_writes_carry_before_and_after(people):
    before = audit_snapshot(people.edna)
    people.edna.preferred_name = "Eddie"
    people.edna.save()
    event = audit_record(
        actor=people.team_leader, action="client_updated", obj=people.edna, before=before
    )
    event.refresh_from_db()
    assert event.detail["before"]["preferred_name"] == before["preferred_name"]
    assert event.detail["after"]["preferred_name"] == "Eddie"
    read = audit_record(actor=people.carer, action="read", obj=people.edna, client=people.edna)
    assert "after" not in read.detail
    assert "intact" in _verify()


def test_a_tampered_row_is_detected_and_named(people):
    events = _write_some(people)
    victim = events[2]
    AuditEvent.objects.filter(pk=victim.pk).update(detail={"n": 99})
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert f"event {victim.seq} " in err.getvalue()
    assert "changed" in err.getvalue()


def test_a_rehashed_row_breaks_the_next_link(people):
    from carecircle.audit.chain import hash_of

    events = _write_some(people)
    victim = AuditEvent.objects.get(pk=events[1].pk)
    victim.action = "innocent"
    victim.hash = hash_of(victim)
    victim.save()
    _, problems = audit_chain_problems()
    assert [(p.kind, p.seq) for p in problems] == [("broken_link", events[2].seq)]


def test_a_deleted_row_is_detected_and_named(people):
    events = _write_some(people)
    AuditEvent.objects.filter(pk=events[2].pk).delete()
    _, problems = audit_chain_problems()
    assert [(p.kind, p.seq) for p in problems] == [("deleted", events[2].seq)]
    assert f"event(s) {events[2].seq} deleted" in problems[0].message


def test_deleting_the_newest_rows_is_detected(people):
    events = _write_some(people)
    AuditEvent.objects.filter(pk__in=[events[-1].pk, events[-2].pk]).delete()
    _, problems = audit_chain_problems()
    assert [(p.kind, p.seq) for p in problems] == [("deleted", events[-2].seq)]


def test_a_row_written_around_the_chain_is_detected(people):
    _write_some(people, 2)
    AuditEvent.objects.create(at=events_at(), action="forged", object_type="client", object_id="x")
    _, problems = audit_chain_problems()
    assert [p.kind for p in problems] == ["unchained"]


def events_at():
    from django.utils import timezone

    return timezone.now()


def test_deleting_the_actor_does_not_break_the_chain(people):
    from carecircle.people.models import User

    temp = User.objects.create_user("temp", password="x")
    audit_record(actor=temp, action="read", obj=people.edna, client=people.edna)
    temp.delete()
    assert "intact" in _verify()


def _raw_update(sql: str, params) -> None:
    """Tamper as someone with database access would: straight SQL, no model code."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=AuditEvent._meta.db_table), params)


def test_reassigning_an_events_actor_is_detected_and_named(people):
    events = _write_some(people, 3)
    victim = events[1]
    _raw_update("UPDATE {table} SET actor_id = %s WHERE seq = %s", [people.carer2.pk, victim.seq])
    _, problems = audit_chain_problems()
    assert [(p.kind, p.seq) for p in problems] == [("reassigned", victim.seq)]
    assert "actor" in problems[0].message
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert f"event {victim.seq} " in err.getvalue()


def test_reassigning_an_events_client_is_detected_and_named(people):
    events = _write_some(people, 3)
    victim = events[2]
    _raw_update("UPDATE {table} SET client_id = %s WHERE seq = %s", [people.arthur.pk, victim.seq])
    _, problems = audit_chain_problems()
    assert [(p.kind, p.seq) for p in problems] == [("reassigned", victim.seq)]
    assert "client" in problems[0].message


def test_detaching_an_event_from_a_living_actor_is_detected(people):
    """Nulling the key hides the event from a search by name; only deleting the user may do it."""
    events = _write_some(people, 2)
    _raw_update("UPDATE {table} SET actor_id = NULL WHERE seq = %s", [events[0].seq])
    _, problems = audit_chain_problems()
    assert [(p.kind, p.seq) for p in problems] == [("reassigned", events[0].seq)]


def test_giving_an_anonymous_event_an_actor_is_detected(people):
    event = audit_record(actor=None, action="read", obj=people.edna, client=people.edna)
    assert event.actor_ref == ""
    _raw_update("UPDATE {table} SET actor_id = %s WHERE seq = %s", [people.carer.pk, event.seq])
    _, problems = audit_chain_problems()
    assert [(p.kind, p.seq) for p in problems] == [("reassigned", event.seq)]


def test_a_rolled_back_write_leaves_no_gap(people):
    _write_some(people, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=people.carer, action="read", obj=people.edna, client=people.edna)
        raise RuntimeError
    _write_some(people, 1)
    assert "intact" in _verify()


def test_search_filters_and_exports(client, people):
    _write_some(people, 3)
    audit_record(actor=people.carer2, action="read", obj=people.arthur, client=people.arthur)
    client.force_login(people.safeguarding)
    response = client.get(
        reverse("audit_home"), {"actor": "dave", "client": str(people.arthur.public_id)}
    )
    assert response.status_code == 200
    events = list(response.context["events"])
    assert events and all(e.actor == people.carer2 for e in events)
    assert all(e.client == people.arthur for e in events)
    response = client.get(reverse("audit_export"), {"actor": "ana", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and {r["actor"] for r in rows} == {"ana"}
    response = client.get(reverse("audit_export"), {"action": "note_written", "format": "json"})
    data = json.loads(response.content)
    assert data and {r["action"] for r in data} == {"note_written"}
    assert all(len(r["hash"]) == 64 for r in data)
    # Exporting the trail is itself on the trail.
    assert AuditEvent.objects.filter(actor=people.safeguarding, action="export").count() == 2


def test_a_bad_date_range_is_explained(client, people):
    client.force_login(people.safeguarding)
    response = client.get(
        reverse("audit_home"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert "before the start date" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain(demo_live):
    """Eight threads, each with its own connection, audit twenty events in their own
    transactions: on PostgreSQL they race for the chain head; the chain must stay gap-free."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with real concurrent connections")
    from django.db import connections

    people = demo_live
    errors = []
    barrier = threading.Barrier(8)

    def writer():
        try:
            barrier.wait()
            for i in range(20):
                with transaction.atomic():
                    audit_record(
                        actor=people.carer,
                        action="read",
                        obj=people.edna,
                        client=people.edna,
                        detail={"i": i},
                    )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    count, problems = audit_chain_problems()
    assert not problems
    assert AuditEvent.objects.filter(detail__i__gte=0).count() == 160


def test_the_lead_checks_the_chain_from_the_page(client, people):
    events = _write_some(people, 3)
    client.force_login(people.safeguarding)
    assert (
        "The chain is intact" in client.get(reverse("audit_home"), {"verify": "1"}).content.decode()
    )
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    page = client.get(reverse("audit_home"), {"verify": "1"}).content.decode()
    assert "tampered with" in page and f"event(s) {events[1].seq} deleted" in page


def test_someone_of_no_organisation_sees_no_events_not_every_client_less_one(people):
    """A safeguarding lead left without an organisation once saw every event about no client
    (sign-ins, exports) across all organisations."""
    audit_record(actor=people.manager, action="export", obj=people.manager)
    assert AuditEvent.objects.filter(client__isnull=True).exists()
    assert not audit_events(organisation_id=None).exists()
    assert audit_events(organisation_id=None, everything=True).filter(client__isnull=True).exists()
