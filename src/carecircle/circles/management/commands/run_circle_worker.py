"""The circle worker: escalation timers, circle health and due notifications every TICK_SECONDS,
and help-call waves and escalations every ALERT_TICK_SECONDS.

`make run` starts it beside the task worker. Stopping and restarting it loses nothing: every timer
is a timestamp in the database."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Escalate uncovered visits, refresh circle health and send due notifications."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one tick and stop.")
        parser.add_argument("--interval", type=int, default=None, help="Seconds between ticks.")

    def handle(self, *args, once: bool = False, interval: int | None = None, **options):
        from carecircle.circles.ticks import fast_tick, tick

        every = interval or settings.TICK_SECONDS
        fast = min(every, settings.ALERT_TICK_SECONDS)
        next_full = 0.0
        while True:
            if not connection.in_atomic_block:  # (a test calls us inside its transaction)
                close_old_connections()  # a database restart costs one tick, not the worker
            try:
                if time.monotonic() >= next_full:
                    result = tick()
                    next_full = time.monotonic() + every
                else:
                    result = fast_tick()
            except Exception as exc:  # keep ticking: help calls cannot wait for a restart
                if once:
                    raise
                log.exception("circle worker tick failed")
                result = {"error": repr(exc)}
            if once or options.get("verbosity", 1) > 1:
                self.stdout.write(str(result))
            if once:
                return
            time.sleep(fast)
