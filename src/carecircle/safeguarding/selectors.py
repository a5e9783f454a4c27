from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from carecircle.people.models import Client, Role
from carecircle.people.permissions import roles_of
from carecircle.safeguarding.models import AuditEvent


def _sees_everything(user) -> bool:
    return Role.ADMIN in roles_of(user) or user.is_superuser


def audit_events_for(user) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor", "client")
    if _sees_everything(user):
        return qs
    return qs.filter(client__organisation_id=user.organisation_id)


def audit_clients_for(user) -> QuerySet[Client]:
    if _sees_everything(user):
        return Client.objects.all()
    return Client.objects.filter(organisation_id=user.organisation_id)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def audit_search(
    *,
    user,
    actor: str = "",
    client: Client | None = None,
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit events the user may see, filtered; dates are local days, both inclusive."""
    qs = audit_events_for(user)
    if actor:
        qs = qs.filter(
            Q(actor__username__icontains=actor)
            | Q(actor__first_name__icontains=actor)
            | Q(actor__last_name__icontains=actor)
        )
    if client is not None:
        qs = qs.filter(client=client)
    if action:
        qs = qs.filter(action__icontains=action)
    if date_from:
        qs = qs.filter(at__gte=_local_midnight(date_from))
    if date_to:
        qs = qs.filter(at__lt=_local_midnight(date_to + timedelta(days=1)))
    return qs.order_by("-seq", "-id")


def audit_rows(events) -> list[dict]:
    """Flat rows for CSV/JSON export: everything needed to re-check the chain elsewhere."""
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor.username if e.actor else "",
            "actor_ref": e.actor_ref,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "client": str(e.client) if e.client else "",
            "client_ref": e.client_ref,
            "detail": e.detail,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in events
    ]


def audit_chain_problems():
    """(events checked, problems) for the whole chain, streamed in sequence order."""
    from carecircle.safeguarding.chain import verify_events
    from carecircle.safeguarding.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).first()
    events = AuditEvent.objects.order_by(models.F("seq").asc(nulls_first=True), "id")
    count = events.count()
    problems = verify_events(
        events.iterator(chunk_size=2000),
        head_seq=head.last_seq if head else 0,
        head_hash=head.last_hash if head else "",
    )
    return count, problems
