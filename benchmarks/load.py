#!/usr/bin/env python3
"""Load: the production profile on PostgreSQL with 1,000 circles, 12,000 carers and 4,000 clients,
under locust (headless, bounded in users and time, against 127.0.0.1 only).

usage: load.py [--users 50] [--spawn-rate 10] [--duration 60] [--web-concurrency 2]
               [--task-workers 2]

DATABASE_URL names the PostgreSQL database (default: LOAD_DATABASE_URL or
postgres://postgres@127.0.0.1:5432/carecircle_load, created when missing); `manage.py seed_load`
fills it on the first run. The processes of deploy/Procfile are started on a free port (web with
WEB_CONCURRENCY uvicorn processes, the task workers, the circle worker), locust runs
benchmarks/locustfile.py against them, and afterwards every sync operation the server
acknowledged is looked up in the database.

JSON lines: the set-up, one per request kind, then
{"summary": true, "users", "my_day_p95_ms", "board_p95_ms", "sync_ops_per_s",
 "help_first_offers_p95_ms", "failed", "lost", ...}. "failed" counts failed requests (each resend
of a failed sync or help call counts again); "lost" counts acknowledged sync operations or records
that are not in the database. The targets (benchmarks/README.md) are checked in "unmet"."""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, emit, p95

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/carecircle_load"
TARGETS = {
    "my_day_p95_ms": ("<=", 150),
    "board_p95_ms": ("<=", 300),
    "sync_ops_per_s": (">=", 150),
    "help_first_offers_p95_ms": ("<=", 250),
    "failed": ("<=", 0),
    "lost": ("<=", 0),
}


def _procfile():
    spec = importlib.util.spec_from_file_location("procfile", REPO / "deploy" / "procfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        sys.exit("the load benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    admin = dict(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**admin) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            pg.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def setup(url: str) -> float:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + secrets.token_hex(16))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    call_command("seed_load", "--if-missing", verbosity=0)
    return time.perf_counter() - t0


def _session_for(user, csrf: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
    from django.contrib.auth import SESSION_KEY as AUTH_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from carecircle.people.security import SESSION_KEY as TWO_FACTOR_KEY

    # A completed sign-in (password and, for team leaders, the second factor): signing 50 users
    # in is not what is measured.
    store = SessionStore()
    store[AUTH_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "carecircle.people.auth_backends.ThrottledModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[TWO_FACTOR_KEY] = user.pk
    store.create()
    return store.session_key


def prepare(*, carers: int, leaders: int, devices: int, seed: int) -> dict:
    """Signed-in carers (a session, an API token, today's unrecorded visits, their circle's open
    places), team leaders (a session, their circle) and alarm devices for clients with no open
    call."""
    from django.utils import timezone

    from carecircle.alerts.models import ACTIVE_ALERT, HelpAlert
    from carecircle.alerts.services import device_issue
    from carecircle.circles.models import Membership, MembershipRole
    from carecircle.people.models import ApiToken, Carer, Client
    from carecircle.rota.models import Assignment, Visit
    from carecircle.visits.models import VisitRecord
    from carecircle.web.load_world import SLUG_PREFIX

    rnd = random.Random(seed)
    today = timezone.localdate()
    org_filter = {"organisation__slug__startswith": SLUG_PREFIX}
    carer_ids = list(Carer.objects.filter(**org_filter).values_list("pk", flat=True))
    chosen = Carer.objects.filter(pk__in=rnd.sample(carer_ids, min(carers, len(carer_ids))))
    recorded = set(VisitRecord.objects.values_list("visit_id", flat=True))
    world = {"carers": [], "team_leaders": [], "devices": []}
    for carer in chosen.select_related("user"):
        membership = Membership.objects.filter(user=carer.user_id).first()
        visits = [
            str(v)
            for pk, v in Assignment.objects.filter(carer=carer, visit__date=today).values_list(
                "visit_id", "visit__public_id"
            )
            if pk not in recorded
        ]
        open_places = [
            str(v)
            for v in Visit.objects.filter(
                circle_id=membership.circle_id, date__gt=today, assignments__isnull=True
            ).values_list("public_id", flat=True)
        ]
        csrf = secrets.token_hex(16)
        world["carers"].append(
            {
                "session": _session_for(carer.user, csrf),
                "csrf": csrf,
                "token": ApiToken.issue(user=carer.user, name="load benchmark phone")[1],
                "visits": visits,
                "open_places": open_places,
            }
        )
    leader_rows = list(
        Membership.objects.filter(
            role=MembershipRole.TEAM_LEADER, circle__organisation__slug__startswith=SLUG_PREFIX
        ).select_related("user", "circle")
    )
    for m in rnd.sample(leader_rows, min(leaders, len(leader_rows))):
        csrf = secrets.token_hex(16)
        world["team_leaders"].append(
            {"session": _session_for(m.user, csrf), "csrf": csrf, "circle": str(m.circle.public_id)}
        )
    busy = set(
        HelpAlert.objects.filter(status__in=ACTIVE_ALERT).values_list("client_id", flat=True)
    )
    client_rows = [c for c in Client.objects.filter(**org_filter) if c.pk not in busy]
    for client in rnd.sample(client_rows, min(devices, len(client_rows))):
        world["devices"].append({"token": device_issue(client=client, name="load pendant")[1]})
    return world


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_profile(procfile, url: str, port: int, web: int, workers: int):
    env = procfile.process_env(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(web),
            "DB_CONN_MAX_AGE": "0",  # see README "Running on several machines"
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
        }
    )
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [procfile.start("web", env, **quiet)]
    processes += [procfile.start("worker", env, **quiet) for _ in range(workers)]
    processes.append(procfile.start("circle", env, **quiet))
    import httpx

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        procfile.stop(processes)
        sys.exit("the web server did not start")
    # Each web process imports the views on its first requests: before the clock starts.
    for _ in range(web * 6):
        httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=60)
    return processes


