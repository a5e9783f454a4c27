#!/usr/bin/env python3
"""Offline sync under load: many phones sending their queued visit records at once, through the
real HTTP server (uvicorn) to the database.

usage: sync.py [--devices 50] [--records 100] [--workers 2] [--resend 0.1]
Each device is a carer's phone with its own API token and `--records` visits to record; it sends
one whole visit record per request (check-in, check-out, mood, a note) to POST
/api/v1/records/sync, one after another, as a phone empties its queue. All devices start together.
A share of the records (`--resend`) is sent a second time with the same operation id, as a phone
does when it never heard the answer: the server must answer it from the stored result and store
nothing new. A send that fails (no answer, or a 5xx) is resent until answered, as the phone does
(with a growing wait, up to 30 attempts): `failed_attempts` counts those, apart from `lost`
(records sent but not stored). Afterwards the records in the database are counted: `stored` must
equal `sent` (distinct records) and `duplicates` must be 0. The run exits non-zero (after printing
the summary) when a record was lost or stored twice, a resend was not answered as a duplicate, or
a record was refused or still unanswered after the retries.

DATABASE_URL chooses the database (the issue asks for PostgreSQL; default: a fresh SQLite file in
a temporary folder). The benchmark's own organisation is created fresh in each run.
One JSON line for the set-up, one per device, then
{"summary": true, "devices", "sent", "stored", "duplicates", "records_per_s", "p95_ms", ...}."""

from __future__ import annotations

import argparse
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta

from _common import REPO, emit, p95, setup_django


def make_world(devices: int, records: int):
    """A fresh organisation: one circle, ten clients, a carer per device, and each carer's visits
    (this morning, so check-in times are in the past)."""
    from django.db import transaction
    from django.utils import timezone

    from carecircle.circles.models import Circle, Membership, Organisation
    from carecircle.people.models import ApiToken, Carer, Client, User
    from carecircle.rota.models import Assignment, Visit

    tag = uuid.uuid4().hex[:8]
    base = (timezone.now() - timedelta(hours=6)).replace(microsecond=0)
    with transaction.atomic():
        org = Organisation.objects.create(name=f"Sync bench {tag}", slug=f"sync-bench-{tag}")
        circle = Circle.objects.create(organisation=org, name=f"Bench {tag}")
        clients = [
            Client.objects.create(
                organisation=org,
                circle=circle,
                first_name=f"Client{i}",
                last_name=tag,
                address="1 Bench Street",
                latitude=53.74,
                longitude=-2.01,
                assessed_weekly_hours=10,
                # The phones send where they are; the clients agreed, so it is stored.
                location_consent_at=timezone.now(),
            )
            for i in range(10)
        ]
        tokens, plans = [], []
        for d in range(devices):
            user = User.objects.create(username=f"bench-{tag}-{d}", role="carer", organisation=org)
            carer = Carer.objects.create(
                user=user, organisation=org, kind="employed", home_latitude=53.7, home_longitude=-2
            )
            Membership.objects.create(
                circle=circle,
                user=user,
                role="carer",
                starts_on=timezone.localdate() - timedelta(1),
            )
            tokens.append(ApiToken.issue(user=user, name="bench phone")[1])
            visits = Visit.objects.bulk_create(
                Visit(
                    client=clients[(d + r) % len(clients)],
                    circle=circle,
                    name=f"Bench {d}-{r}",
                    date=timezone.localdate(base),
                    window_start=base + timedelta(minutes=r),
                    window_end=base + timedelta(minutes=r),
                    duration_minutes=30,
                )
                for r in range(records)
            )
            Assignment.objects.bulk_create(Assignment(visit=v, carer=carer) for v in visits)
            plans.append(visits)
    return org, tokens, plans, base


def payloads(visits, base) -> list[dict]:
    out = []
    for r, visit in enumerate(visits):
        start = base + timedelta(minutes=r)
        out.append(
            {
                "op_id": str(uuid.uuid4()),
                "record_id": str(uuid.uuid4()),
                "visit_id": str(visit.public_id),
                "checked_in_at": start.isoformat(),
                "check_in_lat": 53.74,
                "check_in_lon": -2.01,
                "checked_out_at": (start + timedelta(minutes=28)).isoformat(),
                "mood": "good",
                "mood_at": (start + timedelta(minutes=5)).isoformat(),
                "notes": f"Visit {r}: all well.",
            }
        )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "carecircle.asgi:application",
            "--lifespan",
            "off",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-proxy-headers",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=2).status_code < 500:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    sys.exit("the server did not start")


