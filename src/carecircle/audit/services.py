"""Writing the audit trail. Called inside the caller's transaction so the audit row and the
change it records commit or roll back together.

Every event extends a hash chain (see `chain.py`). To extend it a writer locks the one chain-head
row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already admit one writer
at a time), so two concurrent transactions can never both take the same sequence number or link
to the same previous event. The lock is held until the caller commits: audited writes are
serialised, the price of a gap-free, verifiable order. Services should therefore audit after
taking their own row locks, never before, so that no two transactions wait on each other. A row
an event refers to (its client, its actor) is locked with `select_for_update(no_key=True)`: the
event's foreign keys are checked when its transaction commits, still holding the chain, and that
check's KEY SHARE lock waits for a plain FOR UPDATE but not for FOR NO KEY UPDATE."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from carecircle.audit.chain import GENESIS, event_hash, normalise_detail
from carecircle.audit.models import AuditChainHead, AuditEvent

# Actions that only look at a record: no "after" snapshot is taken for them.
# Reads copy nothing of the record into the trail (no "after" snapshot): who looked, at what, when.
READ_ACTIONS = frozenset(
    {
        "read",
        "view",
        "search",
        "export",
        "download",
        "subject_access",
        "visit_record_read",
        "visit_record_opened",
        "visit_records_listed",
        "offline_pack_read",
        "mar_chart_read",
        "mar_chart_pdf",
    }
)


def audit_snapshot(obj) -> dict:
    """The stored fields of a model instance, for the "before" and "after" of a write."""
    snapshot = {}
    for field in obj._meta.concrete_fields:
        snapshot[field.attname] = field.value_from_object(obj)
    return normalise_detail(snapshot)


def _ref(thing) -> str:
    if thing is None:
        return ""
    return str(getattr(thing, "public_id", None) or thing.pk)


def _lock_head() -> AuditChainHead:
    head, created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    if created:
        # The head is made by the migration; it is only missing after a table flush (tests).
        last = AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").first()
        if last is not None and last.seq is not None:
            head.last_seq, head.last_hash = last.seq, last.hash
            head.save(update_fields=["last_seq", "last_hash"])
    return head


def audit_record(
    *,
    actor,
    action: str,
    obj,
    client=None,
    detail: dict | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Record who did what to which object. For writes the detail carries "after" (a snapshot
    of the object as saved, unless given) and "before" when the caller took one with
    `audit_snapshot` before changing it."""
    detail = dict(detail or {})
    if action not in READ_ACTIONS:
        if before is not None:
            detail.setdefault("before", before)
        if obj is not None and getattr(obj, "pk", None) is not None:
            detail.setdefault("after", after if after is not None else audit_snapshot(obj))
    detail = normalise_detail(detail)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head = _lock_head()
        seq = head.last_seq + 1
        fields = {
            "seq": seq,
            "prev_hash": head.last_hash or GENESIS,
            "at": timezone.now(),
            "actor_ref": _ref(actor),
            "action": action,
            "object_type": obj._meta.model_name,
            "object_id": str(getattr(obj, "public_id", obj.pk)),
            "client_ref": _ref(client),
            "detail": detail,
        }
        digest = event_hash(**fields)
        event = AuditEvent.objects.create(actor=actor, client=client, hash=digest, **fields)
        head.last_seq, head.last_hash = seq, digest
        head.save(update_fields=["last_seq", "last_hash"])
    return event
