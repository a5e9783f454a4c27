"""Sync a visit record from a phone, exactly once per operation UUID.

Exactly once: the operation's UUID is inserted into SyncReceipt in the same transaction as the
changes it makes. A resend (the phone never heard the answer) finds the receipt and gets the
stored answer back; two copies racing each other meet at the receipt's unique index, and the loser
returns the winner's answer. The record row is locked (select_for_update) while it is merged, so
two phones syncing the same record at once are applied one after the other by the rules in
visits/merge.py.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.rota.models import Visit, VisitStatus
from carecircle.visits import merge
from carecircle.visits.access import access_visit_for_recording
from carecircle.visits.models import (
    Expense,
    ExpenseKind,
    Medicine,
    MedicineAdministration,
    Mood,
    Outcome,
    RecordAlias,
    SyncReceipt,
    TaskRecord,
    VisitRecord,
)
from carecircle.visits.schemas import RecordIn
from carecircle.visits.selectors import due_doses, tasks_for_visit
from carecircle.visits.services.family import arrivals_tell_family
from carecircle.visits.services.receipts import receipt_path

# Clocks on phones drift; a record more than this far in the future is a mistake, not a visit.
FUTURE_SLACK_MINUTES = 10


def record_sync(*, actor, data: RecordIn) -> dict:
    """Apply one queued operation. Returns the answer to send (and to resend for duplicates)."""
    held = SyncReceipt.objects.filter(public_id=data.op_id).first()
    if held is not None:
        return _duplicate(actor, held)
    try:
        with transaction.atomic():
            receipt = SyncReceipt.objects.create(public_id=data.op_id, user=actor, result={})
            record, result = _apply(actor, data)
            receipt.record = record
            receipt.result = result
            receipt.save(update_fields=["record", "result"])
            return result
    except IntegrityError:
        held = SyncReceipt.objects.filter(public_id=data.op_id).first()
        if held is None:
            raise
        return _duplicate(actor, held)


def _duplicate(actor, receipt: SyncReceipt) -> dict:
    if receipt.user_id != actor.pk:
        raise ValidationError({"op_id": "This operation id was already used by someone else."})
    return {**receipt.result, "duplicate": True}


def _lock_record(visit, carer, record_id) -> tuple[VisitRecord, bool]:
    """The record of this visit by this carer, locked, and whether it was created just now."""
    record = VisitRecord.objects.select_for_update().filter(visit=visit, carer=carer).first()
    if record is None:
        try:
            with transaction.atomic():
                new = VisitRecord.objects.create(
                    public_id=record_id, visit=visit, carer=carer, client=visit.client
                )
                return new, True
        except IntegrityError:
            # Another phone created it a moment ago (same visit), or the id is taken elsewhere.
            record = (
                VisitRecord.objects.select_for_update().filter(visit=visit, carer=carer).first()
            )
            if record is None:
                raise ValidationError(
                    {"record_id": "This record id belongs to another visit."}
                ) from None
    if record.public_id != record_id:
        if VisitRecord.objects.filter(public_id=record_id).exists():
            raise ValidationError({"record_id": "This record id belongs to another visit."})
        # A second phone began its own record of the same visit: keep one, remember the other.
        alias, _ = RecordAlias.objects.get_or_create(
            public_id=record_id, defaults={"record": record}
        )
        if alias.record_id != record.pk:
            raise ValidationError({"record_id": "This record id belongs to another visit."})
    return record, False


def _check_times(data: RecordIn) -> None:
    limit = timezone.now() + timedelta(minutes=FUTURE_SLACK_MINUTES)
    errors = {}
    for name in ("checked_in_at", "checked_out_at", "mood_at"):
        value = getattr(data, name)
        if value is not None and value > limit:
            errors[name] = "This time is in the future; check the phone's clock."
    if data.checked_in_at and data.checked_out_at and data.checked_out_at < data.checked_in_at:
        errors["checked_out_at"] = "Check-out is before check-in."
    if errors:
        raise ValidationError(errors)


def _apply(actor, data: RecordIn) -> tuple[VisitRecord, dict]:
    visit, carer = access_visit_for_recording(actor, data.visit_id)
    _check_times(data)
    data, place_dropped = _without_place_unless_consented(visit.client, data)
    record, created = _lock_record(visit, carer, data.record_id)
    before = _snapshot(record)
    # The audit's "before": the record as it was (none when this operation made it).
    audit_before = None if created else audit_snapshot(record)
    _merge_fields(record, data)
    children_changed = _merge_tasks(record, visit, data)
    children_changed |= _merge_doses(record, visit, data)
    children_changed |= _merge_expenses(record, carer, data)
    refused = _merge_check_out(record, visit, data)
    warnings = [w for w in (place_dropped, refused, _over_time(record)) if w]
    changed = children_changed or _snapshot(record) != before
    arrivals_tell_family(
        record=record,
        arrived=before[0] is None and record.checked_in_at is not None,
        left=before[1] is None and record.checked_out_at is not None,
    )
    if changed:
        record.revision += 1
        record.save()
    audit_record(
        actor=actor,
        action="visit_record_synced",
        obj=record,
        client=record.client,
        before=audit_before,
        after=audit_snapshot(record),
        detail={
            "op": str(data.op_id),
            "visit": str(visit.public_id),
            "changed": changed,
            "warnings": [w["code"] for w in warnings],
        },
    )
    return record, _answer(data, record, warnings, check_out_refused=refused is not None)


PLACE_FIELDS = ("check_in_lat", "check_in_lon", "check_out_lat", "check_out_lon")


def _without_place_unless_consented(client, data: RecordIn) -> tuple[RecordIn, dict | None]:
    """Where the carer was is stored only while the client agrees (services/consent.py); consent
    is read when the record arrives, so a withdrawal also covers records still on phones."""
    if client.location_consent_at is not None:
        return data, None
    if all(getattr(data, name) is None for name in PLACE_FIELDS):
        return data, None
    return data.model_copy(update=dict.fromkeys(PLACE_FIELDS)), {
        "code": "location_not_recorded",
        "message": "Your location was not stored: the client has not agreed to it being recorded.",
        "field": "check_in_lat",
    }


def _merge_fields(record: VisitRecord, data: RecordIn) -> None:
    record.checked_in_at, (record.check_in_lat, record.check_in_lon) = merge.merge_check_in(
        (record.checked_in_at, (record.check_in_lat, record.check_in_lon)),
        (data.checked_in_at, (data.check_in_lat, data.check_in_lon)),
    )
    record.mood_at, record.mood = merge.merge_mood(
        (record.mood_at, record.mood), (data.mood_at, Mood(data.mood).value if data.mood else "")
    )
    record.notes = merge.merge_text(record.notes, data.notes)
    record.over_time_reason = merge.merge_text(record.over_time_reason, data.over_time_reason)


def _merge_check_out(record: VisitRecord, visit, data: RecordIn) -> dict | None:
    """Apply the later check-out unless a rule stops it; the rule's warning otherwise."""
    out = merge.merge_check_out(
        (record.checked_out_at, (record.check_out_lat, record.check_out_lon)),
        (data.checked_out_at, (data.check_out_lat, data.check_out_lon)),
    )
    if out[0] == record.checked_out_at:
        return None
    blocked = _check_out_blocked(record, visit, out[0])
    if blocked:
        return blocked
    record.checked_out_at, (record.check_out_lat, record.check_out_lon) = out
    # The visit happened: the rota stops offering it for swaps and cover.
    Visit.objects.filter(pk=visit.pk, status=VisitStatus.PLANNED).update(
        status=VisitStatus.COMPLETED
    )
    return None


