"""Visit recording for phones: sync queued records, upload receipts, fetch the next 48 hours.

Mounted at /api/v1/records. Session auth (the carer's browser, with the CSRF header on writes) or
a bearer token (devices, the benchmark)."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from ninja import File, Router
from ninja.files import UploadedFile

from carecircle.visits import selectors, services
from carecircle.visits.access import access_record_for_team
from carecircle.visits.schemas import ReceiptOut, RecordIn, SyncOut

router = Router(tags=["visit records"])


@router.post("/sync", response=SyncOut)
def sync_record(request, payload: RecordIn):
    """Send one queued record. Resending the same `op_id` returns the stored answer with
    `duplicate: true` and changes nothing."""
    return services.record_sync(actor=request.auth, data=payload)


@router.post("/receipts", response=ReceiptOut)
def upload_receipt(request, file: File[UploadedFile]):
    """Upload a receipt photo (JPEG, PNG, WebP or PDF); answers its SHA-256 to put on the expense."""
    # One byte past the limit is enough to refuse an oversized file without reading it all.
    data = file.read(settings.VISITS_RECEIPT_MAX_BYTES + 1)
    stored = services.receipt_store(actor=request.auth, data=data)
    return {"sha256": stored.sha256, "content_type": stored.content_type, "size": stored.size}


@router.get("/pack")
def offline_pack(request):
    """The signed-in carer's visits from today until 48 hours ahead, with tasks and medicines:
    what the phone keeps for working offline. Reading it is audited per client."""
    return services.offline_pack_read(actor=request.auth)


@router.get("/{record_id}")
def get_record(request, record_id: UUID):
    """One visit record (the carer who made it and the circle's team leaders). Audited."""
    record = access_record_for_team(request.auth, record_id)
    state = selectors.record_state(record)
    return {
        "record_id": str(record.public_id),
        "visit_id": str(record.visit.public_id),
        "revision": record.revision,
        "checked_in_at": record.checked_in_at,
        "checked_out_at": record.checked_out_at,
        "mood": record.mood,
        "notes": record.notes,
        "over_time_reason": record.over_time_reason,
        "tasks": {str(k): v for k, v in state.tasks.items()},
        "doses": list(state.doses.values()) + state.prn,
        "expenses": state.expenses,
    }
