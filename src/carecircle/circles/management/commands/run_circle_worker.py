"""The circle worker: escalation timers, circle health and due notifications every TICK_SECONDS,
and help-call waves and escalations every ALERT_TICK_SECONDS.

`make run` starts it beside the task worker. Stopping and restarting it loses nothing: every timer
is a timestamp in the database."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand


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
            if time.monotonic() >= next_full:
                result = tick()
                next_full = time.monotonic() + every
            else:
                result = fast_tick()
            if once or options.get("verbosity", 1) > 1:
                self.stdout.write(str(result))
            if once:
                return
            time.sleep(fast)
