"""Loading the demo organisation: two circles in Hebden Mill with four weeks of history.

Idempotent: a second run finds the organisation and adds nothing."""

from __future__ import annotations

import functools
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module
from importlib.util import find_spec

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from carecircle.circles.models import Circle, Membership, MembershipRole, Organisation
from carecircle.people.models import (
    Authority,
    Carer,
    CarerCheck,
    CheckKind,
    Client,
    Representative,
    Role,
    Skill,
    User,
)
from carecircle.plans.models import CarePlan, CarePlanVersion, PlanTask, VersionStatus, VisitPattern
from carecircle.rota.models import Assignment, AvailabilityRule, Visit, VisitStatus
from carecircle.rota.selectors import week_start
from carecircle.rota.services import visits_generate
from carecircle.visits.demo import demo_medicines
from carecircle.web import demo_people as P

HISTORY_WEEKS = 4
# Apps that add their own demo data offer `carecircle.<app>.demo.populate(organisation, today)`,
# called once the circles, people, plans and visits exist (inside the same transaction).
DEMO_APPS = ("outcomes", "money", "interop", "simulation")
TRAVEL_GAP = timedelta(minutes=10)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "carecircle-demo")


@functools.cache
def _demo_password_hash() -> str:
    # Hashing is slow on purpose; every demo login shares one password, so hash it once.
    return make_password(demo_password())


def _user(username: str, first: str, last: str, role: str, org) -> User:
    return User.objects.create(
        username=username,
        first_name=first,
        last_name=last,
        role=role,
        organisation=org,
        password=_demo_password_hash(),
    )


def _t(text: str) -> time:
    return time.fromisoformat(text)


@dataclass
class DemoCarer:
    carer: Carer
    skills: set[str]
    days_off: list[int]
    shift: tuple[time, time]
    helps: set[int]
    busy: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    week_minutes: Counter = field(default_factory=Counter)


def load_demo(*, today: date | None = None) -> bool:
    """Create the demo. Returns False when it was already there."""
    if Organisation.objects.filter(slug=P.ORGANISATION["slug"]).exists():
        return False
    today = today or timezone.localdate()
    with transaction.atomic():
        org = Organisation.objects.create(**P.ORGANISATION)
        skills = {
            code: Skill.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in P.SKILLS.items()
        }
        admin = _user("admin", "Ada", "Admin", Role.ADMIN, org)
        admin.is_staff = admin.is_superuser = True
        admin.save()
        _user("helen", "Helen", "Brooks", Role.MANAGER, org)
        _user("sam", "Sam", "Adeyemi", Role.SAFEGUARDING_LEAD, org)
        for spec in P.CIRCLES:
            _load_circle(org, spec, skills, today)
        _apps_demo(org, today)
    return True


def _apps_demo(org: Organisation, today: date) -> None:
    for app in DEMO_APPS:
        if find_spec(f"carecircle.{app}.demo") is not None:
            import_module(f"carecircle.{app}.demo").populate(org, today)


