"""From the database to `engine.rank_responders` and back: where each carer of the circle is now,
what they are doing, how well they know the client.

- On a visit now (checked in and not out, or by the rota when nothing was recorded): where they
  checked in, else that client's home; it can be left unless two carers are needed or it needs a
  skill in ALERT_UNINTERRUPTIBLE_SKILLS (personal care in progress).
- Otherwise where they last checked in or out today, else at the home of their last visit that
  has ended, else at their own home; free when they work now (an availability block or a visit today within two
  hours), off duty otherwise, and then asked only when they opted in.
- Away (an absence covering now): never asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from carecircle import engine
from carecircle.engine.responders import FREE, OFF_DUTY, ON_VISIT, Candidate, RankSettings
from carecircle.notifications.models import NotificationPreference
from carecircle.people.models import Carer, Client
from carecircle.rota.engine_adapter import _position, circle_carers
from carecircle.rota.models import (
    Absence,
    Assignment,
    AssignmentStatus,
    AvailabilityException,
    AvailabilityRule,
    VisitStatus,
)
from carecircle.visits.models import VisitRecord

# What each kind of call needs of whoever comes (missing it ranks a carer lower, never out).
KIND_SKILLS = {
    "fall": frozenset({"personal_care"}),
    "distressed": frozenset({"dementia"}),
    "unwell": frozenset({"medication"}),
}


@dataclass
class Pool:
    need: engine.Need
    responders: list[engine.Responder]
    carers: dict[str, Carer]
    on_visit: dict[str, object]  # carer public id -> the Visit they are on now


def _end(visit) -> datetime:
    return (visit.start or visit.window_start) + timedelta(minutes=visit.duration_minutes)


def build_pool(client: Client, *, kind: str, now: datetime) -> Pool:
    lat0, lon0 = client.latitude, client.longitude
    today = now.astimezone(client_zone(client)).date()
    carers = [c for c in circle_carers(client.circle, today) if c.user.is_active]
    by_id = {c.pk: c for c in carers}
    ids = list(by_id)
    away = set(
        Absence.objects.filter(
            carer_id__in=ids, starts_at__lte=now, ends_at__gt=now, withdrawn_at__isnull=True
        ).values_list("carer_id", flat=True)
    )
    day_rows = (
        Assignment.objects.filter(
            carer_id__in=ids,
            status=AssignmentStatus.PUBLISHED,
            visit__date__gte=today - timedelta(days=1),
            visit__date__lte=today,
        )
        .exclude(visit__status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .select_related("visit__client")
        .prefetch_related("visit__skills")
    )
    on_visit, last_place, worked, near_work = {}, {}, {}, set()
    for a in day_rows:
        v = a.visit
        start, end = v.start or v.window_start, _end(v)
        if start <= now < end:
            on_visit[a.carer_id] = v
        elif end <= now:
            if v.date == today:
                worked[a.carer_id] = worked.get(a.carer_id, 0) + v.duration_minutes
            prev = last_place.get(a.carer_id)
            if prev is None or _end(prev) < end:
                last_place[a.carer_id] = v
        if abs((start - now).total_seconds()) <= 2 * 3600 or abs((end - now).total_seconds()) <= (
            2 * 3600
        ):
            near_work.add(a.carer_id)
    recent = {}
    for carer_id in (
        Assignment.objects.filter(
            carer_id__in=ids,
            status=AssignmentStatus.PUBLISHED,
            visit__client=client,
            visit__date__gte=today - timedelta(days=30),
            visit__window_start__lt=now,
        )
        .exclude(visit__status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .values_list("carer_id", flat=True)
    ):
        recent[carer_id] = recent.get(carer_id, 0) + 1
    local = now.astimezone(client_zone(client))
    working = set(
        AvailabilityRule.objects.filter(
            carer_id__in=ids,
            weekday=local.weekday(),
            start_time__lte=local.time(),
            end_time__gt=local.time(),
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("carer_id", flat=True)
    )
    working -= set(
        AvailabilityException.objects.filter(
            carer_id__in=ids, date=today, available=False
        ).values_list("carer_id", flat=True)
    )
    checkins = _last_checkins(ids, now)
    opted = _opted_in([c.user_id for c in carers])
    uninterruptible = set(settings.ALERT_UNINTERRUPTIBLE_SKILLS)
    responders, by_public, visiting = [], {}, {}
    for carer in carers:
        if carer.pk in away:
            continue
        pid = str(carer.public_id)
        by_public[pid] = carer
        record = checkins.get(carer.pk)
        point = None
        if record is not None:
            if record.checked_out_at is None:
                on_visit[carer.pk] = record.visit
            elif carer.pk in on_visit and on_visit[carer.pk].pk == record.visit_id:
                del on_visit[carer.pk]  # checked out early: free now
            point = _record_point(record)
            last_seen = record.checked_out_at or record.checked_in_at
            if now - last_seen <= timedelta(hours=2):
                near_work.add(carer.pk)  # at work: recorded a visit within two hours
        visit = on_visit.get(carer.pk)
        if visit is not None:
            state = ON_VISIT
            codes = {s.code for s in visit.skills.all()}
            interruptible = visit.carers_needed == 1 and not (codes & uninterruptible)
            where = visit.client
            visiting[pid] = visit
        else:
            interruptible = True
            state = FREE if (carer.pk in working or carer.pk in near_work) else OFF_DUTY
            where = last_place[carer.pk].client if carer.pk in last_place else None
        if point is not None:
            location = _position(point[0], point[1], lat0, lon0)
        elif where is not None:
            location = _position(where.latitude, where.longitude, lat0, lon0)
        else:
            location = _position(carer.home_latitude, carer.home_longitude, lat0, lon0)
        responders.append(
            engine.Responder(
                id=pid,
                name=carer.user.first_name or carer.name,
                location=location,
                state=state,
                interruptible=interruptible,
                skills=frozenset(s.code for s in carer.skills.all()),
                visits_to_client=recent.get(carer.pk, 0),
                minutes_worked_today=worked.get(carer.pk, 0),
                opted_in=carer.user_id in opted,
                only_clients=frozenset(str(c.public_id) for c in carer.helps_clients.all())
                if carer.is_informal
                else frozenset(),
                informal=carer.is_informal,
            )
        )
    need = engine.Need(
        client=str(client.public_id),
        client_name=client.first_name,
        location=(0.0, 0.0),
        skills=KIND_SKILLS.get(kind, frozenset()),
        avoid=frozenset(str(c.public_id) for c in client.avoid_carers.all()),
    )
    return Pool(need=need, responders=responders, carers=by_public, on_visit=visiting)


def _last_checkins(carer_ids: list[int], now: datetime) -> dict:
    """Each carer's latest visit record begun in the last 12 hours (their last check-in)."""
    latest = {}
    for record in (
        VisitRecord.objects.filter(
            carer_id__in=carer_ids,
            checked_in_at__gte=now - timedelta(hours=12),
            checked_in_at__lte=now,
        )
        .select_related("visit__client")
        .prefetch_related("visit__skills")
        .order_by("checked_in_at")
    ):
        latest[record.carer_id] = record
    return latest


