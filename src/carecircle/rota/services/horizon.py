"""The rolling horizon: every client with an agreed plan has their visits generated to
ROTA_HORIZON_WEEKS ahead, whenever the worker runs `horizon_keep` (nightly, or
`manage.py keep_horizon`).

Safe to run at any time and as often as you like: an occurrence of a pattern (a pattern and a day)
is made once, so a second run adds nothing; one week for a batch of clients is written in one
transaction with their plans locked, so a crash or a second worker leaves whole client-weeks,
never half of one. Times are local wall-clock times of the organisation (Europe/London), so a 20:30 visit stays at
20:30 across a clock change. Days before the plan starts, after it ends, while it is paused, while
the client is away (hospital, respite) and from the day they died get no visits.

A newly agreed version takes over only what has not begun: a visit still on a superseded version
that is in the future, planned, unpublished (no carer has it on their published rota) and has no
visit record is replaced by the new version's; nothing in the past, nothing recorded and nothing a
carer holds is ever deleted."""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record
from carecircle.people.models import ClientAway
from carecircle.plans.models import CarePlan, CarePlanVersion, VersionStatus, VisitPattern
from carecircle.plans.services.dates import patterns_check
from carecircle.rota.models import AssignmentStatus, Visit, VisitStatus
from carecircle.rota.selectors import week_start
from carecircle.rota.services.generate import local_datetime

log = logging.getLogger(__name__)

HORIZON_MAX_WEEKS = 26  # the same limit as the ROTA_HORIZON_WEEKS setting
BATCH = 200  # plans read together; each client-week is still its own transaction


@dataclass
class HorizonReport:
    clients: int = 0  # clients with an agreed plan looked at
    client_weeks: int = 0  # client-weeks that got visits
    created: int = 0
    replaced: int = 0  # unbegun visits of a superseded version taken over by the agreed one
    refused: dict = field(default_factory=dict)  # client public id -> {field: [messages]}

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def horizon_weeks_check(weeks) -> int:
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= HORIZON_MAX_WEEKS:
        raise ValidationError(
            {
                "weeks": _("The horizon is 1 to %(max)s weeks ahead, not %(w)s.")
                % {"max": HORIZON_MAX_WEEKS, "w": weeks}
            }
        )
    return weeks


def horizon_keep(*, now: datetime | None = None, weeks: int | None = None, clients=None):
    """Generate every due visit up to `weeks` (default ROTA_HORIZON_WEEKS) ahead. `clients`
    narrows it to some clients. Returns what it did; a plan whose patterns cannot be generated
    (they overlap) is refused with the field and the reason, and the others go on."""
    now = now or timezone.now()
    weeks = horizon_weeks_check(settings.ROTA_HORIZON_WEEKS if weeks is None else weeks)
    plans = CarePlan.objects.filter(
        versions__status=VersionStatus.AGREED, client__circle__isnull=False
    )
    if clients is not None:
        plans = plans.filter(client__in=clients)
    ids = list(plans.order_by("pk").values_list("pk", flat=True))
    report = HorizonReport()
    for i in range(0, len(ids), BATCH):
        _keep_batch(ids[i : i + BATCH], now=now, weeks=weeks, report=report)
    if report.refused:
        log.warning("horizon: %s plans refused: %s", len(report.refused), report.refused)
    return report


def horizon_tick(now: datetime | None = None) -> dict:
    """The periodic worker's entry point (nightly is enough; more often does no harm)."""
    return horizon_keep(now=now).as_dict()


@dataclass
class _Plan:
    plan: CarePlan
    version: CarePlanVersion
    patterns: list
    tz: ZoneInfo
    today: date
    last: date
    away: list


