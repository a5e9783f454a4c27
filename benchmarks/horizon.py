#!/usr/bin/env python3
"""The rolling horizon: filling it for many clients, and the nightly top-up.

usage: horizon.py [--clients 1000] [--weeks 8]
Makes `--clients` clients in circles of four, each with an agreed plan of three visits a day
(morning, lunch, evening), then times `horizon_keep` twice: the first fill (nothing generated
yet: `--weeks` weeks of visits for everyone) and the nightly top-up a day later (one new day per
client). Counts the database queries of each. Afterwards every pattern occurrence must have
exactly one visit.

DATABASE_URL chooses the database (default: a fresh SQLite file in a temporary folder); the
database must be empty of other horizons' clients (a fresh one per run).
One JSON line per phase, then {"summary": true, ...}."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from zoneinfo import ZoneInfo

from _common import emit
from _common import setup_django as _setup_django

LONDON = ZoneInfo("Europe/London")
# A Monday night, with the spring clock change inside the eight weeks.
START = datetime(2030, 3, 18, 1, 0, tzinfo=LONDON)
PATTERNS = [
    ("Morning", clock(8, 0), clock(8, 30), 45),
    ("Lunch", clock(12, 30), clock(13, 0), 30),
    ("Evening", clock(18, 0), clock(18, 30), 30),
]


def make_clients(count: int, *, slug: str = "horizon-bench") -> list:
    """`count` clients, four to a circle, each with an agreed three-visit-a-day plan."""
    from carecircle.circles.models import Circle, Organisation
    from carecircle.people.models import Client
    from carecircle.plans.models import CarePlan, CarePlanVersion, VersionStatus, VisitPattern

    org = Organisation.objects.create(name="Horizon bench", slug=slug, time_zone="Europe/London")
    circles = Circle.objects.bulk_create(
        [Circle(organisation=org, name=f"Circle {i}") for i in range((count + 3) // 4)]
    )
    clients = Client.objects.bulk_create(
        [
            Client(
                organisation=org,
                circle=circles[i // 4],
                first_name=f"Client{i}",
                last_name="Bench",
                address="1 Mill Lane",
                latitude=53.74,
                longitude=-2.01,
                assessed_weekly_hours=Decimal("10"),
            )
            for i in range(count)
        ]
    )
    plans = CarePlan.objects.bulk_create([CarePlan(client=c) for c in clients])
    versions = CarePlanVersion.objects.bulk_create(
        [
            CarePlanVersion(plan=p, number=1, status=VersionStatus.AGREED, needs="bench")
            for p in plans
        ]
    )
    VisitPattern.objects.bulk_create(
        [
            VisitPattern(
                version=v,
                name=name,
                weekdays=[0, 1, 2, 3, 4, 5, 6],
                window_start=start,
                window_end=end,
                duration_minutes=minutes,
            )
            for v in versions
            for name, start, end, minutes in PATTERNS
        ]
    )
    return clients


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run(*, clients: list, weeks: int, database: str) -> list[dict]:
    """Time the first fill and the next night's top-up for `clients`; one row each and a
    summary. Checks that every occurrence has exactly one visit."""
    from django.db import connection
    from django.db.models import Count

    from carecircle.rota.models import Visit
    from carecircle.rota.services.horizon import horizon_keep

    rows = []
    phases = [("first_fill", START), ("top_up", START + timedelta(days=1))]
    for phase, now in phases:
        counter = QueryCounter()
        began = time.perf_counter()
        with connection.execute_wrapper(counter):
            report = horizon_keep(now=now, weeks=weeks, clients=clients)
        seconds = time.perf_counter() - began
        rows.append(
            {
                "phase": phase,
                "clients": len(clients),
                "weeks": weeks,
                "created": report.created,
                "client_weeks": report.client_weeks,
                "seconds": round(seconds, 3),
                "queries": counter.count,
                "queries_per_client": round(counter.count / len(clients), 2),
                "database": database,
            }
        )
    twice = (
        Visit.objects.filter(client__in=clients)
        .values("pattern_id", "date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    visits = Visit.objects.filter(client__in=clients).count()
    rows.append(
        {
            "summary": True,
            "clients": len(clients),
            "first_fill_s": rows[0]["seconds"],
            "top_up_s": rows[1]["seconds"],
            "queries_per_client": rows[1]["queries_per_client"],
            "first_fill_queries_per_client": rows[0]["queries_per_client"],
            "visits": visits,
            "duplicates": twice,
            "database": database,
        }
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    _setup_django("horizon-bench")
    from django.db import connection

    clients = make_clients(args.clients)
    for row in run(clients=clients, weeks=args.weeks, database=connection.vendor):
        emit(row)


if __name__ == "__main__":
    main()