def _over_time(record: VisitRecord) -> dict | None:
    if record.over_time and not record.over_time_reason:
        return {
            "code": "over_time_reason_missing",
            "message": "The visit was longer than planned: please say why (it is not a fault).",
            "field": "over_time_reason",
        }
    return None


def _answer(
    data: RecordIn, record: VisitRecord, warnings: list[dict], *, check_out_refused: bool
) -> dict:
    # A refused check-out is not stored: `check_out_refused` tells the phone to keep it (with the
    # warning marked "refuses": "check_out" as the reason) until the carer can send it again.
    return {
        "op_id": str(data.op_id),
        "record_id": str(record.public_id),
        "status": "stored",
        "duplicate": False,
        "revision": record.revision,
        "warnings": warnings,
        "check_out_refused": check_out_refused,
        "checked_in_at": record.checked_in_at.isoformat() if record.checked_in_at else None,
        "checked_out_at": record.checked_out_at.isoformat() if record.checked_out_at else None,
    }


def _snapshot(record: VisitRecord) -> tuple:
    return (
        record.checked_in_at,
        record.checked_out_at,
        record.check_in_lat,
        record.check_in_lon,
        record.check_out_lat,
        record.check_out_lon,
        record.mood,
        record.mood_at,
        record.notes,
        record.over_time_reason,
    )


def _merge_tasks(record: VisitRecord, visit, data: RecordIn) -> bool:
    if not data.tasks:
        return False
    changed = False
    allowed = {t.pk for t in tasks_for_visit(visit)}
    held = {t.task_id: t for t in record.tasks.all()}
    for i, item in enumerate(data.tasks):
        if item.task_id not in allowed:
            raise ValidationError({f"tasks.{i}.task_id": "This task is not part of this visit."})
        if not item.done and not item.reason.strip():
            raise ValidationError({f"tasks.{i}.reason": "Say why the task was not done."})
        new = {"done": item.done, "reason": item.reason.strip(), "recorded_at": item.recorded_at}
        old = held.get(item.task_id)
        old_d = (
            {"done": old.done, "reason": old.reason, "recorded_at": old.recorded_at}
            if old
            else None
        )
        won = merge.merge_task(old_d, new)
        if old is None:
            held[item.task_id] = TaskRecord.objects.create(
                record=record, task_id=item.task_id, **won
            )
            changed = True
        elif won is not old_d:
            old.done, old.reason, old.recorded_at = won["done"], won["reason"], won["recorded_at"]
            old.save(update_fields=["done", "reason", "recorded_at"])
            changed = True
    return changed


