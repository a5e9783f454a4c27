"""The client's consent to carers' phones recording where they are at check-in and check-out.

Consent is the client's to give: the client themselves, or a representative with legal authority
to decide for them (a health and welfare attorney or a deputy). Informal family cannot consent on
the client's behalf, and neither can a carer or a team leader. Without consent the sync drops any
coordinates a phone sends (services/sync.py) and says so. The carer's own consent is separate: the
phone only reads its location when the carer ticks the box, at each check-in and check-out.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from carecircle.people.models import Authority, Client, Representative
from carecircle.safeguarding.services import audit_record, audit_snapshot

# Authorities under which a representative may decide this for a client who lacks capacity.
DECIDING_AUTHORITIES = (Authority.LPA_HEALTH_WELFARE, Authority.DEPUTY)


def may_decide_location_consent(user, client: Client) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if client.user_id is not None and client.user_id == user.pk:
        return True
    return Representative.objects.filter(
        user=user, client=client, authority__in=DECIDING_AUTHORITIES
    ).exists()


def location_consent_set(*, actor, client: Client, on: bool) -> Client:
    """Give (on) or withdraw consent. Giving it again keeps the first time it was given."""
    if not may_decide_location_consent(actor, client):
        raise PermissionDenied(
            "Only the client, or their attorney or deputy, decides whether location is recorded."
        )
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if on == (client.location_consent_at is not None):
            return client
        before = audit_snapshot(client)
        client.location_consent_at = timezone.now() if on else None
        client.save(update_fields=["location_consent_at"])
        audit_record(
            actor=actor,
            action="location_consent_given" if on else "location_consent_withdrawn",
            obj=client,
            client=client,
            before=before,
        )
    return client
