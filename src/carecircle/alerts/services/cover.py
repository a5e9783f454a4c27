"""The carer who answers a help call leaves their rota: the rest of the visit they were on and
their later visits that day go to the circle through the rota's absence machinery, so the engine's
repair proposes who covers each place (changing nothing else) and those carers are asked. When the
call ends, every place nobody has taken goes back to the responder."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction

from carecircle.alerts.models import HelpAlert
from carecircle.alerts.notifications import notify
from carecircle.safeguarding.services import audit_record

log = logging.getLogger(__name__)

# Whoever covers the rest of a left visit needs a little time to get there; the place can be
# taken until then (the rota refuses claims on a visit that has begun).
REST_LEAD_MINUTES = 15
# Less than this left of a visit is not worth sending someone; the team leaders are told.
REST_MIN_MINUTES = 10


def cover_responder_visits(alert: HelpAlert, *, now: datetime) -> None:
    """After an acceptance (committed): an absence from now to the end of the responder's day
    (at least their travel and ALERT_ON_SCENE_MINUTES) frees their places and asks the engine
    for cover, the rest of a visit they left included. ALERT_ON_SCENE_MINUTES = 0 turns this off.
    The call is already answered, so a failure here is logged and the team leaders are told to
    arrange cover themselves; it never undoes the acceptance."""
    from carecircle.rota.models import AbsenceKind
    from carecircle.rota.services import absence_report

    rest = None
    if settings.ALERT_ON_SCENE_MINUTES:
        try:
            rest = _rest_of_visit(alert, now=now)
            absence = absence_report(
                actor=alert.responder.user,
                kind=AbsenceKind.OTHER,
                starts_at=now,
                ends_at=_responder_busy_until(alert, now),
                note=f"Answering a help call for {alert.client.first_name}",
                now=now,
            )
            HelpAlert.objects.filter(pk=alert.pk).update(
                cover_absence=absence, left_visit_rest=rest
            )
            alert.cover_absence, alert.left_visit_rest = absence, rest
        except Exception:
            log.exception("cover for the visits of %s's responder", alert.client)
            _tell_leaders(
                alert,
                subject=f"Cover {alert.responder.user.first_name}'s visits today",
                body="They are answering a help call and the cover could not be proposed; "
                "please arrange it.",
            )
    if alert.left_visit is not None:
        body = f"They are going to {alert.client}."
        if rest is not None:
            body += f" The rest of the visit, from {_hhmm(rest.window_start)}, is offered to the circle."
        else:
            body += " Check that the visit is finished."
        _tell_leaders(
            alert,
            subject=f"{alert.responder.user.first_name} left {alert.left_visit.client}'s visit "
            "to answer a help call",
            body=body,
        )


def _responder_busy_until(alert: HelpAlert, now: datetime) -> datetime:
    """The end of the responder's local day: a fall or a hospital trip can take the rest of it.
    Nothing is lost by asking early: the places nobody has taken come back when the call ends."""
    from carecircle.alerts.ranking import client_zone

    zone = client_zone(alert.client)
    midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), zone)
    least = now + timedelta(minutes=(alert.eta_minutes or 0) + settings.ALERT_ON_SCENE_MINUTES)
    return max(least, midnight)


def _rest_of_visit(alert: HelpAlert, *, now: datetime):
    """The rest of the visit the responder left, as a place of its own held by them, so that
    the absence frees it with their other places and the engine proposes who covers it. None
    when too little is left."""
    from carecircle.rota.models import Assignment, AssignmentStatus, Visit

    left = alert.left_visit
    if left is None:
        return None
    begins = now + timedelta(minutes=REST_LEAD_MINUTES)
    minutes = int((left.planned_end - begins).total_seconds() // 60)
    if minutes < REST_MIN_MINUTES:
        return None
    from carecircle.alerts.ranking import client_zone

    with transaction.atomic():
        rest = Visit.objects.create(
            client=left.client,
            circle=left.circle,
            plan_version=left.plan_version,
            name=f"Rest of {left.name}"[:80],
            date=begins.astimezone(client_zone(left.client)).date(),
            window_start=begins,
            window_end=begins + timedelta(minutes=REST_LEAD_MINUTES),
            duration_minutes=minutes,
            carers_needed=1,
            kind="extra",
        )
        rest.skills.set(left.skills.all())
        Assignment.objects.create(
            visit=rest,
            carer=alert.responder,
            status=AssignmentStatus.PUBLISHED,
            why="left for a help call",
        )
        audit_record(
            actor=alert.responder.user,
            action="alert_rest_of_visit",
            obj=rest,
            client=rest.client,
            detail={"left_visit": str(left.public_id), "alert": str(alert.public_id)},
        )
    return rest


def give_back_visits(alert: HelpAlert, *, now: datetime) -> None:
    """The responder is free again: the places freed for the call that nobody took are theirs
    (the absence is withdrawn). The rest of a left visit that nobody took and that can no
    longer be given back (it has begun) is cancelled: nobody is expected there any more."""
    from carecircle.rota.models import AssignmentStatus, VisitStatus
    from carecircle.rota.services import absence_withdraw

    absence = alert.cover_absence
    if absence is not None and absence.withdrawn_at is None and absence.ends_at > now:
        try:
            absence_withdraw(actor=alert.responder.user, absence_id=absence.public_id, now=now)
        except Exception:  # the call's own state is already saved
            log.exception("giving back the visits of %s's responder", alert.client)
    rest = alert.left_visit_rest
    if rest is None:
        return
    with transaction.atomic():
        rest.refresh_from_db()
        taken = rest.assignments.filter(status=AssignmentStatus.PUBLISHED).exists()
        if rest.status == VisitStatus.PLANNED and not taken:
            rest.status = VisitStatus.CANCELLED
            rest.save(update_fields=["status"])
            audit_record(
                actor=None,
                action="alert_rest_of_visit_cancelled",
                obj=rest,
                client=rest.client,
                detail={"alert": str(alert.public_id)},
            )


def _tell_leaders(alert: HelpAlert, *, subject: str, body: str) -> None:
    from carecircle.circles.escalations import team_leaders

    for leader in team_leaders(alert.circle):
        notify(
            user=leader, subject=subject, body=body, url=f"/help/{alert.public_id}/", urgent=True
        )


def _hhmm(moment: datetime) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%H:%M}"
