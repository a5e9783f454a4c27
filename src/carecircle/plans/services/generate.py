"""Writes to care plans, and generating visits from the agreed version."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction

from carecircle.audit.services import audit_record
from carecircle.plans.models import CarePlanVersion, VersionStatus
from carecircle.rota.models import Visit

MAX_GENERATE_DAYS = 62


def local_datetime(day: date, at, tz: ZoneInfo) -> datetime:
    """A local wall-clock time on a day, made aware. zoneinfo picks the right offset on either
    side of a daylight-saving change, so 20:30 is 20:30 on a 23- or 25-hour day."""
    return datetime.combine(day, at, tzinfo=tz)


def visit_from_pattern(*, client, pattern, version, day: date, tz: ZoneInfo, skills) -> Visit:
    """One visit of a pattern on a day, at the pattern's local times, with its skills."""
    visit = Visit.objects.create(
        client=client,
        circle_id=client.circle_id,
        pattern=pattern,
        plan_version=version,
        name=pattern.name,
        date=day,
        window_start=local_datetime(day, pattern.window_start, tz),
        window_end=local_datetime(day, pattern.window_end, tz),
        duration_minutes=pattern.duration_minutes,
        carers_needed=pattern.carers_needed,
    )
    visit.skills.set(skills)
    return visit


def visits_generate(*, actor, version: CarePlanVersion, start: date, end: date) -> list[Visit]:
    """Create the visits of an agreed plan version for the days start..end (inclusive).

    Idempotent: a visit that already exists for a pattern and day is left as it is."""
    if version.status != VersionStatus.AGREED:
        raise ValidationError({"version": "Visits come only from the agreed version of a plan."})
    if end < start:
        raise ValidationError({"end": "The end date must be on or after the start date."})
    if (end - start).days + 1 > MAX_GENERATE_DAYS:
        raise ValidationError({"end": f"Generate at most {MAX_GENERATE_DAYS} days at a time."})
    client = version.plan.client
    if client.circle_id is None:
        raise ValidationError({"client": "The client is not in a circle yet."})
    tz = ZoneInfo(client.organisation.time_zone)
    created: list[Visit] = []
    with transaction.atomic():
        for pattern in version.patterns.prefetch_related("skills"):
            existing = set(
                Visit.objects.filter(pattern=pattern, date__range=(start, end)).values_list(
                    "date", flat=True
                )
            )
            skills = list(pattern.skills.all())
            day = start
            while day <= end:
                if day.weekday() in pattern.weekdays and day not in existing:
                    visit = visit_from_pattern(
                        client=client,
                        pattern=pattern,
                        version=version,
                        day=day,
                        tz=tz,
                        skills=skills,
                    )
                    created.append(visit)
                day += timedelta(days=1)
        if created:
            audit_record(
                actor=actor,
                action="generate_visits",
                obj=version.plan,
                client=client,
                detail={"from": start.isoformat(), "to": end.isoformat(), "count": len(created)},
            )
    return created
