"""A client away from home (a hospital stay, respite) or who has died: their visits stop.

Visits already on the rota for those days that have not begun are cancelled (kept, not deleted:
they are the history of what was planned), offers on them are withdrawn, and every carer who had
one on their published rota is told, once the change has committed, that the time is theirs again.
The horizon (rota.services.horizon) generates nothing on those days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.circles.selectors import team_leaders
from carecircle.core.timefmt import local_when
from carecircle.people.models import AwayReason, Client, ClientAway
from carecircle.plans.access import PlanAction, require_plan
from carecircle.rota.models import (
    Assignment,
    AssignmentStatus,
    CoverOffer,
    OfferStatus,
    SwapOffer,
    Visit,
    VisitStatus,
)
from carecircle.rota.services.common import notify_after_commit


def client_away_record(
    *,
    actor,
    client: Client,
    starts_on: date,
    ends_on: date | None,
    reason: str = AwayReason.HOSPITAL,
    note: str = "",
    now: datetime | None = None,
) -> ClientAway:
    """The client is away from `starts_on` to `ends_on` (inclusive; None: until further
    notice). A team leader of the client's circle records it (actor None: the system)."""
    if actor is not None:
        require_plan(actor, PlanAction.ENDORSE, client)
    if reason not in AwayReason.values:
        raise ValidationError(
            {"reason": _("Choose one of: %(r)s.") % {"r": ", ".join(AwayReason.values)}}
        )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError(
            {
                "ends_on": _("The last day away must be on or after the first (%(d)s).")
                % {"d": starts_on.isoformat()}
            }
        )
    now = now or timezone.now()
    with transaction.atomic():
        away = ClientAway.objects.create(
            client=client, reason=reason, starts_on=starts_on, ends_on=ends_on, note=note[:200]
        )
        cancelled = _cancel_from(client, starts_on, ends_on, now=now)
        audit_record(
            actor=actor,
            action="client_away_record",
            obj=away,
            client=client,
            detail={"cancelled": [str(v.public_id) for v in cancelled]},
        )
        subject = _("Visits to %(client)s are not needed while they are away") % {
            "client": client.display_name
        }
        _tell(cancelled, client=client, subject=subject, leaders=False)
    return away


def client_death_record(
    *, actor, client: Client, died_on: date, now: datetime | None = None
) -> list[Visit]:
    """Record that the client died on `died_on`: no visit from that day on; the team leaders
    and every carer with a cancelled visit are told."""
    if actor is not None:
        require_plan(actor, PlanAction.ENDORSE, client)
    now = now or timezone.now()
    if died_on > timezone.localdate(now):
        raise ValidationError({"died_on": _("The date must be today or earlier.")})
    with transaction.atomic():
        # NO KEY UPDATE: lets an audit about this client commit (its foreign-key check takes
        # KEY SHARE) while we wait for the audit chain it holds (see alerts.services.raising).
        client = Client.objects.select_for_update(no_key=True).get(pk=client.pk)
        before = audit_snapshot(client)
        client.died_on = died_on
        client.save(update_fields=["died_on"])
        cancelled = _cancel_from(client, died_on, None, now=now)
        audit_record(
            actor=actor,
            action="client_death_record",
            obj=client,
            client=client,
            before=before,
            detail={"cancelled": [str(v.public_id) for v in cancelled]},
        )
        subject = _("%(client)s has died: their visits are cancelled") % {"client": client}
        _tell(cancelled, client=client, subject=subject, leaders=True)
    return cancelled


def _cancel_from(client: Client, first: date, last: date | None, *, now: datetime) -> list:
    """Cancel the client's planned visits on first..last that have not begun (window not yet
    open, nobody checked in), locked against a claim or check-in at the same moment."""
    visits = Visit.objects.select_for_update(of=("self",)).filter(
        client=client, date__gte=first, status=VisitStatus.PLANNED, window_start__gt=now
    )
    if last is not None:
        visits = visits.filter(date__lte=last)
    locked = list(visits.order_by("window_start"))
    begun = set(
        Visit.objects.filter(pk__in=[v.pk for v in locked], records__isnull=False).values_list(
            "pk", flat=True
        )
    )
    cancelled = [v for v in locked if v.pk not in begun]
    ids = [v.pk for v in cancelled]
    Visit.objects.filter(pk__in=ids).update(status=VisitStatus.CANCELLED)
    waiting = [OfferStatus.OPEN, OfferStatus.NEEDS_APPROVAL]
    SwapOffer.objects.filter(visit_id__in=ids, status__in=waiting).update(
        status=OfferStatus.WITHDRAWN
    )
    CoverOffer.objects.filter(visit_id__in=ids, status__in=waiting).update(
        status=OfferStatus.WITHDRAWN
    )
    for visit in cancelled:
        visit.status = VisitStatus.CANCELLED
    return cancelled


def _tell(cancelled: list, *, client: Client, subject: str, leaders: bool) -> None:
    """One message a carer listing their cancelled visits (and the team leaders, if asked);
    sent on commit."""
    lines: dict = defaultdict(list)
    published = (
        Assignment.objects.filter(visit__in=cancelled, status=AssignmentStatus.PUBLISHED)
        .select_related("carer__user", "visit")
        .order_by("visit__window_start")
    )
    for a in published:
        when = local_when(a.visit.planned_start)
        lines[a.carer.user].append(
            _("%(visit)s on %(when)s is cancelled: your time is free.")
            % {"visit": a.visit.name, "when": when}
        )
    if leaders and client.circle_id:
        for leader in team_leaders(client.circle):
            lines[leader].append(
                ngettext(
                    "%(n)s visit to %(client)s from now on is cancelled.",
                    "%(n)s visits to %(client)s from now on are cancelled.",
                    len(cancelled),
                )
                % {"n": len(cancelled), "client": client}
            )
    notify_after_commit(lines, subject=subject)
