"""The carer who answers a help call leaves their rota: the rest of the visit they were on and
their later visits that day go to the circle through the rota's absence machinery, so the engine's
repair proposes who covers each place (changing nothing else) and those carers are asked. When the
call ends, every place nobody has taken goes back to the responder."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction

from carecircle.alerts.models import AlertStatus, HelpAlert
from carecircle.alerts.ranking import client_zone
from carecircle.audit.services import audit_record
from carecircle.circles.selectors import team_leaders
from carecircle.notifications.services import notify
from carecircle.rota.models import (
    Absence,
    AbsenceKind,
    Assignment,
    AssignmentStatus,
    Visit,
    VisitStatus,
)
from carecircle.rota.services import absence_report, absence_withdraw

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
    arrange cover themselves; it never undoes the acceptance.

    The call can be resolved or stood down while this runs (the engine takes seconds and the
    alert is not locked meanwhile), so each step is recorded on the alert, under its lock, as soon
    as it is committed: whatever ends the call then finds it and gives it back. A step that
    finds the call already over gives back what was done itself."""
    rest = None
    live_call = True
    if settings.ALERT_ON_SCENE_MINUTES:
        try:
            with transaction.atomic():
                live_call = _lock_live(alert)
                if live_call:
                    rest = _rest_of_visit(alert, now=now)
                    if rest is not None:
                        HelpAlert.objects.filter(pk=alert.pk).update(left_visit_rest=rest)
                        alert.left_visit_rest = rest
            if live_call:
                assert alert.responder is not None  # an accepted call has one
                ends_at = _responder_busy_until(alert, now)
                failed = False
                absence: Absence | None
                try:
                    absence = absence_report(
                        actor=alert.responder.user,
                        kind=AbsenceKind.OTHER,
                        starts_at=now,
                        ends_at=ends_at,
                        note=f"Answering a help call for {alert.client.first_name}",
                        now=now,
                    )
                except Exception:
                    # The absence (and the places it freed) commits before the engine is
                    # asked: if the asking failed, it still has to be given back later.
                    log.exception("cover for the visits of %s's responder", alert.client)
                    failed = True
                    absence = (
                        Absence.objects.filter(
                            carer=alert.responder,
                            reported_by=alert.responder.user,
                            kind=AbsenceKind.OTHER,
                            starts_at=now,
                            ends_at=ends_at,
                            withdrawn_at__isnull=True,
                        )
                        .order_by("-pk")
                        .first()
                    )
                if absence is not None:
                    with transaction.atomic():
                        live_call = _lock_live(alert)
                        HelpAlert.objects.filter(pk=alert.pk).update(cover_absence=absence)
                        alert.cover_absence = absence
                if failed:
                    _cover_failed(alert)
            if not live_call:
                # Stood down or resolved meanwhile: what ended it did not see what is only
                # recorded now, so the responder gets it back here.
                ended = HelpAlert.objects.values_list("resolved_at", flat=True).get(pk=alert.pk)
                give_back_visits(alert, now=max(now, ended or now))
        except Exception:
            log.exception("cover for the visits of %s's responder", alert.client)
            _cover_failed(alert)
    if alert.left_visit is not None:
        assert alert.responder is not None  # an accepted call has one
        body = f"They are going to {alert.client}."
        if rest is not None and live_call:
            body += f" The rest of the visit, from {_hhmm(rest.window_start)}, is offered to the circle."
        else:
            body += " Check that the visit is finished."
        _tell_leaders(
            alert,
            subject=f"{alert.responder.user.first_name} left {alert.left_visit.client}'s visit "
            "to answer a help call",
            body=body,
        )


def _lock_live(alert: HelpAlert) -> bool:
    """Lock the alert's row (inside a transaction) and say whether the call is still on."""
    status = (
        HelpAlert.objects.select_for_update(of=("self",))
        .values_list("status", flat=True)
        .get(pk=alert.pk)
    )
    return status in (AlertStatus.ACCEPTED, AlertStatus.ARRIVED)


def _cover_failed(alert: HelpAlert) -> None:
    assert alert.responder is not None  # an accepted call has one
    _tell_leaders(
        alert,
        subject=f"Cover {alert.responder.user.first_name}'s visits today",
        body="They are answering a help call and the cover could not be proposed; "
        "please arrange it.",
    )


def _responder_busy_until(alert: HelpAlert, now: datetime) -> datetime:
    """The end of the responder's local day: a fall or a hospital trip can take the rest of it.
    Nothing is lost by asking early: the places nobody has taken come back when the call ends."""
    zone = client_zone(alert.client)
    midnight = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), zone)
    least = now + timedelta(minutes=(alert.eta_minutes or 0) + settings.ALERT_ON_SCENE_MINUTES)
    return max(least, midnight)


def _rest_of_visit(alert: HelpAlert, *, now: datetime):
    """The rest of the visit the responder left, as a place of its own held by them, so that
    the absence frees it with their other places and the engine proposes who covers it. None
    when too little is left."""
    left = alert.left_visit
    if left is None:
        return None
    begins = now + timedelta(minutes=REST_LEAD_MINUTES)
    minutes = int((left.planned_end - begins).total_seconds() // 60)
    if minutes < REST_MIN_MINUTES:
        return None
    assert alert.responder is not None  # an accepted call has one

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
    absence = alert.cover_absence
    if absence is not None and absence.withdrawn_at is None and absence.ends_at > now:
        try:
            assert alert.responder is not None  # only a responder's places are freed
            absence_withdraw(actor=alert.responder.user, absence_id=absence.public_id, now=now)
        except Exception:  # the call's own state is already saved
            log.exception("giving back the visits of %s's responder", alert.client)
    rest = alert.left_visit_rest
    if rest is None:
        return
    with transaction.atomic():
        # Locked, then read: a claim of the place that commits first is seen here, and one
        # that comes later waits and then finds the visit cancelled (or already begun).
        rest = Visit.objects.select_for_update().filter(pk=rest.pk).first()
        if rest is None or rest.status != VisitStatus.PLANNED or rest.window_start > now:
            return  # not begun: the place stays on the board for whoever can still take it
        if rest.assignments.filter(status=AssignmentStatus.PUBLISHED).exists():
            return
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
    for leader in team_leaders(alert.circle):
        notify(
            user=leader, subject=subject, body=body, url=f"/help/{alert.public_id}/", urgent=True
        )


def _hhmm(moment: datetime) -> str:
    from django.utils import timezone

    return f"{timezone.localtime(moment):%H:%M}"