def _load(ids: list[int], *, now: datetime, weeks: int) -> list[_Plan]:
    patterns = VisitPattern.objects.prefetch_related("skills")
    versions = {
        v.plan_id: v
        for v in CarePlanVersion.objects.filter(
            plan_id__in=ids, status=VersionStatus.AGREED
        ).prefetch_related(Prefetch("patterns", queryset=patterns))
    }
    plans = CarePlan.objects.filter(pk__in=ids).select_related("client__organisation")
    away = defaultdict(list)
    for period in ClientAway.objects.filter(client__care_plan__in=ids):
        away[period.client_id].append(period)
    out = []
    for plan in plans:
        if plan.pk not in versions:
            continue
        tz = ZoneInfo(plan.client.organisation.time_zone)
        today = now.astimezone(tz).date()
        out.append(
            _Plan(
                plan=plan,
                version=versions[plan.pk],
                patterns=list(versions[plan.pk].patterns.all()),
                tz=tz,
                today=today,
                last=today + timedelta(days=weeks * 7 - 1),
                away=away[plan.client_id],
            )
        )
    return out


def _keep_batch(ids: list[int], *, now: datetime, weeks: int, report: HorizonReport) -> None:
    loaded = _load(ids, now=now, weeks=weeks)
    if not loaded:
        return
    report.clients += len(loaded)
    _replace_superseded(loaded, now=now, report=report)
    lo = min(p.today for p in loaded)
    hi = max(p.last for p in loaded)
    taken: dict[int, list] = defaultdict(list)
    rows = Visit.objects.filter(
        client_id__in=[p.plan.client_id for p in loaded],
        pattern__isnull=False,
        date__range=(lo, hi),
    ).values_list("client_id", "pattern_id", "name", "date", "status")
    for client_id, *row in rows:
        taken[client_id].append(row)
    weeks_due: dict[date, list] = defaultdict(list)  # week -> [(plan, its due occurrences)]
    for p in loaded:
        try:
            patterns_check(p.patterns)
        except ValidationError as exc:
            report.refused[str(p.plan.client.public_id)] = exc.message_dict
            continue
        for week, due in _missing(p, taken[p.plan.client_id], now=now).items():
            weeks_due[week].append((p, due))
    for week, group in sorted(weeks_due.items(), key=lambda item: item[0]):
        made = _fill_week(week, group)
        report.client_weeks += len(made)
        report.created += sum(made.values())


def due_on(p: _Plan, day: date) -> bool:
    client = p.plan.client
    if client.died_on is not None and day >= client.died_on:
        return False
    if any(a.covers(day) for a in p.away):
        return False
    return p.plan.in_care_on(day)


def _missing(p: _Plan, visits: list, *, now: datetime) -> dict[date, list]:
    """The pattern occurrences from today to the horizon that are due and have no visit yet.
    A visit of a superseded version kept for the day (it had begun) counts by its name."""
    own = {pattern.pk for pattern in p.patterns}
    taken = {(pattern_id, day) for pattern_id, _n, day, _s in visits}
    kept = {
        (name, day)
        for pattern_id, name, day, status in visits
        if pattern_id not in own and status != VisitStatus.CANCELLED
    }
    by_week: dict[date, list] = defaultdict(list)
    day = p.today
    while day <= p.last:
        if due_on(p, day):
            for pattern in p.patterns:
                if day.weekday() not in pattern.weekdays:
                    continue
                if (pattern.pk, day) in taken or (pattern.name, day) in kept:
                    continue
                if local_datetime(day, pattern.window_start, p.tz) <= now:
                    continue  # never make a visit in the past
                by_week[week_start(day)].append((pattern, day))
        day += timedelta(days=1)
    return by_week