def run_locust(host: str, users: int, rate: int, duration: int, world: dict, folder: Path):
    world_file, out_file = folder / "world.json", folder / "seen.json"
    world_file.write_text(json.dumps(world))
    env = dict(os.environ, LOAD_WORLD=str(world_file), LOAD_OUT=str(out_file))
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(REPO / "benchmarks" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(rate),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "15",
        "--host",
        host,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if not out_file.exists():
        sys.exit(f"locust did not finish: {done.stderr[-3000:]}")
    return json.loads(out_file.read_text())


def count_lost(seen: dict) -> dict:
    from carecircle.alerts.models import HelpAlert, HelpOffer
    from carecircle.visits.models import RecordAlias, SyncReceipt, VisitRecord

    ops = set(seen["acked_ops"])
    stored_ops = set(
        str(x)
        for x in SyncReceipt.objects.filter(public_id__in=ops).values_list("public_id", flat=True)
    )
    records = set(seen["acked_records"])
    stored_records = {
        str(x)
        for x in VisitRecord.objects.filter(public_id__in=records).values_list(
            "public_id", flat=True
        )
    } | {
        str(x)
        for x in RecordAlias.objects.filter(public_id__in=records).values_list(
            "public_id", flat=True
        )
    }
    created = seen["alerts_created"]
    with_offers = (
        HelpOffer.objects.filter(alert__public_id__in=created).values("alert").distinct().count()
    )
    return {
        "ops_acked": len(ops),
        "ops_lost": len(ops - stored_ops),
        "records_acked": len(records),
        "records_lost": len(records - stored_records),
        "help_calls": len(created),
        "help_calls_without_offers": len(created) - with_offers,
        "help_calls_stored": HelpAlert.objects.filter(public_id__in=created).count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--web-concurrency", type=int, default=2, help="uvicorn processes")
    parser.add_argument("--task-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 1 <= args.users <= 500 or not 1 <= args.duration <= 1800:
        sys.exit("bounded: 1-500 users, 1-1800 seconds")

    logging.getLogger("httpx").setLevel(logging.WARNING)
    url = os.environ.get("DATABASE_URL") or os.environ.get("LOAD_DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    seed_seconds = setup(url)
    from django.db import connection

    from carecircle.circles.models import Circle
    from carecircle.people.models import Carer, Client
    from carecircle.web.load_world import SLUG_PREFIX

    t0 = time.perf_counter()
    world = prepare(
        carers=max(200, args.users * 20),
        leaders=max(50, args.users * 2),
        devices=max(200, args.users * 10),
        seed=args.seed,
    )
    org = {"organisation__slug__startswith": SLUG_PREFIX}
    emit(
        {
            "case": "setup",
            "database": connection.vendor,
            "circles": Circle.objects.filter(**org).count(),
            "carers": Carer.objects.filter(**org).count(),
            "clients": Client.objects.filter(**org).count(),
            "seed_s": round(seed_seconds, 1),
            "prepare_s": round(time.perf_counter() - t0, 1),
            "web_processes": args.web_concurrency,
            "task_workers": args.task_workers,
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    )
    connection.close()

    procfile = _procfile()
    port = free_port()
    processes = start_profile(procfile, url, port, args.web_concurrency, args.task_workers)
    try:
        with tempfile.TemporaryDirectory(prefix="load-") as folder:
            seen = run_locust(
                f"http://127.0.0.1:{port}",
                args.users,
                args.spawn_rate,
                args.duration,
                world,
                Path(folder),
            )
    finally:
        procfile.stop(processes)

    lat = {name: values for name, values in seen["latencies"].items()}
    for name in ("my_day", "board", "sync", "claim", "help"):
        values = lat.get(name, [])
        emit(
            {
                "case": name,
                "requests": len(values),
                "failed": seen["failures"].get(name, 0),
                "p50_ms": round(sorted(values)[len(values) // 2], 1) if values else None,
                "p95_ms": round(p95(values), 1) if values else None,
            }
        )
    counts = count_lost(seen)
    elapsed = max(1e-9, (seen["stopped"] or time.time()) - (seen["started"] or time.time()))
    summary = {
        "summary": True,
        "users": args.users,
        "my_day_p95_ms": round(p95(lat.get("my_day", [0])), 1),
        "board_p95_ms": round(p95(lat.get("board", [0])), 1),
        "sync_ops_per_s": round(counts["ops_acked"] / elapsed, 1),
        "help_first_offers_p95_ms": round(p95(lat.get("help", [0])), 1),
        "failed": sum(seen["failures"].values()),
        "lost": counts["ops_lost"] + counts["records_lost"],
        **counts,
        "sync_pending_at_stop": seen["pending_ops"],
        "failure_reasons": dict(sorted(seen["failure_reasons"].items(), key=lambda kv: -kv[1])[:8]),
        "claims_answered": seen["claims"].get("answered", 0),
        "seconds": round(elapsed, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    summary["unmet"] = [
        key
        for key, (op, bound) in TARGETS.items()
        if not (summary[key] <= bound if op == "<=" else summary[key] >= bound)
    ]
    emit(summary)


if __name__ == "__main__":
    main()
