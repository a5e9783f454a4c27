"""The escalation ladder: circle → team leaders → manager.

An escalation is opened once per subject (its `key`), always has an owner once it leaves the
circle, keeps a timeline, and ends with a resolution. Timers are timestamps in the database
(`due_at`, and the visit's own start): the worker's tick re-reads them, so a restart loses nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from carecircle.circles.access import circles_visible_to, parse_uuid
from carecircle.circles.selectors import managers, team_leaders
from carecircle.core.timefmt import local_when
from carecircle.notifications.services import notify
from carecircle.oversight.models import (
    Escalation,
    EscalationEvent,
    EscalationKind,
    EscalationLevel,
    EscalationStatus,
)
from carecircle.people.models import Role, User
from carecircle.rota.models import AssignmentStatus, Visit, VisitStatus
from carecircle.rota.services.cycle import escalate_hours_by_circle
from carecircle.rota.services.places import offers_expire


# What an escalation is about: one open escalation a key and circle.
def visit_key(visit) -> str:
    return f"visit:{visit.public_id}"


def swap_key(offer) -> str:
    return f"swap:{offer.public_id}"


def alert_key(alert) -> str:
    return f"alert:{alert.public_id}"


def people_at(circle, level: int) -> list[User]:
    return managers(circle) if level >= EscalationLevel.MANAGER else team_leaders(circle)


def _event(esc: Escalation, kind: str, text: str, *, actor=None, at=None) -> None:
    EscalationEvent.objects.create(
        escalation=esc, kind=kind, text=text[:300], actor=actor, at=at or timezone.now()
    )


def _tell(esc: Escalation, people: list[User], *, urgent: bool) -> None:

    body = "\n".join(f"• {r}" for r in esc.reasons) if esc.reasons else esc.subject
    for user in people:
        notify(
            user=user,
            subject=f"{esc.circle.name}: {esc.subject}",
            body=body,
            url=esc.url or f"/escalations/{esc.public_id}/",
            urgent=urgent,
        )


def escalation_open(
    *,
    circle,
    kind: str,
    key: str,
    subject: str,
    reasons: list[str] | None = None,
    level: int = EscalationLevel.TEAM_LEADERS,
    visit=None,
    url: str = "",
    due_at: datetime | None = None,
    now: datetime | None = None,
    urgent: bool = False,
) -> tuple[Escalation, bool]:
    """Open an escalation for `key`, or return the open one (raised to `level` if higher)."""
    now = now or timezone.now()
    existing = Escalation.objects.filter(
        circle=circle, key=key, status=EscalationStatus.OPEN
    ).first()
    if existing is not None:
        if level > existing.level:
            escalation_raise(existing, level=level, reasons=reasons, now=now)
        return existing, False
    people = people_at(circle, level)
    try:
        with transaction.atomic():
            esc = Escalation.objects.create(
                circle=circle,
                kind=kind,
                key=key,
                level=level,
                subject=subject[:200],
                reasons=reasons or [],
                visit=visit,
                url=url,
                owner=people[0] if people else None,
                opened_at=now,
                due_at=due_at,
            )
            _event(
                esc,
                "opened",
                f"Opened for {esc.get_level_display().lower()}; owner "
                f"{esc.owner.get_full_name() if esc.owner else 'nobody (no one at this level)'}.",
                at=now,
            )
            transaction.on_commit(lambda: _tell(esc, people, urgent=urgent))
    except IntegrityError:  # someone opened it at the same moment
        return Escalation.objects.get(circle=circle, key=key, status=EscalationStatus.OPEN), False
    return esc, True


def escalation_raise(esc: Escalation, *, level: int, reasons=None, now=None) -> Escalation:
    now = now or timezone.now()
    people = people_at(esc.circle, level)
    with transaction.atomic():
        esc = Escalation.objects.select_for_update().get(pk=esc.pk)
        if esc.status != EscalationStatus.OPEN or esc.level >= level:
            return esc
        esc.level = level
        esc.owner = people[0] if people else esc.owner
        esc.due_at = None
        if reasons:
            esc.reasons = reasons
        esc.save(update_fields=["level", "owner", "due_at", "reasons"])
        _event(
            esc,
            "raised",
            f"Raised to {esc.get_level_display().lower()}; owner "
            f"{esc.owner.get_full_name() if esc.owner else 'nobody'}.",
            at=now,
        )
        transaction.on_commit(lambda: _tell(esc, people, urgent=True))
    return esc


def escalations_visible_to(user):
    roles = {user.role}
    qs = Escalation.objects.filter(circle__in=circles_visible_to(user))
    if Role.MANAGER in roles:
        return qs.filter(level=EscalationLevel.MANAGER) | qs.filter(owner=user)
    if Role.TEAM_LEADER in roles or Role.ADMIN in roles or user.is_superuser:
        return qs
    return qs.filter(owner=user)


def access_escalation(user, escalation_id) -> Escalation:
    esc = (
        escalations_visible_to(user)
        .filter(public_id=parse_uuid(escalation_id))
        .select_related("circle", "owner", "visit__client", "resolved_by")
        .first()
    )
    if esc is None:
        raise Http404("No such escalation.")
    return esc


def escalation_take(*, actor, escalation_id) -> Escalation:
    esc = access_escalation(actor, escalation_id)
    if actor not in people_at(esc.circle, esc.level) and not actor.is_superuser:
        raise PermissionDenied("Only someone at this level of the ladder can take it.")
    with transaction.atomic():
        esc = Escalation.objects.select_for_update().get(pk=esc.pk)
        if esc.status != EscalationStatus.OPEN:
            raise ValidationError({"escalation": "It is already resolved."})
        esc.owner = actor
        esc.save(update_fields=["owner"])
        _event(esc, "taken", f"{actor.get_full_name()} took it.", actor=actor)
    return esc


def escalation_resolve(*, actor, escalation_id, resolution: str) -> Escalation:
    esc = access_escalation(actor, escalation_id)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError(
            {"resolution": "Say how it was resolved (who covered, what was agreed)."}
        )
    if actor not in people_at(esc.circle, esc.level) and esc.owner_id != actor.id:
        raise PermissionDenied("Only its owner or someone at its level can resolve it.")
    return _resolve(esc, resolution=resolution, actor=actor)


def _resolve(esc: Escalation, *, resolution: str, actor=None, now=None) -> Escalation:
    now = now or timezone.now()
    with transaction.atomic():
        esc = Escalation.objects.select_for_update().get(pk=esc.pk)
        if esc.status != EscalationStatus.OPEN:
            return esc
        esc.status, esc.resolved_at, esc.resolved_by = EscalationStatus.RESOLVED, now, actor
        esc.resolution, esc.due_at = resolution[:300], None
        esc.save()
        _event(esc, "resolved", resolution, actor=actor, at=now)
    return esc


def escalation_resolve_key(*, circle, key: str, resolution: str, now=None) -> Escalation | None:
    esc = Escalation.objects.filter(circle=circle, key=key, status=EscalationStatus.OPEN).first()
    return _resolve(esc, resolution=resolution, now=now) if esc else None


def uncovered_tick(*, now: datetime | None = None) -> dict:
    """Escalate every visit with an open place that starts soon, and close those now covered."""
    now = now or timezone.now()
    # A circle's own escalation time (its weekly cycle settings) overrides the organisation's.
    own_hours = escalate_hours_by_circle()
    leaders_h = settings.ESCALATE_TEAM_LEADERS_HOURS
    leaders_at = now + timedelta(hours=max([leaders_h, *own_hours.values()]))
    manager_h = settings.ESCALATE_MANAGER_HOURS
    counts = {"opened": 0, "closed": 0}
    open_visits = (
        Visit.objects.filter(
            status=VisitStatus.PLANNED, window_start__gt=now, window_start__lte=leaders_at
        )
        .annotate(n=Count("assignments", filter=Q(assignments__status=AssignmentStatus.PUBLISHED)))
        .filter(n__lt=F("carers_needed"))
        .select_related("circle", "client")
    )
    for visit in open_visits:
        hours = own_hours.get(visit.circle_id, leaders_h)
        if visit.window_start > now + timedelta(hours=hours):
            continue
        start = visit.start or visit.window_start
        missing = visit.carers_needed - visit.n
        subject = (
            f"{visit.client}'s {visit.name.lower()} {local_when(start)} has "
            f"{'no carer' if missing == visit.carers_needed else f'{missing} place open'}"
        )
        level = (
            EscalationLevel.MANAGER
            if start - now <= timedelta(hours=manager_h)
            else EscalationLevel.TEAM_LEADERS
        )
        reasons = [
            f"Starts in {_in(start - now)}; still uncovered {hours} h before.",
            "Nobody in the circle has claimed it or accepted cover.",
        ]
        esc, created = escalation_open(
            circle=visit.circle,
            kind=EscalationKind.UNCOVERED_VISIT,
            key=visit_key(visit),
            subject=subject,
            reasons=reasons,
            level=level,
            visit=visit,
            url=f"/circles/{visit.circle.public_id}/board/?week={visit.date.isoformat()}",
            due_at=start - timedelta(hours=manager_h),
            now=now,
            urgent=level == EscalationLevel.MANAGER,
        )
        if created:
            counts["opened"] += 1
    # Close the uncovered-visit escalations whose place is now filled (or visit not needed).
    for esc in Escalation.objects.filter(
        kind=EscalationKind.UNCOVERED_VISIT, status=EscalationStatus.OPEN, visit__isnull=False
    ).select_related("visit"):
        visit = esc.visit
        filled = visit.assignments.filter(status=AssignmentStatus.PUBLISHED)
        if visit.status in (VisitStatus.CANCELLED, VisitStatus.RELEASED):
            _resolve(esc, resolution=f"Visit {visit.get_status_display().lower()}.", now=now)
            counts["closed"] += 1
        elif filled.count() >= visit.carers_needed:
            names = ", ".join(a.carer.name for a in filled.select_related("carer__user"))
            _resolve(esc, resolution=f"Covered by {names}.", now=now)
            counts["closed"] += 1
    counts.update(_expire(now=now))
    return counts


def _expire(*, now: datetime) -> dict:
    """Offers and escalations about visits whose time has gone: nobody can act on them now."""
    expired = offers_expire(now=now)
    return {"offers_expired": expired["swaps"] + expired["cover"], **stale_close(now=now)}


def stale_close(*, now: datetime | None = None) -> dict:
    """Close open swap-approval escalations once their visit has started (a swap can no longer
    be approved) and uncovered-visit escalations once their visit's planned time is over, with
    a resolution that says so. Escalations without a visit (health, help calls) are left alone."""
    now = now or timezone.now()
    closed = 0
    stale = Escalation.objects.filter(
        kind__in=[EscalationKind.SWAP_APPROVAL, EscalationKind.UNCOVERED_VISIT],
        status=EscalationStatus.OPEN,
        visit__isnull=False,
    ).select_related("visit")
    for esc in stale:
        visit = esc.visit
        start = visit.start or visit.window_start
        if esc.kind == EscalationKind.SWAP_APPROVAL and start <= now:
            text = (
                f"Closed without a decision: the visit started {local_when(start)} and a "
                "swap can no longer be approved."
            )
        elif esc.kind == EscalationKind.UNCOVERED_VISIT and visit.planned_end <= now:
            filled = visit.assignments.filter(status=AssignmentStatus.PUBLISHED).count()
            text = (
                f"Closed after the visit's time ({local_when(start)}) passed with "
                f"{filled} of {visit.carers_needed} places filled; check the visit record."
            )
        else:
            continue
        _resolve(esc, resolution=text, now=now)
        closed += 1
    return {"stale_closed": closed}


def _in(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"
