#!/usr/bin/env python3
"""Ranking responders to a distress alert: engine.rank_responders against plain nearest-first.

usage: responders.py [--repeats 300] [--seed 1] [--calls 200] [--no-end-to-end]
Pools of 200 (a town's day shift) and 5,000 (an out-of-hours pool) carers at random places,
states and familiarity, ranked by the engine and by plain nearest-first side by side.

End to end: the real HTTP server (uvicorn, as `make run` serves it) on PostgreSQL
(DATABASE_URL, default postgres://postgres@127.0.0.1:5432/carecircle_bench_alerts, created and
loaded with the demo when missing); each client's pendant POSTs /api/v1/alerts and the time is
taken until the answer, which comes after the call, its ranking and the first wave of offers with
their notifications are committed and queued for sending. Each call is stood down between POSTs
(outside the timing) so the next press raises a new call. Side by side: GET /health/ through the
same server, the floor any request pays. The circles' paid carers are opted in to off-duty calls
first, so there is someone to ask at any hour; a call that got no offers, or a press that was not
answered 201, makes the run fail (exit status 1) after its JSON lines.

One JSON line a case, then the summary."""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _common import REPO, emit, p95
from carecircle.engine.responders import FREE, OFF_DUTY, ON_VISIT, Need, Responder, rank_responders

SKILLS = ("personal_care", "medication", "hoist", "dementia")


def pool(rnd: random.Random, size: int) -> list[Responder]:
    return [
        Responder(
            id=f"c{i}",
            name=f"Carer {i}",
            location=(rnd.uniform(0, 15), rnd.uniform(0, 15)),
            state=rnd.choice((FREE, FREE, ON_VISIT, OFF_DUTY)),
            interruptible=rnd.random() < 0.7,
            skills=frozenset(s for s in SKILLS if rnd.random() < 0.6),
            visits_to_client=rnd.choice((0, 0, 0, 1, 4, 12)),
            minutes_worked_today=rnd.randint(0, 480),
            opted_in=rnd.random() < 0.5,
        )
        for i in range(size)
    ]


def nearest_first(need: Need, responders) -> list[str]:
    """The baseline: whoever is physically closest, nothing else considered."""
    x, y = need.location
    return sorted((math.hypot(r.location[0] - x, r.location[1] - y), r.id) for r in responders)[:3]


def measure(fn, args, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - began) * 1000)
    return out


DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/carecircle_bench_alerts"


