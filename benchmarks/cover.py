#!/usr/bin/env python3
"""Cover for an absence, through the product: from a carer's absence report to the cover proposal
stored as offers to carers.

usage: cover.py [--seeds 1-20] [--plan-time-limit 3] [--data DIR]
Each generated circle-week (../shared/benchmarks/circle_week) is loaded into the database as a real
circle (clients, carers with their availability, visits), the engine's plan is published, and the
carer with the most visits reports sickness for Tuesday and Wednesday through
`rota.services.absence_report` — the same call the "I can't work" page makes. We time that call
(freeing the places, building the problem from the database, the engine's repair, storing and
queueing the offers). Side by side, in the same run, the office's alternative: re-planning the
whole week from scratch for the same absence (time, and how many other visits it would change).

DATABASE_URL chooses the database (default: a fresh SQLite file in a temporary folder).
One JSON line per seed, then {"summary": true, "cases", "median_s", "p95_s", ...}."""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from _common import circle_week_tools, emit, p95, parse_seeds
from _common import setup_django as _setup_django

TZ = ZoneInfo("Europe/London")
LAT0, LON0 = 53.742, -2.013  # Hebden Mill
KIND = {"council": "council", "agency": "agency", "direct": "employed", "employed": "employed"}


def setup_django() -> None:
    _setup_django("cover-bench")


def monday_ahead() -> date:
    """A Monday four weeks ahead whose week has no clock change."""
    from django.utils import timezone

    day = timezone.localdate() + timedelta(days=28)
    day -= timedelta(days=day.weekday())
    while True:
        offsets = {
            datetime.combine(day + timedelta(days=i), datetime.min.time(), TZ).utcoffset()
            for i in range(8)
        }
        if len(offsets) == 1:
            return day
        day += timedelta(days=7)


def load(data: dict, seed: int, monday: date):
    """The instance as a real circle in the database. Returns (circle, carers by instance id)."""
    from carecircle.circles.models import Circle, Membership, Organisation
    from carecircle.people.models import Carer, Client, Skill, User
    from carecircle.rota.models import AvailabilityRule, Visit

    org, _ = Organisation.objects.get_or_create(slug="bench", defaults={"name": "Benchmark"})
    circle = Circle.objects.create(
        organisation=org, name=f"{data['name']} seed {seed} {time.time_ns()}"
    )
    origin = datetime.combine(monday, datetime.min.time(), TZ)
    cos = math.cos(math.radians(LAT0))

    def latlon(xy):
        return LAT0 + xy[1] / 110.57, LON0 + xy[0] / (110.57 * cos)

    skills = {}
    for code in {s for c in data["carers"] for s in c["skills"]} | {
        s for v in data["visits"] for s in v["skills"]
    }:
        skills[code], _ = Skill.objects.get_or_create(
            code=code, defaults={"name": code.replace("_", " ")}
        )
    clients = {}
    for k in data["clients"]:
        lat, lon = latlon(k["location"])
        clients[k["id"]] = Client.objects.create(
            organisation=org,
            circle=circle,
            first_name=k["id"],
            last_name=f"s{seed}",
            address="bench",
            latitude=lat,
            longitude=lon,
            assessed_weekly_hours=10,
        )
    carers = {}
    tag = f"{seed}-{circle.pk}"
    for c in data["carers"]:
        user = User.objects.create(
            username=f"{c['id']}-{tag}", first_name=c["id"], organisation=org
        )
        lat, lon = latlon(c["location"])
        informal = c["kind"] not in KIND
        carer = Carer.objects.create(
            user=user,
            organisation=org,
            kind="family" if informal else KIND[c["kind"]],
            home_latitude=lat,
            home_longitude=lon,
            contracted_hours=c["contracted_minutes"] / 60,
            max_hours_per_week=c["max_minutes_per_week"] / 60,
            max_hours_per_day=c["max_minutes_per_day"] / 60,
            cost_rate=c["cost_per_hour"],
        )
        carer.skills.set([skills[s] for s in c["skills"]])
        if informal:
            carer.helps_clients.set([clients[k] for k in c["only_clients"]])
        Membership.objects.create(
            circle=circle, user=user, role="carer", starts_on=monday - timedelta(days=60)
        )
        for a, b in c["availability"]:
            start, end = origin + timedelta(minutes=a), origin + timedelta(minutes=b)
            day = start.date()
            end_local = (
                end
                if end.date() == day
                else datetime.combine(day, datetime.max.time().replace(microsecond=0), TZ)
            )
            AvailabilityRule.objects.create(
                carer=carer,
                weekday=day.weekday(),
                start_time=start.time(),
                end_time=end_local.time(),
                valid_from=day,
                valid_until=day,
            )
        carers[c["id"]] = carer
    for k in data["clients"]:
        clients[k["id"]].avoid_carers.set([carers[c] for c in k["avoid"]])
        clients[k["id"]].preferred_carers.set([carers[c] for c in k["preferred"]])
    for v in data["visits"]:
        start = origin + timedelta(minutes=v["earliest_start"])
        visit = Visit.objects.create(
            client=clients[v["client"]],
            circle=circle,
            name=v["id"],
            date=start.date(),
            window_start=start,
            window_end=origin + timedelta(minutes=v["latest_start"]),
            duration_minutes=v["duration"],
            carers_needed=v["carers_needed"],
        )
        visit.skills.set([skills[s] for s in v["skills"]])
    return circle, carers


