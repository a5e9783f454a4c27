"""Writing the audit trail. Called inside the caller's transaction so the audit row and the
change it records commit or roll back together."""

from __future__ import annotations

from carecircle.safeguarding.models import AuditEvent


def audit_record(*, actor, action: str, obj, client=None, detail: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(getattr(obj, "public_id", obj.pk)),
        client=client,
        detail=detail or {},
    )
