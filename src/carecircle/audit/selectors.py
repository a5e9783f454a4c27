"""Reading the audit trail: the events of an organisation, searched; the chain, verified.

Who may see which organisation's events is the caller's decision (the safeguarding lead's pages
decide it by role); this app knows only organisations, by id."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from carecircle.audit.chain import Problem, verify_events
from carecircle.audit.models import AuditChainHead, AuditEvent


def audit_events(*, organisation_id: int | None, everything: bool = False) -> QuerySet[AuditEvent]:
    """The events about the clients of one organisation, or every event when `everything`."""
    qs = AuditEvent.objects.select_related("actor", "client")
    if everything:
        return qs
    if organisation_id is None:
        # Someone of no organisation sees nothing: `client__organisation_id=None` would have given
        # them every event about no client, in every organisation.
        return qs.none()
    return qs.filter(client__organisation_id=organisation_id)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, timezone.get_current_timezone())


def audit_search(
    *,
    events: QuerySet[AuditEvent],
    actor: str = "",
    client=None,
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """`events` (see `audit_events`) filtered; dates are local days, both inclusive."""
    qs = events
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


def _ids_by_ref(field: str) -> dict[str, int]:
    """Public id → primary key of every row an event's `field` (actor, client) can point at:
    what `verify_events` checks the event's key column against."""
    model = AuditEvent._meta.get_field(field).related_model
    assert model is not None  # actor and client are foreign keys
    return {str(ref): pk for pk, ref in model._base_manager.values_list("pk", "public_id")}


def audit_chain_problems() -> tuple[int, list[Problem]]:
    """(events checked, problems) for the whole chain, streamed in sequence order."""
    head = AuditChainHead.objects.filter(pk=1).first()
    events = AuditEvent.objects.order_by(models.F("seq").asc(nulls_first=True), "id")
    count = events.count()
    problems = verify_events(
        events.iterator(chunk_size=2000),
        head_seq=head.last_seq if head else 0,
        head_hash=head.last_hash if head else "",
        actor_ids=_ids_by_ref("actor"),
        client_ids=_ids_by_ref("client"),
    )
    return count, problems