def publish_plan(circle, monday: date, time_limit: float):
    from django.utils import timezone

    from carecircle import engine
    from carecircle.rota.engine_adapter import build_circle_week
    from carecircle.rota.models import Assignment

    week = build_circle_week(circle=circle, week_start=monday, now=timezone.now())
    plan = engine.solve(week.problem, engine.Settings(time_limit_s=time_limit))
    rows = []
    for a in plan.assignments:
        visit = week.visits[a.visit]
        visit.start = week.to_datetime(a.start)
        visit.save(update_fields=["start"])
        rows += [
            Assignment(visit=visit, carer=week.carers[c], status="published") for c in a.carers
        ]
    Assignment.objects.bulk_create(rows)
    return Counter(r.carer for r in rows)


def replan_baseline(circle, monday: date, time_limit: float) -> dict:
    """The office's way: re-plan the week from scratch for the same absence."""
    from django.utils import timezone

    from carecircle import engine
    from carecircle.rota.engine_adapter import build_circle_week
    from carecircle.rota.models import Visit

    ids = frozenset(
        str(v) for v in Visit.objects.filter(circle=circle).values_list("public_id", flat=True)
    )
    week = build_circle_week(circle=circle, week_start=monday, now=timezone.now(), open_visits=ids)
    began = time.perf_counter()
    plan = engine.repair(week.problem, (), engine.Settings(time_limit_s=time_limit, workers=1))
    seconds = time.perf_counter() - began
    changes = engine.plan_changes(week.current, plan.assignments)
    return {
        "replan_s": round(seconds, 3),
        "replan_changed_visits": len(changes),
        "replan_unfilled": sum(u.missing for u in plan.unfilled),
    }


def run_seed(args, seed: int, generate, monday: date) -> dict:
    from carecircle.rota.models import CoverOffer
    from carecircle.rota.services import absence_report

    data = generate.generate(seed)
    circle, _ = load(data, seed, monday)
    load_counts = publish_plan(circle, monday, args.plan_time_limit)
    busiest = load_counts.most_common(1)[0][0]
    tue = datetime.combine(monday + timedelta(days=1), datetime.min.time(), TZ)
    began = time.perf_counter()
    absence = absence_report(
        actor=busiest.user, kind="sickness", starts_at=tue, ends_at=tue + timedelta(days=2)
    )
    seconds = time.perf_counter() - began
    offers = CoverOffer.objects.filter(absence=absence)
    freed = len(absence.proposal.get("freed", []))
    row = {
        "seed": seed,
        "freed_visits": freed,
        "offers": offers.count(),
        "left_open": len(absence.proposal.get("unfilled", [])),
        "report_to_proposal_s": round(seconds, 3),
        "engine_s": absence.proposal.get("seconds"),
        "engine_status": absence.proposal.get("status"),
    }
    row.update(replan_baseline(circle, monday, args.plan_time_limit))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-20")
    ap.add_argument("--plan-time-limit", type=float, default=3.0)
    ap.add_argument("--data", type=Path, default=None)
    args = ap.parse_args()
    generate, _check = circle_week_tools(args.data)
    setup_django()
    monday = monday_ahead()
    rows = []
    for seed in parse_seeds(args.seeds):
        row = run_seed(args, seed, generate, monday)
        rows.append(row)
        emit(row)
    times = [r["report_to_proposal_s"] for r in rows]
    replans = [r["replan_s"] for r in rows]
    emit(
        {
            "summary": True,
            "cases": len(rows),
            "median_s": round(statistics.median(times), 3),
            "p95_s": round(p95(times), 3),
            "max_s": round(max(times), 3),
            "database": os.environ["DATABASE_URL"].split(":")[0],
            "offers": sum(r["offers"] for r in rows),
            "freed_visits": sum(r["freed_visits"] for r in rows),
            "left_open": sum(r["left_open"] for r in rows),
            "replan_median_s": round(statistics.median(replans), 3),
            "speedup_vs_replan": round(
                statistics.median(replans) / max(1e-6, statistics.median(times)), 1
            ),
            "replan_median_changed_visits": statistics.median(
                r["replan_changed_visits"] for r in rows
            ),
        }
    )


if __name__ == "__main__":
    sys.exit(main())
