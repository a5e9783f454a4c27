"""Syncing a visit record: exactly once by operation id, permission-checked, audited, and the
check-out rules (a due medicine without an outcome blocks it; over time asks why)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from carecircle.audit.models import AuditEvent
from carecircle.visits.models import (
    MedicineAdministration,
    SyncReceipt,
    TaskRecord,
    VisitRecord,
)
from carecircle.visits.services import record_sync
from tests.visits.conftest import snapshot


def _whole_visit(rec, **extra):
    t = rec.start + timedelta(minutes=2)
    return snapshot(
        rec,
        checked_in_at=rec.start,
        mood="good",
        mood_at=t,
        notes="Edna was cheerful.",
        tasks=[{"task_id": task.pk, "done": True, "recorded_at": t} for task in rec.tasks],
        doses=[
            {
                "id": uuid.uuid4(),
                "medicine_id": rec.medicine.public_id,
                "slot": rec.slot,
                "given_at": t,
                "outcome": "given",
                "recorded_at": t,
            }
        ],
        checked_out_at=rec.start + timedelta(minutes=rec.visit.duration_minutes),
        **extra,
    )


@pytest.mark.clock
def test_a_whole_visit_is_stored_once_and_audited(rec, people):
    data = _whole_visit(rec)
    first = record_sync(actor=people.carer, data=data)
    assert first["duplicate"] is False and first["warnings"] == []
    record = VisitRecord.objects.get(public_id=rec.record_id)
    assert record.checked_out_at is not None and record.mood == "good"
    rec.visit.refresh_from_db()
    assert rec.visit.status == "completed"
    assert TaskRecord.objects.filter(record=record).count() == len(rec.tasks)
    assert MedicineAdministration.objects.filter(record=record).count() == 1
    assert AuditEvent.objects.filter(action="visit_record_synced", client=people.edna).count() == 1

    again = record_sync(actor=people.carer, data=data)
    assert again == {**first, "duplicate": True}
    assert SyncReceipt.objects.filter(public_id=data.op_id).count() == 1
    assert VisitRecord.objects.filter(visit=rec.visit).count() == 1
    assert AuditEvent.objects.filter(action="visit_record_synced", client=people.edna).count() == 1


def test_check_out_is_blocked_while_a_due_medicine_has_no_outcome(rec, people):
    data = _whole_visit(rec, **{})
    data.doses = []
    result = record_sync(actor=people.carer, data=data)
    assert [w["code"] for w in result["warnings"]] == ["medicine_outcome_missing"]
    assert "Testamol" in result["warnings"][0]["message"]
    # The answer tells the phone to keep the check-out it sent, and which warning says why.
    assert result["check_out_refused"] is True
    assert result["warnings"][0]["refuses"] == "check_out"
    record = VisitRecord.objects.get(public_id=rec.record_id)
    assert record.checked_out_at is None and record.checked_in_at is not None
    assert record_sync(actor=people.carer, data=data)["check_out_refused"] is True  # resent

    fixed = _whole_visit(rec)
    answer = record_sync(actor=people.carer, data=fixed)
    assert answer["checked_out_at"] is not None and answer["check_out_refused"] is False


def test_a_refused_dose_needs_a_reason_and_counts_as_an_outcome(rec, people):
    data = _whole_visit(rec)
    data.doses[0].outcome = "refused"
    with pytest.raises(ValidationError) as err:
        record_sync(actor=people.carer, data=data)
    assert "doses.0.reason" in err.value.message_dict
    assert not SyncReceipt.objects.filter(public_id=data.op_id).exists()
    data.doses[0].reason = "Said she had already taken it."
    assert record_sync(actor=people.carer, data=data)["checked_out_at"] is not None


def test_a_task_not_done_needs_a_reason(rec, people):
    data = _whole_visit(rec)
    data.tasks[0].done = False
    with pytest.raises(ValidationError) as err:
        record_sync(actor=people.carer, data=data)
    assert "tasks.0.reason" in err.value.message_dict


def test_a_longer_visit_asks_why_but_is_stored(rec, people):
    data = _whole_visit(rec)
    data.checked_out_at = rec.start + timedelta(minutes=rec.visit.duration_minutes + 25)
    result = record_sync(actor=people.carer, data=data)
    assert [w["code"] for w in result["warnings"]] == ["over_time_reason_missing"]
    reason = snapshot(rec, over_time_reason="Edna had a fall; waited with her for the GP.")
    assert record_sync(actor=people.carer, data=reason)["warnings"] == []
    record = VisitRecord.objects.get(public_id=rec.record_id)
    assert record.over_time and record.over_time_reason.startswith("Edna had a fall")


def test_only_the_assigned_carer_or_the_team_leader_may_record(rec, people):
    with pytest.raises(PermissionDenied):
        record_sync(actor=people.carer2, data=snapshot(rec, notes="Not my visit."))
    with pytest.raises(Http404):
        record_sync(actor=people.outsider, data=snapshot(rec, notes="Another circle."))
    with pytest.raises(PermissionDenied):
        record_sync(actor=people.representative, data=snapshot(rec, notes="Sue."))
    result = record_sync(actor=people.team_leader, data=snapshot(rec, notes="Priya checked."))
    assert result["status"] == "stored"


def test_a_second_phone_is_merged_into_the_same_record(rec, people):
    a = snapshot(rec, checked_in_at=rec.start + timedelta(minutes=3), notes="Phone A.")
    b = snapshot(
        rec,
        record_id=uuid.uuid4(),
        checked_in_at=rec.start + timedelta(minutes=1),
        notes="Phone B.",
    )
    record_sync(actor=people.carer, data=a)
    result = record_sync(actor=people.carer, data=b)
    assert result["record_id"] == str(rec.record_id)
    record = VisitRecord.objects.get(visit=rec.visit)
    assert record.checked_in_at == rec.start + timedelta(minutes=1)
    assert record.notes == "Phone A.\n\nPhone B."
    assert record.aliases.get().public_id == b.record_id


def test_an_operation_id_cannot_be_replayed_by_someone_else(rec, people):
    data = snapshot(rec, notes="Mine.")
    record_sync(actor=people.carer, data=data)
    with pytest.raises(ValidationError):
        record_sync(actor=people.team_leader, data=data)


@pytest.mark.clock
def test_times_in_the_future_are_refused(rec, people):
    from django.utils import timezone

    data = snapshot(rec, checked_in_at=timezone.now() + timedelta(hours=2))
    with pytest.raises(ValidationError) as err:
        record_sync(actor=people.carer, data=data)
    assert "checked_in_at" in err.value.message_dict


def test_a_longer_visit_with_its_reason_raises_no_safeguarding_signal(rec, people):
    """Staying longer than planned is not a fault: no anomaly rule flags the visit."""
    from carecircle.safeguarding.anomalies import SHORT, compute_signals

    data = _whole_visit(rec, over_time_reason="Edna was upset; stayed until she settled.")
    data.checked_out_at = rec.start + timedelta(minutes=rec.visit.duration_minutes + 40)
    assert record_sync(actor=people.carer, data=data)["warnings"] == []
    record = VisitRecord.objects.get(public_id=rec.record_id)
    assert record.over_time and record.over_time_reason

    def about_this_visit():
        signals = compute_signals(circles=[people.riverside])
        return [s for s in signals if s.visit == rec.visit or str(record.public_id) in s.key]

    assert about_this_visit() == []
    # The rules do read this record: the same visit cut short is flagged.
    VisitRecord.objects.filter(pk=record.pk).update(checked_out_at=rec.start + timedelta(minutes=5))
    assert [s.kind for s in about_this_visit()] == [SHORT]


def test_over_time_reasons_from_two_phones_are_kept_in_full(rec, people):
    first = "Edna fell in the hall; " + "I waited with her for the paramedics. " * 7
    second = "The GP rang back late; " + "I stayed until her daughter arrived. " * 7
    assert len(first.strip()) > 250 and len(second.strip()) > 250
    record_sync(actor=people.carer, data=snapshot(rec, over_time_reason=first))
    record_sync(
        actor=people.carer,
        data=snapshot(rec, record_id=uuid.uuid4(), over_time_reason=second),
    )
    record = VisitRecord.objects.get(visit=rec.visit)
    assert record.over_time_reason == f"{first.strip()}\n\n{second.strip()}"
    # The phone sends back the merged reason it was shown: accepted, and nothing doubles.
    record_sync(actor=people.carer, data=snapshot(rec, over_time_reason=record.over_time_reason))
    record.refresh_from_db()
    assert record.over_time_reason == f"{first.strip()}\n\n{second.strip()}"


def test_an_update_is_audited_with_the_record_before_and_after(rec, people):
    record_sync(actor=people.carer, data=snapshot(rec, notes="Arrived; Edna asleep."))
    made = AuditEvent.objects.filter(action="visit_record_synced").latest("seq")
    assert "before" not in made.detail and made.detail["after"]["notes"] == "Arrived; Edna asleep."

    record_sync(
        actor=people.carer,
        data=snapshot(rec, checked_in_at=rec.start, notes="Edna woke; had tea."),
    )
    update = AuditEvent.objects.filter(action="visit_record_synced").latest("seq")
    before, after = update.detail["before"], update.detail["after"]
    assert before["notes"] == "Arrived; Edna asleep." and before["checked_in_at"] is None
    assert after["notes"] == "Arrived; Edna asleep.\n\nEdna woke; had tea."
    assert after["checked_in_at"] is not None
    assert (before["revision"], after["revision"]) == (2, 3)
