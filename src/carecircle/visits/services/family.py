"""Family who asked to see when carers arrive and leave."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from carecircle.people.models import Representative
from carecircle.safeguarding.services import audit_record
from carecircle.visits.models import ArrivalNotice


def arrival_notice_set(*, actor, client, on: bool) -> bool:
    """Opt in (or out) of seeing arrivals for a client the actor represents."""
    if not Representative.objects.filter(user=actor, client=client).exists():
        raise PermissionDenied("Only the client's representatives choose this.")
    with transaction.atomic():
        if on:
            notice, created = ArrivalNotice.objects.get_or_create(user=actor, client=client)
        else:
            notice = ArrivalNotice.objects.filter(user=actor, client=client).first()
            created = notice is not None
            if notice is not None:
                notice.delete()
        if created:
            audit_record(
                actor=actor,
                action="arrival_notice_on" if on else "arrival_notice_off",
                obj=client,
                client=client,
            )
    return on
