"""The circle worker: runs oversight's periodic jobs (oversight/jobs.py), each at its own
interval: escalation timers, circle health and the like every TICK_SECONDS, help-call waves and
urgent messages every ALERT_TICK_SECONDS.

`make run` starts it beside the task worker. Stopping and restarting it loses nothing: every timer
is a timestamp in the database. Several may run at once, on several machines: each job's run is
claimed in the database first (oversight/jobs.py `Schedule`), so each timer fires once."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from carecircle.oversight import jobs

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Escalate uncovered visits, refresh circle health and send due notifications."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and stop.")
        parser.add_argument(
            "--interval", type=int, default=None, help="Seconds between the regular jobs."
        )

    def handle(self, *args, once: bool = False, interval: int | None = None, **options):
        schedule = jobs.Schedule({jobs.REGULAR: interval} if interval else None)
        while True:
            if not connection.in_atomic_block:  # (a test calls us inside its transaction)
                close_old_connections()  # a database restart costs one tick, not the worker
            try:
                # --once runs every job now, claimed or not (by hand, and in tests): every job is
                # safe to run twice, and a due time another worker holds must not skip it.
                result = jobs.run_jobs() if once else schedule.run_due()
            except Exception as exc:  # keep ticking: help calls cannot wait for a restart
                if once:
                    raise
                log.exception("circle worker tick failed")
                result = {"error": repr(exc)}
            if once or options.get("verbosity", 1) > 1:
                self.stdout.write(str(result))
            if once:
                return
            time.sleep(schedule.pause())