def _fill_week(week: date, group: list) -> dict[int, int]:
    """One week for a batch of clients, all or nothing: a crash leaves whole client-weeks (every
    visit of the week for every client in the batch, or none). The plans are locked so two
    workers (or an endorsement moving the rota) take turns; what exists is read again under the
    lock. Returns the number made per plan."""
    with transaction.atomic():
        pks = sorted(p.plan.pk for p, _due in group)
        list(CarePlan.objects.select_for_update().filter(pk__in=pks).values_list("pk"))
        agreed = set(
            CarePlanVersion.objects.filter(
                pk__in=[p.version.pk for p, _due in group], status=VersionStatus.AGREED
            ).values_list("pk", flat=True)
        )
        # A version superseded meanwhile is left to the next run, which uses the new one.
        group = [(p, due) for p, due in group if p.version.pk in agreed]
        exists = set(
            Visit.objects.filter(
                client_id__in=[p.plan.client_id for p, _due in group],
                pattern__isnull=False,
                date__range=(week, week + timedelta(days=6)),
            ).values_list("pattern_id", "date")
        )
        todo = []
        for p, due in group:
            due = [(pattern, day) for pattern, day in due if (pattern.pk, day) not in exists]
            if due:
                todo.append((p, due))
        rows = [(p, pattern, _visit(p, pattern, day)) for p, due in todo for pattern, day in due]
        visits = Visit.objects.bulk_create([visit for _p, _pattern, visit in rows])
        through = Visit.skills.through
        through.objects.bulk_create(
            [
                through(visit_id=visit.pk, skill_id=skill.pk)
                for (_p, pattern, _v), visit in zip(rows, visits, strict=True)
                for skill in pattern.skills.all()
            ]
        )
        made = {}
        for p, due in todo:
            made[p.plan.pk] = len(due)
            audit_record(
                actor=None,
                action="generate_visits",
                obj=p.plan,
                client=p.plan.client,
                detail={
                    "from": min(day for _p, day in due).isoformat(),
                    "to": max(day for _p, day in due).isoformat(),
                    "count": len(due),
                    "version": p.version.number,
                    "horizon": True,
                },
            )
    return made


def _visit(p: _Plan, pattern, day: date) -> Visit:
    assert p.plan.client.circle_id is not None  # horizon_keep takes clients in a circle only
    return Visit(
        client=p.plan.client,
        circle_id=p.plan.client.circle_id,
        pattern=pattern,
        plan_version=p.version,
        name=pattern.name,
        date=day,
        window_start=local_datetime(day, pattern.window_start, p.tz),
        window_end=local_datetime(day, pattern.window_end, p.tz),
        duration_minutes=pattern.duration_minutes,
        carers_needed=pattern.carers_needed,
    )


def _replace_superseded(loaded: list[_Plan], *, now: datetime, report: HorizonReport) -> None:
    """Unbegun visits still on a superseded version go, so the agreed version's are made in
    their place. Only what nobody holds: future, planned, no record, no published carer."""
    by_client = {p.plan.client_id: p for p in loaded}
    stale = (
        Visit.objects.filter(
            client_id__in=by_client,
            pattern__isnull=False,
            window_start__gt=now,
            status=VisitStatus.PLANNED,
        )
        .exclude(pattern__version__status=VersionStatus.AGREED)
        .exclude(records__isnull=False)
        .exclude(assignments__status=AssignmentStatus.PUBLISHED)
        .exclude(kept_times__isnull=False)
        .values_list("client_id", "pk")
    )
    found = defaultdict(list)
    for client_id, pk in stale:
        found[client_id].append(pk)
    for client_id, pks in found.items():
        p = by_client[client_id]
        with transaction.atomic():
            list(CarePlan.objects.select_for_update().filter(pk=p.plan.pk).values_list("pk"))
            # Looked at again under the lock: a carer may have taken one meanwhile.
            gone = list(
                Visit.objects.filter(pk__in=pks, status=VisitStatus.PLANNED, window_start__gt=now)
                .exclude(records__isnull=False)
                .exclude(assignments__status=AssignmentStatus.PUBLISHED)
                .exclude(kept_times__isnull=False)
                .values_list("public_id", flat=True)
            )
            if not gone:
                continue
            Visit.objects.filter(public_id__in=gone).delete()
            audit_record(
                actor=None,
                action="horizon_replace_visits",
                obj=p.plan,
                client=p.plan.client,
                detail={"visits": [str(g) for g in gone], "version": p.version.number},
            )
            report.replaced += len(gone)
