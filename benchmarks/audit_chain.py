#!/usr/bin/env python3
"""The audit hash chain: what the chain-head lock costs writers, and how fast verify_audit runs.

usage: audit_chain.py [--events 2000] [--threads 8]
Cases: one writer appending events, each in its own transaction (`audit_record`, as services
call it); `--threads` writers racing to append the same number of events (each thread its own
connection; on PostgreSQL they queue on the chain-head row lock); then re-hashing the whole chain
as `manage.py verify_audit` does. Afterwards the chain must verify intact.

DATABASE_URL chooses the database (default: a fresh SQLite file in a temporary folder).
One JSON line per case, then {"summary": true, ...}."""

from __future__ import annotations

import argparse
import threading
import time

from _common import emit, p95
from _common import setup_django as _setup_django


def setup_django() -> None:
    _setup_django("audit-bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    setup_django()
    from django.db import connection, connections, transaction

    from carecircle.audit.models import AuditEvent
    from carecircle.audit.selectors import audit_chain_problems
    from carecircle.audit.services import audit_record
    from carecircle.people.models import User

    actor, _ = User.objects.get_or_create(username="audit-bench")
    detail = {"field": "notes", "text": "Had lunch; walked in the garden."}
    vendor = connection.vendor

    def write(n: int, latencies: list[float]) -> None:
        for i in range(n):
            start = time.perf_counter()
            with transaction.atomic():
                audit_record(actor=actor, action="bench", obj=actor, detail={**detail, "i": i})
            latencies.append(time.perf_counter() - start)

    latencies: list[float] = []
    start = time.perf_counter()
    write(args.events, latencies)
    elapsed = time.perf_counter() - start
    emit(
        {
            "case": "one_writer",
            "database": vendor,
            "events": args.events,
            "events_per_s": round(args.events / elapsed, 1),
            "p95_ms": round(p95(latencies) * 1000, 2),
        }
    )

    per_thread = args.events // args.threads
    shared: list[float] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            mine: list[float] = []
            write(per_thread, mine)
            shared.extend(mine)
        except BaseException as exc:  # noqa: BLE001 - reported in the output
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    emit(
        {
            "case": "racing_writers",
            "database": vendor,
            "threads": args.threads,
            "events": per_thread * args.threads,
            "events_per_s": round(per_thread * args.threads / elapsed, 1),
            "p95_ms": round(p95(shared) * 1000, 2) if shared else None,
            "errors": [repr(e) for e in errors[:3]],
        }
    )

    start = time.perf_counter()
    checked, problems = audit_chain_problems()
    elapsed = time.perf_counter() - start
    emit(
        {
            "case": "verify",
            "database": vendor,
            "events": checked,
            "events_per_s": round(checked / elapsed, 1),
            "seconds": round(elapsed, 2),
            "problems": len(problems),
        }
    )
    emit(
        {
            "summary": True,
            "database": vendor,
            "intact": not problems and not errors,
            "events": AuditEvent.objects.count(),
        }
    )


if __name__ == "__main__":
    main()
