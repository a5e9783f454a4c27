"""The client's consent to carers' phones recording where they are at check-in and check-out.

Consent is the client's to give: the client themselves, or a representative with legal authority to
decide for them (a health and welfare attorney or a deputy) whose authority is in force, and only
while the client lacks capacity. There is no capacity record for this decision alone, so the
client's most recent capacity assessment (recorded on a plan change) stands for it; with none,
capacity is presumed. Informal family cannot consent on the client's behalf, and neither can a
carer or a team leader. Without consent the sync drops any coordinates a phone sends
(services/sync.py) and says so. The carer's own consent is separate: the phone only reads its
location when the carer ticks the box, at each check-in and check-out.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.people.models import Authority, Client, Representative
from carecircle.plans.models import CapacityAssessment

# Authorities under which a representative may decide this for a client who lacks capacity.
DECIDING_AUTHORITIES = (Authority.LPA_HEALTH_WELFARE, Authority.DEPUTY)


def lacks_capacity_on_record(client: Client) -> bool:
    """Whether the client's most recent capacity assessment (the two-stage test recorded by a
    team leader on a plan change) found they lack capacity. Capacity is presumed (Mental
    Capacity Act 2005 s.1(2)): with no assessment, or a later one finding they can decide, the
    client decides for themselves."""
    latest = (
        CapacityAssessment.objects.filter(change__plan__client=client)
        .order_by("-assessed_at", "-pk")
        .first()
    )
    return latest is not None and latest.lacks_capacity


def representative_in_force(user, client: Client, *, today=None) -> bool:
    """An attorney or deputy whose authority has begun (an LPA is used only once registered)."""
    today = today or timezone.localdate()
    return (
        Representative.objects.filter(user=user, client=client, authority__in=DECIDING_AUTHORITIES)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .exists()
    )


def may_decide_location_consent(user, client: Client) -> bool:
    """The client always decides for themselves. A representative decides for them only with
    authority in force and only while the client's record says they lack capacity: an attorney
    cannot override a client who can decide."""
    if not getattr(user, "is_authenticated", False):
        return False
    if client.user_id is not None and client.user_id == user.pk:
        return True
    return representative_in_force(user, client) and lacks_capacity_on_record(client)


def location_consent_set(*, actor, client: Client, on: bool) -> Client:
    """Give (on) or withdraw consent. Giving it again keeps the first time it was given."""
    if not may_decide_location_consent(actor, client):
        raise PermissionDenied(
            "Only the client decides whether location is recorded; their attorney or deputy "
            "decides only while their authority is in force and the client's latest capacity "
            "assessment found they lack capacity."
        )
    with transaction.atomic():
        # NO KEY UPDATE: lets an audit about this client commit (its foreign-key check takes
        # KEY SHARE) while we wait for the audit chain it holds (see alerts.services.raising).
        client = Client.objects.select_for_update(no_key=True).get(pk=client.pk)
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
