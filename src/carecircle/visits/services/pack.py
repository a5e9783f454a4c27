"""The offline pack: what a carer's phone keeps so the next 48 hours work without a signal."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.services import audit_record
from carecircle.people.access import carer_of
from carecircle.visits.models import VisitRecord
from carecircle.visits.selectors import (
    OFFLINE_HOURS,
    due_doses,
    medicines_for_client,
    tasks_for_visit,
    upcoming_visits_for_carer,
)


def offline_pack_read(*, actor, now=None) -> dict:
    carer = carer_of(actor)
    if carer is None:
        raise PermissionDenied("Only carers keep visits on their phone.")
    now = now or timezone.now()
    visits = upcoming_visits_for_carer(carer=carer, now=now)
    records = {r.visit_id: r for r in VisitRecord.objects.filter(carer=carer, visit__in=visits)}
    out = []
    clients: dict[int, tuple[object, int]] = {}  # client id → (client, visits in the pack)
    for visit in visits:
        medicines = medicines_for_client(visit.client, visit.date)
        record = records.get(visit.pk)
        out.append(
            {
                "id": str(visit.public_id),
                "name": visit.name,
                "client": visit.client.display_name,
                "address": visit.client.address,
                "window_start": visit.window_start.isoformat(),
                "window_end": visit.window_end.isoformat(),
                "duration_minutes": visit.duration_minutes,
                "record_url": reverse("visit_record", args=[visit.public_id]),
                "record_id": str(record.public_id) if record else None,
                "checked_in_at": record.checked_in_at.isoformat()
                if record and record.checked_in_at
                else None,
                "checked_out_at": record.checked_out_at.isoformat()
                if record and record.checked_out_at
                else None,
                "tasks": [{"id": t.pk, "title": t.title} for t in tasks_for_visit(visit)],
                "doses": [
                    {
                        "medicine_id": str(d.medicine.public_id),
                        "name": d.medicine.name,
                        "dose": d.medicine.dose,
                        "slot": d.slot,
                    }
                    for d in due_doses(visit, medicines)
                ],
                "as_needed": [
                    {"medicine_id": str(m.public_id), "name": m.name, "dose": m.dose}
                    for m in medicines
                    if m.as_needed
                ],
            }
        )
        clients.setdefault(visit.client_id, (visit.client, 0))
        clients[visit.client_id] = (visit.client, clients[visit.client_id][1] + 1)
    with transaction.atomic():
        for client, count in clients.values():
            audit_record(
                actor=actor,
                action="offline_pack_read",
                obj=client,
                client=client,
                detail={"visits": count},
            )
    return {"generated_at": now.isoformat(), "hours": OFFLINE_HOURS, "visits": out}
