"""Family who asked to see when carers arrive and leave."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record
from carecircle.notifications.services import notify
from carecircle.people.models import Representative
from carecircle.visits.models import ArrivalNotice


def arrival_notice_set(*, actor, client, on: bool) -> bool:
    """Opt in (or out) of seeing arrivals for a client the actor represents."""
    if not Representative.objects.filter(user=actor, client=client).exists():
        raise PermissionDenied("Only the client's representatives choose this.")
    notice: ArrivalNotice | None
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


# A record synced long after the visit (a phone that was offline all day) still shows on the
# client page, but telling family "arrived" hours later would only confuse.
TELL_WITHIN = timedelta(hours=3)


def arrivals_tell_family(*, record, arrived: bool, left: bool) -> int:
    """Tell the family who opted in that a carer arrived or left. Runs inside the sync
    transaction, so a rolled-back sync tells nobody."""
    now = timezone.now()
    events = []
    if arrived and record.checked_in_at and now - record.checked_in_at <= TELL_WITHIN:
        events.append(_("%(name)s arrived at %(time)s") % _words(record, record.checked_in_at))
    if left and record.checked_out_at and now - record.checked_out_at <= TELL_WITHIN:
        events.append(_("%(name)s left at %(time)s") % _words(record, record.checked_out_at))
    if not events:
        return 0
    url = reverse("client_page", args=[record.client.public_id])
    told = 0
    for notice in ArrivalNotice.objects.filter(client=record.client).select_related("user"):
        for subject in events:
            notify(user=notice.user, subject=subject, url=url)
            told += 1
    return told


def _words(record, at) -> dict:
    return {
        "name": record.carer.user.first_name or str(record.carer),
        "time": timezone.localtime(at).strftime("%H:%M"),
    }