def _load_circle(org, spec, skills, today: date) -> None:
    circle = Circle.objects.create(organisation=org, name=spec["name"], area=spec["area"])
    since = week_start(today) - timedelta(weeks=HISTORY_WEEKS + 8)
    clients = {}
    for key, first, last, age, need, address, postcode, lat, lon, langs, hours, summary in spec[
        "clients"
    ]:
        user = _user(key, first, last, Role.CLIENT, org)
        clients[key] = Client.objects.create(
            user=user,
            organisation=org,
            circle=circle,
            first_name=first,
            last_name=last,
            date_of_birth=date(today.year - age, 3, 14),
            address=address,
            postcode=postcode,
            latitude=lat,
            longitude=lon,
            languages=langs,
            assessed_weekly_hours=Decimal(hours),
            summary=summary,
        )
        _care_plan(clients[key], need, skills, since)
        demo_medicines(clients[key])
    for first, last in spec["leaders"]:
        leader = _user(first.lower(), first, last, Role.TEAM_LEADER, org)
        Membership.objects.create(
            circle=circle, user=leader, role=MembershipRole.TEAM_LEADER, starts_on=since
        )
    carers = _carers(org, circle, spec, skills, clients, since)
    by_name = {dc.carer.name: dc.carer for dc in carers}
    for key, names in spec["avoid"].items():
        clients[key].avoid_carers.set([by_name[n] for n in names])
    for key, names in spec["preferred"].items():
        clients[key].preferred_carers.set([by_name[n] for n in names])
    for first, _last, key, authority, relationship in spec["representatives"]:
        Representative.objects.create(
            user=User.objects.get(username=first.lower()),
            client=clients[key],
            authority=Authority(authority),
            relationship=relationship,
            valid_from=since,
        )
    start = week_start(today) - timedelta(weeks=HISTORY_WEEKS)
    end = week_start(today) + timedelta(days=13)
    for client in clients.values():
        visits_generate(actor=None, version=client.care_plan.agreed_version(), start=start, end=end)
    _assign(circle, carers, today)


def _care_plan(client: Client, need: str, skills, since: date) -> None:
    plan = CarePlan.objects.create(client=client)
    version = CarePlanVersion.objects.create(
        plan=plan,
        number=1,
        status=VersionStatus.AGREED,
        agreed_on=since,
        needs=client.summary,
        goals="To stay safely in my own home, with people I know.",
    )
    for name, days, start, latest, minutes, needed, codes, tasks in P.NEEDS[need]:
        pattern = VisitPattern.objects.create(
            version=version,
            name=name,
            weekdays=days,
            window_start=_t(start),
            window_end=_t(latest),
            duration_minutes=minutes,
            carers_needed=needed,
        )
        pattern.skills.set([skills[c] for c in codes])
        for title in tasks:
            PlanTask.objects.create(version=version, pattern=pattern, title=title)


def _carers(org, circle, spec, skills, clients, since: date) -> list[DemoCarer]:
    result = []
    existing = {u.username: u for u in User.objects.filter(organisation=org)}
    for first, last, kind, codes, langs, hours, rate, days_off, shift, helps in spec["carers"]:
        user = existing.get(first.lower()) or _user(first.lower(), first, last, Role.CARER, org)
        if first == "Sue":
            user.role = Role.REPRESENTATIVE
            user.save(update_fields=["role"])
        informal = kind in ("family", "friend", "neighbour", "volunteer")
        carer = Carer.objects.create(
            user=user,
            organisation=org,
            kind=kind,
            languages=langs,
            home_latitude=53.742 + len(result) * 0.0011,
            home_longitude=-2.02 + len(result) * 0.0009,
            contracted_hours=Decimal(str(hours)),
            cost_rate=Decimal(str(rate)),
            max_hours_per_day=Decimal("4" if informal else "10"),
            max_hours_per_week=Decimal("12" if informal else "48"),
        )
        carer.skills.set([skills[c] for c in codes])
        carer.helps_clients.set([clients[k] for k in helps])
        Membership.objects.create(
            circle=circle, user=user, role=MembershipRole.CARER, starts_on=since
        )
        shift_times = tuple(_t(x) for x in P.SHIFTS[shift])
        for weekday in range(7):
            if weekday not in days_off:
                AvailabilityRule.objects.create(
                    carer=carer, weekday=weekday, start_time=shift_times[0], end_time=shift_times[1]
                )
        if not informal:
            CarerCheck.objects.create(
                carer=carer,
                kind=CheckKind.BACKGROUND,
                name="Enhanced DBS check",
                completed_on=since,
                expires_on=since + timedelta(days=3 * 365),
            )
            for code in codes:
                if code in ("hoist", "medication"):
                    CarerCheck.objects.create(
                        carer=carer,
                        kind=CheckKind.TRAINING,
                        name=f"{P.SKILLS[code]} training",
                        enables_skill=skills[code],
                        completed_on=since,
                        expires_on=since + timedelta(days=365 + 30 * len(result)),
                    )
        result.append(
            DemoCarer(carer, set(codes), days_off, shift_times, {clients[k].id for k in helps})
        )
    return result