def warm_up(url: str, token: str, workers: int) -> None:
    """Each worker imports the API on its first request (about two seconds): do that before the
    clock starts, with requests the server refuses (so nothing is stored)."""
    import httpx

    def poke() -> None:
        with httpx.Client(timeout=60) as client:
            for _ in range(3):
                client.post(url, json={}, headers={"Authorization": f"Bearer {token}"})

    threads = [threading.Thread(target=poke) for _ in range(workers * 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# A phone resends a failed send (no answer, or a 5xx) until the server answers, waiting a little
# longer each time; a 4xx is an answer (the record is refused and shown to the carer).
RETRY_ATTEMPTS = 30
RETRY_FIRST_WAIT_S = 0.05
RETRY_MAX_WAIT_S = 2.0


def send_until_answered(client, url: str, op: dict, rnd: random.Random, latencies: list):
    """(the answer or None when the phone gave up, failed attempts before it)."""
    import httpx

    failed, wait = 0, RETRY_FIRST_WAIT_S
    for _ in range(RETRY_ATTEMPTS):
        t0 = time.perf_counter()
        try:
            response = client.post(url, json=op)
        except httpx.TransportError:
            response = None
        latencies.append((time.perf_counter() - t0) * 1000)
        if response is not None and response.status_code < 500:
            return response, failed
        failed += 1
        time.sleep(wait * (0.5 + rnd.random()))
        wait = min(wait * 2, RETRY_MAX_WAIT_S)
    return None, failed


def run_devices(url: str, tokens, queues, resend: float, seed: int):
    import httpx

    latencies: list[list[float]] = [[] for _ in tokens]
    answers: list[dict] = [
        {"ok": 0, "duplicate_answers": 0, "failed_attempts": 0, "refused": 0, "unanswered": 0}
        for _ in tokens
    ]
    start_gate = threading.Barrier(len(tokens))

    def device(d: int) -> None:
        rnd = random.Random(seed + d)
        headers = {"Authorization": f"Bearer {tokens[d]}"}
        tally = answers[d]
        with httpx.Client(timeout=60, headers=headers) as client:
            start_gate.wait()
            for op in queues[d]:
                sends = 2 if rnd.random() < resend else 1
                for send in range(sends):
                    response, failed = send_until_answered(client, url, op, rnd, latencies[d])
                    tally["failed_attempts"] += failed
                    if response is None:
                        tally["unanswered"] += 1
                        break
                    if response.status_code != 200:
                        tally["refused"] += 1
                        break
                    # A first send whose earlier attempt was stored but not answered is rightly
                    # answered as a duplicate by the retry: it is this op's first answer.
                    if send == 0:
                        tally["ok"] += 1
                    elif response.json()["duplicate"]:
                        tally["duplicate_answers"] += 1

    threads = [threading.Thread(target=device, args=(d,)) for d in range(len(tokens))]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--resend", type=float, default=0.1, help="share of records sent twice")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    logging.getLogger("httpx").setLevel(logging.WARNING)
    setup_django("sync-bench")
    from django.db import connection

    from carecircle.visits.models import SyncReceipt, VisitRecord

    t0 = time.perf_counter()
    org, tokens, plans, base = make_world(args.devices, args.records)
    queues = [payloads(visits, base) for visits in plans]
    emit(
        {
            "case": "setup",
            "database": connection.vendor,
            "devices": args.devices,
            "records_per_device": args.records,
            "workers": args.workers,
            "seconds": round(time.perf_counter() - t0, 2),
        }
    )
    connection.close()

    port = free_port()
    server = start_server(port, args.workers)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/records/sync"
        warm_up(url, tokens[0], args.workers)
        elapsed, latencies, answers = run_devices(url, tokens, queues, args.resend, args.seed)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    for d, (lat, ans) in enumerate(zip(latencies, answers, strict=True)):
        emit(
            {
                "case": "device",
                "device": d,
                "requests": len(lat),
                **ans,
                "p95_ms": round(p95(lat), 1),
            }
        )
    sent = sum(len(q) for q in queues)
    requests = sum(len(lat) for lat in latencies)
    visit_ids = [v.pk for visits in plans for v in visits]
    records = VisitRecord.objects.filter(visit__circle__organisation=org)
    stored = records.values("visit_id", "carer_id").distinct().count()
    rows = records.count()
    receipts = SyncReceipt.objects.filter(record__in=records)
    receipt_rows = receipts.count()
    distinct_ops = receipts.values("public_id").distinct().count()
    all_lat = [x for lat in latencies for x in lat]
    summary = {
        "summary": True,
        "devices": args.devices,
        "sent": sent,
        "stored": stored,
        # Both parts are held at zero by unique constraints; counted, not assumed.
        "duplicates": (rows - stored) + (receipt_rows - distinct_ops),
        "lost": sent - stored,
        "ops_stored": distinct_ops,
        "records_per_s": round(sent / elapsed, 1),
        "p95_ms": round(p95(all_lat), 1),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "resent": sum(a["ok"] + a["duplicate_answers"] for a in answers) - sent,
        "answered_as_duplicate": sum(a["duplicate_answers"] for a in answers),
        # Failed attempts were resent until answered (as a phone does): not losses.
        "failed_attempts": sum(a["failed_attempts"] for a in answers),
        "refused": sum(a["refused"] for a in answers),
        "unanswered": sum(a["unanswered"] for a in answers),
        "seconds": round(elapsed, 2),
        "database": connection.vendor,
        "workers": args.workers,
        "visits": len(visit_ids),
    }
    emit(summary)
    failures = check(summary)
    if failures:
        sys.exit("sync benchmark failed: " + "; ".join(failures))


def check(summary: dict) -> list[str]:
    """What makes the run a failure, whatever its speed: a record lost or stored twice, a resend
    not answered from the stored result, a record refused, or one still unanswered after the
    phone's retries. Failed attempts that a retry got answered are reported, not failures."""
    failures = []
    if summary["stored"] != summary["sent"]:
        failures.append(f"stored {summary['stored']} of {summary['sent']} records sent")
    if summary["ops_stored"] != summary["sent"]:
        failures.append(f"{summary['ops_stored']} operations stored for {summary['sent']} sent")
    if summary["duplicates"]:
        failures.append(f"{summary['duplicates']} duplicates stored")
    if summary["answered_as_duplicate"] != summary["resent"]:
        failures.append(
            f"{summary['answered_as_duplicate']} of {summary['resent']} resends answered as such"
        )
    if summary["refused"]:
        failures.append(f"{summary['refused']} records refused")
    if summary["unanswered"]:
        failures.append(f"{summary['unanswered']} records unanswered after retries")
    return failures


if __name__ == "__main__":
    main()
