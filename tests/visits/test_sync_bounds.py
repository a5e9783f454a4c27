"""Hostile or broken input to the sync endpoint: text is bounded per field and per record (a
merge that would pass the bound is refused and loses nothing already stored), each sync's audit
event holds what changed rather than two copies of the record, timestamps must carry a time zone
and lie in a sane range, and control characters are refused — each a 422 naming the field."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carecircle.audit.models import AuditEvent
from carecircle.visits.models import Expense, SyncReceipt, VisitRecord
from carecircle.visits.services import record_sync
from tests.visits.conftest import snapshot

SYNC = "/api/v1/records/sync"
# The limits README.md states (characters; expenses per record).
NOTES_MAX = 10_000
OVER_TIME_REASON_MAX = 2_000
EXPENSES_PER_RECORD_MAX = 50


def _post(client, people, rec, **fields):
    client.force_login(people.carer)
    body = {
        "op_id": str(uuid.uuid4()),
        "record_id": str(rec.record_id),
        "visit_id": str(rec.visit.public_id),
        **fields,
    }
    return client.post(SYNC, json.dumps(body), content_type="application/json")


def _paragraph(i: int, size: int) -> str:
    return f"Paragraph {i}: " + ("Edna talked about the war and her sister. " * size)[:size]


# --- A: bounded text ---------------------------------------------------------------------------


def test_notes_longer_than_the_limit_are_refused_naming_the_field_and_limit(client, people, rec):
    response = _post(client, people, rec, notes="x" * (NOTES_MAX + 1))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert "notes" in error["fields"] and str(NOTES_MAX) in error["fields"]["notes"]
    assert not VisitRecord.objects.filter(visit=rec.visit).exists()


def test_a_merge_past_the_limit_is_refused_and_keeps_what_was_stored(client, people, rec):
    first = _paragraph(1, NOTES_MAX - 100)
    assert _post(client, people, rec, notes=first).status_code == 200
    op_count = SyncReceipt.objects.count()
    revision = VisitRecord.objects.get(visit=rec.visit).revision
    # Another phone's notes, each under the limit, would merge to more than it.
    other = _paragraph(2, 500)
    response = _post(client, people, rec, record_id=str(uuid.uuid4()), notes=other)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert "notes" in error["fields"] and f"{NOTES_MAX:,}" in error["fields"]["notes"]
    record = VisitRecord.objects.get(visit=rec.visit)
    assert record.notes == first.strip() and record.revision == revision
    assert SyncReceipt.objects.count() == op_count  # the refused operation left nothing


def test_over_time_reasons_are_bounded_after_the_merge_too(people, rec):
    record_sync(actor=people.carer, data=snapshot(rec, over_time_reason="a" * 1500))
    with pytest.raises(ValidationError) as err:
        record_sync(actor=people.carer, data=snapshot(rec, over_time_reason="b" * 1500))
    assert "over_time_reason" in err.value.message_dict
    assert f"{OVER_TIME_REASON_MAX:,}" in " ".join(err.value.message_dict["over_time_reason"])
    assert VisitRecord.objects.get(visit=rec.visit).over_time_reason == "a" * 1500


def test_expenses_per_record_are_bounded(people, rec):
    def expenses(n):
        return [
            {
                "id": uuid.uuid4(),
                "amount": "1.00",
                "kind": "shopping",
                "spent_at": rec.start,
            }
            for _ in range(n)
        ]

    record_sync(actor=people.carer, data=snapshot(rec, expenses=expenses(EXPENSES_PER_RECORD_MAX)))
    with pytest.raises(ValidationError) as err:
        record_sync(actor=people.carer, data=snapshot(rec, expenses=expenses(1)))
    assert "expenses" in err.value.message_dict
    assert Expense.objects.filter(record__visit=rec.visit).count() == EXPENSES_PER_RECORD_MAX


def test_the_openapi_schema_states_the_limits(client):
    schema = client.get("/api/v1/openapi.json").json()
    record = schema["components"]["schemas"]["RecordIn"]["properties"]
    assert record["notes"]["maxLength"] == NOTES_MAX
    assert record["over_time_reason"]["maxLength"] == OVER_TIME_REASON_MAX
    assert record["expenses"]["maxItems"] == EXPENSES_PER_RECORD_MAX
    assert "2000-01-01" in json.dumps(record["checked_in_at"])


def test_a_sync_audits_what_changed_not_two_copies(people, rec):
    notes = _paragraph(1, 5000)
    record_sync(actor=people.carer, data=snapshot(rec, notes=notes, checked_in_at=rec.start))
    more = notes + "\n\n" + _paragraph(2, 3000)
    record_sync(actor=people.carer, data=snapshot(rec, notes=more, mood="good", mood_at=rec.start))
    event = AuditEvent.objects.filter(action="visit_record_synced").latest("seq")
    assert sorted(event.detail["fields"]) == ["mood", "mood_at", "notes"]
    assert "checked_in_at" not in event.detail["after"]  # unchanged: not copied again
    after = event.detail["after"]["notes"]
    record = VisitRecord.objects.get(visit=rec.visit)
    assert after["length"] == len(record.notes) and len(after["sha256"]) == 64
    assert event.detail["before"]["notes"]["length"] == len(notes.strip())
    assert len(json.dumps(event.detail)) < 2000


def test_150_syncs_of_large_notes_grow_the_trail_linearly(people, rec):
    """The finding: 150 syncs of large notes grew the database quadratically (each audit event
    held the whole notes twice). Now each event is bounded, whatever the notes' length."""
    notes, sizes = "", []
    for i in range(150):
        notes = (notes + "\n\n" + _paragraph(i, 50)).strip()
        record_sync(actor=people.carer, data=snapshot(rec, notes=notes))
        event = AuditEvent.objects.filter(action="visit_record_synced").latest("seq")
        sizes.append(len(json.dumps(event.detail)))
    assert len(VisitRecord.objects.get(visit=rec.visit).notes) > 9000
    assert max(sizes) < 2000
    first, last = sum(sizes[:50]), sum(sizes[-50:])
    assert last < 1.5 * first  # roughly linear in the number of syncs, not in the notes