def _record_point(record) -> tuple[float, float]:
    if record.checked_out_at is not None and record.check_out_lat is not None:
        return record.check_out_lat, record.check_out_lon
    if record.check_in_lat is not None:
        return record.check_in_lat, record.check_in_lon
    return record.visit.client.latitude, record.visit.client.longitude


def current_visit(carer: Carer, now: datetime):
    """The visit a carer is on now: checked in and not out, else by the rota."""
    record = (
        VisitRecord.objects.filter(
            carer=carer,
            checked_in_at__gte=now - timedelta(hours=12),
            checked_in_at__lte=now,
        )
        .select_related("visit")
        .order_by("-checked_in_at")
        .first()
    )
    if record is not None:
        return record.visit if record.checked_out_at is None else None
    for a in (
        Assignment.objects.filter(
            carer=carer,
            status=AssignmentStatus.PUBLISHED,
            visit__window_start__lte=now,
            visit__window_start__gte=now - timedelta(hours=14),
        )
        .exclude(visit__status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .select_related("visit")
    ):
        v = a.visit
        if (v.start or v.window_start) <= now < _end(v):
            return v
    return None


def _opted_in(user_ids: list[int]) -> set[int]:
    return set(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, help_calls_off_duty=True
        ).values_list("user_id", flat=True)
    )


def client_zone(client: Client):
    from zoneinfo import ZoneInfo

    return ZoneInfo(client.organisation.time_zone or settings.TIME_ZONE)


def rank(pool: Pool) -> list[Candidate]:
    return engine.rank_responders(
        pool.need, pool.responders, RankSettings(speed_kmh=float(settings.ALERT_SPEED_KMH))
    )
