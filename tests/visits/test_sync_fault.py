"""The server is killed (SIGKILL) in the middle of a burst of syncs and started again: phones
resend whatever they did not hear an answer for, and afterwards every record is there exactly
once. A real uvicorn process on PostgreSQL (the test's database), real HTTP, real crashes: the
transactions in flight are lost with the process and the resends must neither lose nor double
anything. Runs in the PostgreSQL pass of `make test`; SQLite skips it."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from carecircle.people.models import ApiToken, Carer
from carecircle.rota.models import Assignment, Visit
from carecircle.visits.models import Medicine, SyncReceipt, VisitRecord

pytestmark = pytest.mark.postgres_only

REPO = Path(__file__).resolve().parents[2]
DEVICES = 8
RECORDS_PER_DEVICE = 25
KILLS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": "fault-test-secret-key-not-for-production",
        "DJANGO_SETTINGS_MODULE": "carecircle.settings",
        "LOG_LEVEL": "WARNING",
    }
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
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/", timeout=1).status_code < 500:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def _ops(visits, base):
    """Two operations per visit record: arrive with a note, then leave with another."""
    ops = []
    for i, visit in enumerate(visits):
        record_id = str(uuid.uuid4())
        common = {"record_id": record_id, "visit_id": str(visit.public_id)}
        ops.append(
            {
                **common,
                "op_id": str(uuid.uuid4()),
                "checked_in_at": (base + timedelta(seconds=i)).isoformat(),
                "notes": f"Arrived {i}.",
            }
        )
        ops.append(
            {
                **common,
                "op_id": str(uuid.uuid4()),
                "checked_out_at": (base + timedelta(minutes=30, seconds=i)).isoformat(),
                "notes": f"Left {i}.",
            }
        )
    return ops


@pytest.mark.django_db(transaction=True)
def test_killing_the_server_during_a_burst_loses_and_duplicates_nothing(demo_live):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and a real server process")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    people = demo_live
    ana = Carer.objects.get(user=people.carer)
    Medicine.objects.filter(client=people.edna).update(active=False)
    base = (timezone.now() - timedelta(hours=3)).replace(microsecond=0)
    visits = Visit.objects.bulk_create(
        Visit(
            client=people.edna,
            circle=people.riverside,
            name=f"Fault {i}",
            date=timezone.localdate(base),
            window_start=base,
            window_end=base,
            duration_minutes=30,
        )
        for i in range(DEVICES * RECORDS_PER_DEVICE)
    )
    Assignment.objects.bulk_create(Assignment(visit=v, carer=ana) for v in visits)
    tokens = [ApiToken.issue(user=people.carer, name=f"phone {d}")[1] for d in range(DEVICES)]
    per_device = [
        _ops(visits[d * RECORDS_PER_DEVICE : (d + 1) * RECORDS_PER_DEVICE], base)
        for d in range(DEVICES)
    ]
    sent = sum(len(ops) for ops in per_device)

    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v1/records/sync"
    acked: list[dict] = []
    errors: list[str] = []
    resends = [0]
    lock = threading.Lock()

    def device(d: int) -> None:
        headers = {"Authorization": f"Bearer {tokens[d]}"}
        with httpx.Client(timeout=5) as client:
            for op in per_device[d]:
                for _attempt in range(600):
                    try:
                        response = client.post(url, json=op, headers=headers)
                    except httpx.TransportError:
                        with lock:
                            resends[0] += 1
                        time.sleep(0.05)
                        continue
                    if response.status_code == 200:
                        with lock:
                            acked.append(response.json())
                        break
                    if response.status_code >= 500:
                        time.sleep(0.05)
                        continue
                    with lock:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                    break
                else:
                    with lock:
                        errors.append(f"gave up on {op['op_id']}")

    server = _start_server(port)
    try:
        threads = [threading.Thread(target=device, args=(d,)) for d in range(DEVICES)]
        for t in threads:
            t.start()
        for k in range(KILLS):
            target = sent * (k + 1) // (KILLS + 2)
            while len(acked) < target and any(t.is_alive() for t in threads):
                time.sleep(0.005)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
            time.sleep(0.3)  # phones keep trying against a dead server
            server = _start_server(port)
        for t in threads:
            t.join(timeout=180)
        assert not any(t.is_alive() for t in threads), "a phone never finished"
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    assert errors == []
    assert len(acked) == sent
    assert resends[0] > 0, "the kills should have interrupted some requests"
    op_ids = {op["op_id"] for ops in per_device for op in ops}
    assert SyncReceipt.objects.filter(public_id__in=op_ids).count() == sent
    records = VisitRecord.objects.filter(visit__in=visits)
    assert records.count() == DEVICES * RECORDS_PER_DEVICE
    for record in records.select_related("visit"):
        i = int(record.visit.name.split()[1]) % RECORDS_PER_DEVICE
        assert record.notes == f"Arrived {i}.\n\nLeft {i}."
        assert record.checked_in_at is not None and record.checked_out_at is not None
    duplicates = sum(1 for a in acked if a["duplicate"])
    print(
        f"fault: sent={sent} stored_ops={sent} records={records.count()} "
        f"resends={resends[0]} answered_as_duplicate={duplicates}"
    )
