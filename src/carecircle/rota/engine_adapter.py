"""Turning a circle-week in the database into the rota engine's pure problem, and back.

Times become whole minutes from the local Monday 00:00 of the week, measured in real elapsed time,
and `day_starts` carries each local midnight: on the weekend the clocks change a day has 23 or 25
hours, and the engine's per-day limits and rest rules follow the real local days.

A carer's working time does not stop at the edge of one circle or one week: asked for, their
published visits in other circles that week, and in any circle on the days either side of it, come
in as fixed commitments, so rest (Sunday night to Monday morning), double booking and weekly hours
are judged on everything they do."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q

from carecircle import engine
from carecircle.circles.access import MembershipRole
from carecircle.engine.intervals import subtract_interval
from carecircle.people.checks import lapsed_skill_codes
from carecircle.people.models import Carer, Client
from carecircle.rota.models import (
    Absence,
    Assignment,
    AssignmentStatus,
    AvailabilityException,
    AvailabilityRule,
    Visit,
    VisitStatus,
)

PAID_REST_MINUTES = 11 * 60
HISTORY_DAYS = 28

KM_PER_DEGREE_LAT = 110.57


@dataclass(frozen=True)
class CircleWeek:
    problem: engine.Problem
    current: tuple  # published assignments of the open visits (engine.Assignment)
    origin: datetime  # local Monday 00:00 of the week
    visits: dict[str, Visit]
    carers: dict[str, Carer]
    # published visits outside this circle-week that the carers already do (fixed in `problem`)
    commitments: dict[str, Visit] = field(default_factory=dict)
    circle_id: int | None = None

    def to_datetime(self, minutes: int) -> datetime:
        return self.origin + timedelta(minutes=minutes)

    def elsewhere(self, minutes: int) -> Visit | None:
        """The commitment in another circle starting or ending at this minute, if there is one."""
        for visit in self.commitments.values():
            start = minutes_between(self.origin, visit.start or visit.window_start)
            if visit.circle_id != self.circle_id and minutes in (
                start,
                start + visit.duration_minutes,
            ):
                return visit
        return None


def minutes_between(origin: datetime, moment: datetime) -> int:
    return int((moment - origin).total_seconds() // 60)


def _position(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    x = (lon - lon0) * KM_PER_DEGREE_LAT * math.cos(math.radians(lat0))
    return (round(x, 3), round((lat - lat0) * KM_PER_DEGREE_LAT, 3))


def circle_carers(circle, day: date) -> list[Carer]:
    members = circle.memberships.filter(role=MembershipRole.CARER, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    return list(
        Carer.objects.filter(user__in=members.values("user"))
        .select_related("user")
        .prefetch_related("skills", "helps_clients", "checks")
    )


def availability_blocks(
    carer: Carer, days: list[date], tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """The weekly pattern for these days, changed by one-off exceptions and cut by absences."""
    rules = AvailabilityRule.objects.filter(carer=carer)
    exceptions = {
        e.date: e for e in AvailabilityException.objects.filter(carer=carer, date__in=days)
    }
    blocks: list[tuple[datetime, datetime]] = []
    for day in days:
        exc = exceptions.get(day)
        for rule in rules:
            if rule.weekday != day.weekday():
                continue
            if (rule.valid_from and day < rule.valid_from) or (
                rule.valid_until and day > rule.valid_until
            ):
                continue
            blocks.append(
                (
                    datetime.combine(day, rule.start_time, tz),
                    datetime.combine(day, rule.end_time, tz),
                )
            )
        if exc is not None:
            start = datetime.combine(day, exc.start_time or time(0), tz)
            end = (
                datetime.combine(day, exc.end_time, tz)
                if exc.end_time
                else datetime.combine(day + timedelta(days=1), time(0), tz)
            )
            blocks = subtract_interval(blocks, start, end)
            if exc.available:
                blocks.append((start, end))
    first = datetime.combine(days[0], time(0), tz)
    last = datetime.combine(days[-1] + timedelta(days=1), time(0), tz)
    for absence in Absence.objects.filter(carer=carer, starts_at__lt=last, ends_at__gt=first):
        blocks = subtract_interval(blocks, absence.starts_at, absence.ends_at)
    return sorted(blocks)


def _engine_carer(
    carer: Carer, origin: datetime, days: list[date], tz: ZoneInfo, lat0, lon0
) -> engine.Carer:
    blocks = availability_blocks(carer, days, tz)
    scope = (
        frozenset(str(c.public_id) for c in carer.helps_clients.all())
        if carer.is_informal
        else None
    )
    kept, only_clients = _for_whom(
        _block_clients(carer, blocks, tz),
        [int((b - a).total_seconds() // 60) for a, b in blocks],
        scope,
    )
    return engine.Carer(
        id=str(carer.public_id),
        kind="informal" if carer.is_informal else carer.kind,
        # An expired background check or training is a missing skill (people/checks.py),
        # judged on the last day planned so no visit in the window falls after the expiry.
        skills=frozenset(s.code for s in carer.skills.all())
        - lapsed_skill_codes(carer, on=days[-1]),
        location=_position(carer.home_latitude, carer.home_longitude, lat0, lon0),
        availability=tuple(
            (minutes_between(origin, a), minutes_between(origin, b))
            for i, (a, b) in enumerate(blocks)
            if i in kept
        ),
        contracted_minutes=int(carer.contracted_hours * 60),
        max_minutes_per_week=int(carer.max_hours_per_week * 60),
        max_minutes_per_day=int(carer.max_hours_per_day * 60),
        min_rest_minutes=0 if carer.is_informal else PAID_REST_MINUTES,
        cost_per_hour=float(carer.cost_rate),
        only_clients=only_clients,
    )


_ANYONE = "*"  # stands for every client no availability rule names


def _block_clients(carer: Carer, blocks, tz: ZoneInfo) -> list[frozenset[str] | None]:
    """For whom each block was offered: None for anyone, else the client ids of the rule it came
    from ("Tue 14–16 for Arthur"). A one-off "can work" exception is for anyone."""
    rules = list(
        AvailabilityRule.objects.filter(carer=carer, for_clients__isnull=False)
        .distinct()
        .prefetch_related("for_clients")
    )
    if not rules:
        return [None] * len(blocks)
    days = sorted({a.astimezone(tz).date() for a, _ in blocks})
    extra = [
        (
            datetime.combine(e.date, e.start_time or time(0), tz),
            datetime.combine(e.date + timedelta(days=1), time(0), tz)
            if e.end_time is None
            else datetime.combine(e.date, e.end_time, tz),
        )
        for e in AvailabilityException.objects.filter(carer=carer, date__in=days, available=True)
    ]
    out: list[frozenset[str] | None] = []
    for a, b in blocks:
        if any(x <= a and b <= y for x, y in extra):
            out.append(None)
            continue
        day = a.astimezone(tz).date()
        sets = [
            frozenset(str(c.public_id) for c in r.for_clients.all())
            for r in rules
            if r.weekday == day.weekday()
            and (r.valid_from is None or r.valid_from <= day)
            and (r.valid_until is None or day <= r.valid_until)
            and datetime.combine(day, r.start_time, tz) <= a
            and b <= datetime.combine(day, r.end_time, tz)
        ]
        out.append(frozenset().union(*sets) if sets else None)
    return out


def _for_whom(
    block_sets: list[frozenset[str] | None], lengths: list[int], scope: frozenset[str] | None
) -> tuple[set[int], frozenset[str]]:
    """The blocks to give the engine and the clients they may be used for.

    The engine's carer has one set of blocks for all the clients it may visit, so time offered
    for named people is expressed by limiting the carer to those people. When different blocks
    are for different people no single choice is exact; this one never lets time offered for one
    person be planned for another, and keeps the most client-minutes (ties: more clients)."""
    everything = set(range(len(block_sets)))
    if all(s is None for s in block_sets):
        return everything, scope or frozenset()
    named = frozenset().union(*(s for s in block_sets if s is not None))
    tokens = sorted(scope) if scope is not None else [*sorted(named), _ANYONE]
    usable = {
        t: frozenset(i for i, s in enumerate(block_sets) if s is None or (t in s and t != _ANYONE))
        for t in tokens
    }
    groups: dict[frozenset[int], list[str]] = defaultdict(list)
    for t in tokens:
        if usable[t]:
            groups[usable[t]].append(t)
    ordered = sorted(groups.items(), key=lambda g: (-len(g[0]), sorted(g[1])))[:8]
    best: tuple = ((0, 0), set(), frozenset())
    for mask in range(1, 1 << len(ordered)):
        chosen = [g for i, g in enumerate(ordered) if mask >> i & 1]
        who = {t for _, ts in chosen for t in ts}
        if _ANYONE in who and not who >= set(tokens) - {t for t in tokens if not usable[t]}:
            continue  # "anyone" takes in every named client too
        blocks = frozenset.intersection(*(b for b, _ in chosen))
        if not blocks:
            continue
        score = (sum(lengths[i] for i in blocks) * len(who), len(who))
        if score > best[0]:
            best = (score, set(blocks), frozenset(who))
    _, blocks, who = best
    if _ANYONE in who:
        return blocks, frozenset()
    return blocks, who


def _engine_client(client: Client, origin: datetime, lat0, lon0) -> engine.Client:
    since = origin - timedelta(days=HISTORY_DAYS)
    history = Counter(
        str(pid)
        for pid in Assignment.objects.filter(
            visit__client=client,
            visit__window_start__gte=since,
            visit__window_start__lt=origin,
            status=AssignmentStatus.PUBLISHED,
        ).values_list("carer__public_id", flat=True)
    )
    return engine.Client(
        id=str(client.public_id),
        location=_position(client.latitude, client.longitude, lat0, lon0),
        avoid=frozenset(str(c.public_id) for c in client.avoid_carers.all()),
        preferred=frozenset(str(c.public_id) for c in client.preferred_carers.all()),
        history=dict(history),
    )


def build_circle_week(
    *,
    circle,
    week_start: date,
    now: datetime,
    open_visits: frozenset[str] = frozenset(),
    commitments: bool = False,
    commitments_for: frozenset[str] | None = None,
) -> CircleWeek:
    """The problem for a circle-week. Published assignments and anything already started are
    fixed: re-planning never changes the past or what carers have been told. Visits named in
    `open_visits` (public ids) are left free even when published, for checking a change to them
    or repairing them; `CircleWeek.current` holds their published carers.

    With `commitments`, the carers' published visits in other circles this week and in any
    circle the day before and the day after come in as fixed visits (for the carers named in
    `commitments_for`, public ids; all the circle's carers when None). `day_starts` then runs
    from the Monday before, so this week's days are 7-13 and the engine's weeks (day // 7) stay
    calendar weeks."""
    tz = ZoneInfo(circle.organisation.time_zone)
    days = [week_start + timedelta(days=i) for i in range(7)]
    origin = datetime.combine(week_start, time(0), tz)
    clients = list(circle.clients.prefetch_related("avoid_carers", "preferred_carers"))
    lat0 = sum(c.latitude for c in clients) / max(1, len(clients))
    lon0 = sum(c.longitude for c in clients) / max(1, len(clients))
    carers = circle_carers(circle, week_start)
    visits = list(
        Visit.objects.filter(circle=circle, date__in=days)
        .exclude(status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .select_related("client")
        .prefetch_related("skills", "assignments__carer")
    )
    fixed, engine_visits, current = [], [], []
    published = defaultdict(list)
    for visit in visits:
        for a in visit.assignments.all():
            if a.status == AssignmentStatus.PUBLISHED:
                published[visit].append(str(a.carer.public_id))
    for visit in visits:
        if visit.window_start < now and not published[visit]:
            continue  # the past cannot be planned any more
        engine_visits.append(
            engine.Visit(
                id=str(visit.public_id),
                client=str(visit.client.public_id),
                earliest_start=minutes_between(origin, visit.window_start),
                latest_start=minutes_between(origin, visit.window_end),
                duration=visit.duration_minutes,
                carers_needed=visit.carers_needed,
                skills=frozenset(s.code for s in visit.skills.all()),
            )
        )
        if published[visit]:
            held = engine.Assignment(
                visit=str(visit.public_id),
                carers=tuple(sorted(published[visit])),
                start=minutes_between(origin, visit.start or visit.window_start),
            )
            if str(visit.public_id) in open_visits and visit.window_start >= now:
                current.append(held)
            else:
                fixed.append(held)
    engine_clients = [_engine_client(c, origin, lat0, lon0) for c in clients]
    elsewhere: dict[str, Visit] = {}
    span = days
    if commitments:
        tracked = [
            c for c in carers if commitments_for is None or str(c.public_id) in commitments_for
        ]
        elsewhere = _commitments(circle, days, tracked)
        extra = _engine_commitments(elsewhere, tracked, origin, lat0, lon0, known=clients)
        engine_visits += extra[0]
        fixed += extra[1]
        engine_clients += extra[2]
        span = [week_start + timedelta(days=i) for i in range(-7, 9)]
    day_starts = tuple(minutes_between(origin, datetime.combine(d, time(0), tz)) for d in span)
    problem = engine.Problem(
        name=f"{circle.name} week of {week_start}",
        clients=tuple(engine_clients),
        carers=tuple(_engine_carer(c, origin, days, tz, lat0, lon0) for c in carers),
        visits=tuple(engine_visits),
        day_starts=day_starts,
        fixed=tuple(fixed),
    )
    return CircleWeek(
        problem=problem,
        current=tuple(current),
        origin=origin,
        visits={str(v.public_id): v for v in visits},
        carers={str(c.public_id): c for c in carers},
        commitments=elsewhere,
        circle_id=circle.pk,
    )


def _commitments(circle, days: list[date], carers: list[Carer]) -> dict[str, Visit]:
    """The carers' published visits in other circles this week, and in any circle the day before
    and the day after it (enough for the rest rule: the checker looks at most a day ahead)."""
    if not carers:
        return {}
    around = [days[0] - timedelta(days=1), *days, days[-1] + timedelta(days=1)]
    rows = (
        Visit.objects.filter(
            date__in=around,
            assignments__carer__in=carers,
            assignments__status=AssignmentStatus.PUBLISHED,
        )
        .exclude(circle=circle, date__in=days)  # the circle-week itself is built above
        .exclude(status__in=[VisitStatus.CANCELLED, VisitStatus.RELEASED])
        .select_related("client", "circle")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(
                    status=AssignmentStatus.PUBLISHED, carer__in=carers
                ).select_related("carer"),
                to_attr="tracked",
            )
        )
        .distinct()
    )
    return {str(v.public_id): v for v in rows}


def _engine_commitments(elsewhere: dict[str, Visit], carers, origin, lat0, lon0, *, known):
    """Fixed engine visits (and the clients they are at) for commitments outside the circle-week.
    Only the tracked carers are on them: to this problem they are facts, not places to fill."""
    ids = {c.pk for c in carers}
    seen = {c.pk for c in known}
    visits, fixed, clients = [], [], []
    for vid, visit in elsewhere.items():
        on = tuple(sorted(str(a.carer.public_id) for a in visit.tracked if a.carer_id in ids))
        start = minutes_between(origin, visit.start or visit.window_start)
        visits.append(
            engine.Visit(
                id=vid,
                client=str(visit.client.public_id),
                earliest_start=start,
                latest_start=start,
                duration=visit.duration_minutes,
                carers_needed=len(on),
            )
        )
        fixed.append(engine.Assignment(visit=vid, carers=on, start=start))
        if visit.client_id not in seen:
            seen.add(visit.client_id)
            c = visit.client
            clients.append(
                engine.Client(
                    id=str(c.public_id), location=_position(c.latitude, c.longitude, lat0, lon0)
                )
            )
    return visits, fixed, clients