def _merge_doses(record: VisitRecord, visit, data: RecordIn) -> bool:
    if not data.doses:
        return False
    changed = False
    medicines = {m.public_id: m for m in Medicine.objects.filter(client=visit.client)}
    held = {(a.medicine_id, a.slot): a for a in record.administrations.all() if a.slot}
    for i, item in enumerate(data.doses):
        medicine = medicines.get(item.medicine_id)
        if medicine is None:
            raise ValidationError(
                {f"doses.{i}.medicine_id": "This medicine is not on the client's list."}
            )
        if item.slot and item.slot not in (medicine.times or []):
            raise ValidationError({f"doses.{i}.slot": "This medicine is not due at that time."})
        if not item.slot and not medicine.as_needed:
            raise ValidationError({f"doses.{i}.slot": "Say which due time this dose is for."})
        if item.outcome != Outcome.GIVEN and not item.reason.strip():
            raise ValidationError({f"doses.{i}.reason": "Say why the medicine was not given."})
        fields = {
            "dose": item.dose or medicine.dose,
            "given_at": item.given_at,
            "outcome": Outcome(item.outcome).value,
            "reason": item.reason.strip(),
            "recorded_at": item.recorded_at,
        }
        same_id = MedicineAdministration.objects.filter(public_id=item.id).first()
        if same_id is not None:
            if same_id.record_id != record.pk:
                raise ValidationError({f"doses.{i}.id": "This dose id belongs to another record."})
            if not item.slot:
                continue  # an as-needed dose already received: first copy kept
        if not item.slot:
            MedicineAdministration.objects.create(
                public_id=item.id, record=record, medicine=medicine, slot="", **fields
            )
            changed = True
            continue
        old = held.get((medicine.pk, item.slot))
        if old is None:
            held[(medicine.pk, item.slot)] = MedicineAdministration.objects.create(
                public_id=item.id, record=record, medicine=medicine, slot=item.slot, **fields
            )
            changed = True
            continue
        old_d = {k: getattr(old, k) for k in fields}
        won = merge.merge_dose(old_d, fields)
        if won is not old_d:
            for k, v in won.items():
                setattr(old, k, v)
            old.save(update_fields=list(won))
            changed = True
    return changed


def _merge_expenses(record: VisitRecord, carer, data: RecordIn) -> bool:
    changed = False
    for i, item in enumerate(data.expenses):
        same_id = Expense.objects.filter(public_id=item.id).first()
        if same_id is not None:
            if same_id.record_id != record.pk:
                raise ValidationError(
                    {f"expenses.{i}.id": "This expense id belongs to another record."}
                )
            continue  # expenses are immutable once received
        path = None
        if item.receipt_sha256:
            path = receipt_path(item.receipt_sha256)
            if path is None:
                raise ValidationError(
                    {f"expenses.{i}.receipt_sha256": "Upload the receipt photo first."}
                )
        Expense.objects.create(
            public_id=item.id,
            record=record,
            carer=carer,
            amount=item.amount,
            kind=ExpenseKind(item.kind).value,
            note=item.note,
            spent_at=item.spent_at,
            receipt_sha256=item.receipt_sha256 if path else None,
            receipt_path=path.name_in_data if path else None,
            receipt_type=path.content_type if path else "",
        )
        changed = True
    return changed


def _check_out_blocked(record: VisitRecord, visit, at) -> dict | None:
    blocked = _check_out_rule(record, visit, at)
    return {**blocked, "refuses": "check_out"} if blocked else None


def _check_out_rule(record: VisitRecord, visit, at) -> dict | None:
    if record.checked_in_at is None:
        return {
            "code": "not_checked_in",
            "message": "Check in before checking out.",
            "field": "checked_in_at",
        }
    if at < record.checked_in_at:
        return {
            "code": "check_out_before_check_in",
            "message": "Check-out is before check-in.",
            "field": "checked_out_at",
        }
    recorded = set(
        MedicineAdministration.objects.filter(record__visit=visit)
        .exclude(slot="")
        .values_list("medicine_id", "slot")
    )
    missing = [d for d in due_doses(visit) if (d.medicine.pk, d.slot) not in recorded]
    if missing:
        names = ", ".join(f"{d.medicine.name} ({d.slot})" for d in missing)
        return {
            "code": "medicine_outcome_missing",
            "message": f"Check-out not recorded: record an outcome for {names} first.",
            "field": "doses",
        }
    return None
