"""Read-only API for negotiated changes and the restrictions of a client. Writes go
through the pages, where each step explains itself."""

from __future__ import annotations

from uuid import UUID

from django.utils import timezone
from ninja import Router

from carecircle.audit.reads import audit_read
from carecircle.people.permissions import Perm, require
from carecircle.plans.access import access_change, access_plan_client
from carecircle.plans.models import PlanChange, RiskNote
from carecircle.plans.schemas import ChangeOut, RestrictionOut

router = Router(tags=["plans"])


def change_out(change: PlanChange) -> ChangeOut:
    return ChangeOut(
        id=change.public_id,
        client_id=change.plan.client.public_id,
        kind=change.kind,
        summary=change.summary,
        reason=change.reason,
        status=change.status,
        proposed_by=str(change.proposed_by) if change.proposed_by else "",
        proposed_at=change.proposed_at,
        consent_basis=change.consent_basis,
        has_risk_note=RiskNote.objects.filter(change=change).exists(),
        new_version=change.new_version.number if change.new_version else None,
        rejection_reason=change.rejection_reason,
    )


@router.get("/clients/{client_id}/changes", response=list[ChangeOut])
def list_changes(request, client_id: UUID):
    require(request.auth, Perm.USE_API)
    client = access_plan_client(request.auth, client_id)
    changes = PlanChange.objects.filter(plan__client=client).select_related(
        "plan__client", "proposed_by", "new_version", "pattern"
    )
    out = [change_out(c) for c in changes[:100]]
    audit_read(
        actor=request.auth, obj=client, client=client, view="changes", via="api", shown=len(out)
    )
    return out


@router.get("/changes/{change_id}", response=ChangeOut)
def get_change(request, change_id: UUID):
    require(request.auth, Perm.USE_API)
    change = access_change(request.auth, change_id)
    audit_read(actor=request.auth, obj=change, client=change.plan.client, view="change", via="api")
    return change_out(change)


@router.get("/clients/{client_id}/restrictions", response=list[RestrictionOut])
def list_restrictions(request, client_id: UUID):
    require(request.auth, Perm.USE_API)
    client = access_plan_client(request.auth, client_id)
    today = timezone.localdate()
    out = [
        RestrictionOut(
            id=r.public_id,
            client_id=client.public_id,
            kind=r.kind,
            description=r.description,
            legal_basis=r.legal_basis,
            started_on=r.started_on,
            review_due=r.review_due,
            overdue=r.is_active and r.review_due < today,
            ended_on=r.ended_on,
        )
        for r in client.restrictions.all()
    ]
    audit_read(
        actor=request.auth,
        obj=client,
        client=client,
        view="restrictions",
        via="api",
        shown=len(out),
    )
    return out