def _ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        return
    conn = psycopg.connect(
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, body=None, token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    began = time.perf_counter()
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = (time.perf_counter() - began) * 1000
    conn.close()
    return response.status, data, elapsed


def _take_calls_off_duty() -> None:
    """Every circle's paid carers may be asked off duty (as a carer can choose on "How we tell
    you"): at night nobody is working, and a call nobody can be offered measures nothing."""
    from django.utils import timezone

    from carecircle.circles.models import Circle
    from carecircle.notifications.models import NotificationPreference
    from carecircle.rota.engine_adapter import circle_carers

    for circle in Circle.objects.all():
        for carer in circle_carers(circle, timezone.localdate()):
            if not carer.is_informal:
                NotificationPreference.objects.update_or_create(
                    user=carer.user, defaults={"help_calls_off_duty": True}
                )


def failures(e2e: dict | None) -> list[str]:
    """Why the run must fail: presses not answered 201, or calls nobody was offered."""
    if e2e is None:
        return []
    out = []
    if e2e["failed"]:
        out.append(f"{e2e['failed']} of {e2e['calls']} presses were not answered 201")
    if e2e["calls_without_offers"]:
        out.append(f"{e2e['calls_without_offers']} calls got no offers")
    return out


def end_to_end(calls: int) -> dict:
    url = os.environ.get("DATABASE_URL") or DEFAULT_PG
    _ensure_database(url)
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="carecircle.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "benchmark-only"),
        CARECIRCLE_DEMO="true",
        ALERT_ON_SCENE_MINUTES="0",
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from carecircle.alerts.models import AlarmDevice, AlertStatus, HelpAlert, HelpOffer
    from carecircle.alerts.services import device_issue
    from carecircle.people.models import Client
    from carecircle.web.demo import load_demo

    load_demo()
    _take_calls_off_duty()
    HelpAlert.objects.filter(status__in=["offering", "accepted", "arrived"]).update(
        status=AlertStatus.CANCELLED
    )
    AlarmDevice.objects.filter(name="benchmark pendant").delete()
    devices = [
        (c, device_issue(client=c, name="benchmark pendant")[1])
        for c in Client.objects.filter(circle__isnull=False).order_by("id")
    ]
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            "carecircle.asgi:application",
            "--lifespan",
            "off",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=str(REPO),
    )
    try:
        for _ in range(200):
            try:
                if _request(port, "GET", "/health/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the HTTP server did not start")
        # Warm up: first requests import modules and open connections.
        for client, token in devices[:2]:
            _request(port, "POST", "/api/v1/alerts", {"event_id": uuid.uuid4().hex}, token)
            HelpAlert.objects.filter(client=client).update(status=AlertStatus.CANCELLED)
        posts, floors, offers, bad = [], [], [], 0
        for i in range(calls):
            client, token = devices[i % len(devices)]
            status, data, ms = _request(
                port,
                "POST",
                "/api/v1/alerts",
                {"event_id": uuid.uuid4().hex, "kind": "fall"},
                token,
            )
            if status != 201:
                bad += 1
                continue
            posts.append(ms)
            alert_id = json.loads(data)["id"]
            offers.append(HelpOffer.objects.filter(alert__public_id=alert_id).count())
            HelpAlert.objects.filter(public_id=alert_id).update(status=AlertStatus.CANCELLED)
            floors.append(_request(port, "GET", "/health/")[2])
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not posts:
        raise SystemExit(f"end to end: none of {calls} presses was answered 201")
    return {
        "case": "end_to_end",
        "database": url.split(":")[0],
        "calls": calls,
        "failed": bad,
        "calls_without_offers": sum(1 for n in offers if n == 0),
        "median_ms": round(statistics.median(posts), 2),
        "p95_ms": round(p95(posts), 2),
        "max_ms": round(max(posts), 2),
        "offers_per_call_min": min(offers),
        "baseline_health_median_ms": round(statistics.median(floors), 2),
        "baseline_health_p95_ms": round(p95(floors), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--no-end-to-end", action="store_true")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    need = Need("k1", "Edna", (7.5, 7.5), skills=frozenset({"personal_care"}))
    results = {}
    for size in (200, 5000):
        responders = pool(rnd, size)
        repeats = args.repeats if size <= 200 else max(30, args.repeats // 5)
        ours = measure(lambda n, p: rank_responders(n, p, limit=3), (need, responders), repeats)
        base = measure(nearest_first, (need, responders), repeats)
        results[size] = ours
        emit(
            {
                "case": f"rank_{size}",
                "pool": size,
                "repeats": repeats,
                "median_ms": round(statistics.median(ours), 3),
                "p95_ms": round(p95(ours), 3),
                "baseline_median_ms": round(statistics.median(base), 3),
                "ratio_to_baseline": round(statistics.median(ours) / statistics.median(base), 2),
                "first_wave": [c.reason for c in rank_responders(need, responders, limit=3)],
            }
        )
    e2e = None
    if not args.no_end_to_end:
        e2e = end_to_end(args.calls)
        emit(e2e)
    emit(
        {
            "summary": True,
            "pool": 200,
            "median_ms": round(statistics.median(results[200]), 3),
            "p95_ms": round(p95(results[200]), 3),
            "pool_5000_p95_ms": round(p95(results[5000]), 3),
            "end_to_end_p95_ms": e2e["p95_ms"] if e2e else None,
        }
    )
    problems = failures(e2e)
    if problems:
        print("FAILED: " + "; ".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
