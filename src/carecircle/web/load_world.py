"""A large world for the load benchmark (`manage.py seed_load`): by default 1,000 circles in ten
organisations, 12 carers, 2 team leaders and 4 clients a circle (12,000 carers, 4,000 clients),
each client visited four times today and tomorrow, with tomorrow's midday visit left open for a carer
to take. Written with bulk_create in one transaction per organisation: about a minute on
PostgreSQL, not the demo's hours of per-object services. Not the demo: no plans, history or
stories, only what My day, the circle board, sync, place claims and help calls read."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from carecircle.circles.models import Circle, Membership, MembershipRole, Organisation
from carecircle.people.models import Carer, CarerKind, Client, Role, User
from carecircle.rota.models import Assignment, AssignmentStatus, AvailabilityRule, Visit

SLUG_PREFIX = "load-"
VISIT_TIMES = (time(8, 0), time(12, 0), time(17, 0), time(21, 0))
OPEN_TIME = time(12, 0)  # tomorrow's midday visit of each client is an open place
BATCH = 2000


def load_world_exists() -> bool:
    return Organisation.objects.filter(slug__startswith=SLUG_PREFIX).exists()


def seed_load_world(
    *,
    circles: int = 1000,
    organisations: int = 10,
    carers_per_circle: int = 12,
    leaders_per_circle: int = 2,
    clients_per_circle: int = 4,
    password: str,
    seed: int = 1,
    today: date | None = None,
    progress=None,
) -> dict[str, int]:
    """Create the world; returns how many of each thing were made."""
    rnd = random.Random(seed)
    today = today or timezone.localdate()
    hashed = make_password(password)  # one hash for every account: hashing 14,000 takes minutes
    counts = {
        k: 0 for k in ("organisations", "circles", "carers", "team_leaders", "clients", "visits")
    }
    counts["open_places"] = 0
    per_org = [
        circles // organisations + (1 if i < circles % organisations else 0)
        for i in range(organisations)
    ]
    for o, n_circles in enumerate(per_org):
        if not n_circles:
            continue
        with transaction.atomic():
            made = _seed_organisation(
                index=o,
                n_circles=n_circles,
                carers_per_circle=carers_per_circle,
                leaders_per_circle=leaders_per_circle,
                clients_per_circle=clients_per_circle,
                hashed=hashed,
                rnd=rnd,
                today=today,
            )
        for key, value in made.items():
            counts[key] += value
        if progress:
            progress(o + 1, len(per_org), counts)
    return counts


def _seed_organisation(
    *,
    index,
    n_circles,
    carers_per_circle,
    leaders_per_circle,
    clients_per_circle,
    hashed,
    rnd,
    today,
) -> dict[str, int]:
    tag = f"{index + 1:02d}"
    org = Organisation.objects.create(
        name=f"Load test organisation {tag}", slug=f"{SLUG_PREFIX}{tag}", town=f"Town {tag}"
    )
    circles = Circle.objects.bulk_create(
        [Circle(organisation=org, name=f"Circle {tag}-{c + 1:03d}") for c in range(n_circles)],
        batch_size=BATCH,
    )
    centre = [(53.5 + rnd.random(), -2.5 + rnd.random()) for _ in circles]
    since = today - timedelta(days=60)

    users: list[User] = []
    for c in range(len(circles)):
        for k in range(leaders_per_circle):
            users.append(_user(f"load{tag}-c{c + 1}-tl{k + 1}", Role.TEAM_LEADER, org, hashed))
        for k in range(carers_per_circle):
            users.append(_user(f"load{tag}-c{c + 1}-carer{k + 1}", Role.CARER, org, hashed))
    users = User.objects.bulk_create(users, batch_size=BATCH)

    per_circle = leaders_per_circle + carers_per_circle
    memberships, carers = [], []
    for c, circle in enumerate(circles):
        block = users[c * per_circle : (c + 1) * per_circle]
        for k, user in enumerate(block):
            leader = k < leaders_per_circle
            memberships.append(
                Membership(
                    circle=circle,
                    user=user,
                    role=MembershipRole.TEAM_LEADER if leader else MembershipRole.CARER,
                    starts_on=since,
                )
            )
            if not leader:
                lat, lon = centre[c]
                carers.append(
                    Carer(
                        user=user,
                        organisation=org,
                        kind=CarerKind.COUNCIL if k % 3 else CarerKind.AGENCY,
                        home_latitude=lat + rnd.uniform(-0.03, 0.03),
                        home_longitude=lon + rnd.uniform(-0.03, 0.03),
                        contracted_hours=Decimal("30"),
                    )
                )
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    carers = Carer.objects.bulk_create(carers, batch_size=BATCH)
    AvailabilityRule.objects.bulk_create(
        (
            AvailabilityRule(carer=carer, weekday=d, start_time=time(7), end_time=time(22))
            for carer in carers
            for d in range(7)
        ),
        batch_size=BATCH,
    )

    clients = Client.objects.bulk_create(
        [
            Client(
                organisation=org,
                circle=circle,
                first_name=f"Client{k + 1}",
                last_name=f"C{tag}-{c + 1}",
                address=f"{k + 1} Load Street",
                latitude=centre[c][0] + rnd.uniform(-0.02, 0.02),
                longitude=centre[c][1] + rnd.uniform(-0.02, 0.02),
                assessed_weekly_hours=Decimal("14"),
                location_consent_at=timezone.now(),
            )
            for c, circle in enumerate(circles)
            for k in range(clients_per_circle)
        ],
        batch_size=BATCH,
    )

    zone = timezone.get_current_timezone()
    visits, owners = [], []
    for c, circle in enumerate(circles):
        circle_carers = carers[c * carers_per_circle : (c + 1) * carers_per_circle]
        slot = 0
        for day in (today, today + timedelta(days=1)):
            for client in clients[c * clients_per_circle : (c + 1) * clients_per_circle]:
                for at in VISIT_TIMES:
                    start = datetime.combine(day, at, zone)
                    visits.append(
                        Visit(
                            client=client,
                            circle=circle,
                            name=f"Visit {at:%H:%M}",
                            date=day,
                            window_start=start,
                            window_end=start,
                            start=start,
                            duration_minutes=30,
                        )
                    )
                    is_open = day != today and at == OPEN_TIME
                    owners.append(None if is_open else circle_carers[slot % len(circle_carers)])
                    slot += 0 if is_open else 1
    visits = Visit.objects.bulk_create(visits, batch_size=BATCH)
    Assignment.objects.bulk_create(
        (
            Assignment(visit=v, carer=carer, status=AssignmentStatus.PUBLISHED, why="load seed")
            for v, carer in zip(visits, owners, strict=True)
            if carer is not None
        ),
        batch_size=BATCH,
    )
    return {
        "organisations": 1,
        "circles": len(circles),
        "carers": len(carers),
        "team_leaders": len(circles) * leaders_per_circle,
        "clients": len(clients),
        "visits": len(visits),
        "open_places": sum(1 for o in owners if o is None),
    }


def _user(username: str, role: str, org: Organisation, hashed: str) -> User:
    first = username.rsplit("-", 1)[-1].capitalize()
    return User(
        username=username,
        first_name=first,
        last_name=username.split("-")[0],
        role=role,
        organisation=org,
        password=hashed,
    )