def _able(dc: DemoCarer, visit: Visit, codes: set[str], avoid: set[int]) -> bool:
    if dc.carer.id in avoid or not codes <= dc.skills:
        return False
    if dc.carer.is_informal and visit.client_id not in dc.helps:
        return False
    local_start = timezone.localtime(visit.window_start)
    local_end = local_start + timedelta(minutes=visit.duration_minutes)
    if visit.date.weekday() in dc.days_off:
        return False
    if not (dc.shift[0] <= local_start.time() and local_end.time() <= dc.shift[1]):
        return False
    start, end = visit.window_start, visit.window_start + timedelta(minutes=visit.duration_minutes)
    if any(start < b + TRAVEL_GAP and a < end + TRAVEL_GAP for a, b in dc.busy[visit.date]):
        return False
    day_minutes = sum((b - a).total_seconds() / 60 for a, b in dc.busy[visit.date])
    limit_day = float(dc.carer.max_hours_per_day) * 60
    limit_week = float(dc.carer.max_hours_per_week) * 60
    week = week_start(visit.date)
    return (
        day_minutes + visit.duration_minutes <= limit_day
        and dc.week_minutes[week] + visit.duration_minutes <= limit_week
    )


def _assign(circle: Circle, carers: list[DemoCarer], today: date) -> None:
    """A plausible rota for the demo: each place goes to the able carer who knows the client best,
    then a preferred carer, then whoever has worked least. (The rota engine drafts real weeks.)"""
    # Next week is generated but not rostered yet: the team drafts it with the rota engine.
    visits = list(
        Visit.objects.filter(circle=circle, date__lt=week_start(today) + timedelta(days=7))
        .select_related("client")
        .prefetch_related("skills")
        .order_by("window_start")
    )
    avoid = {c.id: set(c.avoid_carers.values_list("id", flat=True)) for c in circle.clients.all()}
    preferred = {
        c.id: set(c.preferred_carers.values_list("id", flat=True)) for c in circle.clients.all()
    }
    known: dict[int, Counter] = defaultdict(Counter)
    rows, completed = [], []
    # A place left open on purpose, so this week's board shows what a gap looks like.
    gaps = {(week_start(today) + timedelta(days=4), "Going to bed")}
    for visit in visits:
        codes = {s.code for s in visit.skills.all()}
        wanted = visit.carers_needed - (1 if (visit.date, visit.name) in gaps else 0)
        chosen: list[DemoCarer] = []
        for _ in range(wanted):
            able = [
                dc
                for dc in carers
                if dc not in chosen and _able(dc, visit, codes, avoid[visit.client_id])
            ]
            if not able:
                break
            best = max(
                able,
                key=lambda dc: (
                    known[visit.client_id][dc.carer.id],
                    dc.carer.id in preferred[visit.client_id],
                    not dc.carer.is_informal,
                    -dc.week_minutes[week_start(visit.date)],
                    -dc.carer.id,
                ),
            )
            chosen.append(best)
        for dc in chosen:
            end = visit.window_start + timedelta(minutes=visit.duration_minutes)
            dc.busy[visit.date].append((visit.window_start, end))
            dc.week_minutes[week_start(visit.date)] += visit.duration_minutes
            known[visit.client_id][dc.carer.id] += 1
            rows.append(Assignment(visit=visit, carer=dc.carer, why="demo rota"))
        if visit.date < today:
            completed.append(visit.id)
    Assignment.objects.bulk_create(rows)
    Visit.objects.filter(id__in=completed).update(status=VisitStatus.COMPLETED)