# --- B and C: timestamps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, name",
    [
        ({"checked_in_at": "2026-12-04T07:05:00"}, "checked_in_at"),
        ({"mood": "good", "mood_at": "2026-12-04T07:05:00"}, "mood_at"),
    ],
)
def test_a_time_without_a_zone_is_a_422_naming_the_field(client, people, rec, fields, name):
    response = _post(client, people, rec, **fields)
    assert response.status_code == 422, response.content
    assert "must carry a time zone" in response.json()["error"]["fields"][name]


def test_naive_times_in_tasks_and_doses_are_422s(client, people, rec):
    task = {"task_id": rec.tasks[0].pk, "done": True, "recorded_at": "2026-12-04T07:05:00"}
    response = _post(client, people, rec, tasks=[task])
    assert response.status_code == 422
    assert "must carry a time zone" in response.json()["error"]["fields"]["tasks.0.recorded_at"]
    dose = {
        "id": str(uuid.uuid4()),
        "medicine_id": str(rec.medicine.public_id),
        "slot": rec.slot,
        "given_at": "2026-12-04T07:05:00",
        "outcome": "given",
        "recorded_at": rec.start.isoformat(),
    }
    response = _post(client, people, rec, doses=[dose])
    assert response.status_code == 422
    assert "doses.0.given_at" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "9999-01-01T00:00:00Z"]
)
def test_times_out_of_range_are_422s(client, people, rec, when):
    response = _post(client, people, rec, checked_in_at=when)
    assert response.status_code == 422, response.content
    assert "2000-01-01" in response.json()["error"]["fields"]["checked_in_at"]
    assert not VisitRecord.objects.filter(visit=rec.visit).exists()


# --- control characters ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Edna\x00asleep", "bell\x07", "esc\x1b[2J", "del\x7f", "\ud800"])
def test_control_characters_in_text_are_refused(client, people, rec, text):
    response = _post(client, people, rec, notes=text)
    assert response.status_code == 422, response.content
    assert "notes" in response.json()["error"]["fields"]
    assert not VisitRecord.objects.filter(visit=rec.visit).exists()


def test_tabs_and_newlines_are_kept(client, people, rec):
    response = _post(client, people, rec, notes="Tea\tbiscuits\r\nthen a walk.")
    assert response.status_code == 200, response.content


def test_the_record_page_states_the_limits_and_its_form_is_refused_past_them(client, people, rec):
    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    page = client.get(url).content.decode()
    assert f'name="notes" rows="4" maxlength="{NOTES_MAX}"' in page
    assert f'maxlength="{OVER_TIME_REASON_MAX}"' in page
    # Without the browser's check (no JavaScript, or an old browser): refused, nothing stored.
    client.post(url, {"action": "save", "notes": "x" * (NOTES_MAX + 1)})
    assert not VisitRecord.objects.filter(visit=rec.visit).exists()
    client.post(url, {"action": "save", "notes": "Edna\x00"})
    assert not VisitRecord.objects.filter(visit=rec.visit).exists()
