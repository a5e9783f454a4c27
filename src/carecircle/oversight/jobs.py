"""The periodic jobs: everything that happens because time passes, and how often.

`JOBS` is the one list. Every worker entry point runs it through this module: the circle worker
(`manage.py run_circle_worker`, started by `make run`) with a `Schedule`, and a one-off run
(`run_jobs`, as `run_circle_worker --once` and the tests do). Adding a job is one `Job(...)` entry.

Each job reads its timers from the database and is safe to run twice or after a restart; each
runs on its own, so one job's trouble is logged and the others still happen. Jobs run in the
order listed (help-call waves before the ladder, messages last, so a tick's messages go out in
the same tick)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from carecircle.alerts.services import alerts_tick, live_prune
from carecircle.circles.models import Circle
from carecircle.notifications.delivery import deliver_due
from carecircle.oversight import health
from carecircle.oversight.escalations import uncovered_tick
from carecircle.oversight.restrictions import restrictions_overdue_tick
from carecircle.rota.services.cycle import week_cycle_tick
from carecircle.rota.services.horizon import horizon_tick

log = logging.getLogger(__name__)

# How often, as the name of a setting in seconds: the worker re-reads it, tests can change it.
SOON = "ALERT_TICK_SECONDS"  # what cannot wait a minute: help calls, urgent messages
REGULAR = "TICK_SECONDS"  # the rest
HOURLY = "HORIZON_TICK_SECONDS"  # visits generated to the rolling horizon


def health_refresh_all(*, now: datetime) -> dict[str, int]:
    scores = {}
    for circle in Circle.objects.all():
        try:
            scores[circle.name] = health.refresh(circle, now=now).score
        except Exception:  # one circle's trouble must not stop the others
            log.exception("health of %s", circle)
    return scores


@dataclass(frozen=True)
class Job:
    name: str  # its key in the result of a run
    run: Callable[..., object]  # called as run(now=...)
    every: str = REGULAR  # the setting that holds its interval in seconds

    def interval(self, overrides: dict[str, float] | None = None) -> float:
        return float((overrides or {}).get(self.every) or getattr(settings, self.every))


JOBS: list[Job] = [
    Job("alerts", alerts_tick, every=SOON),  # help-call waves, escalations, late responders
    Job("escalations", uncovered_tick),  # uncovered visits up the ladder; stale offers closed
    Job("restrictions", restrictions_overdue_tick),  # overdue restriction reviews
    Job("health", health_refresh_all),  # circle health snapshots, below-threshold escalations
    Job("live_pruned", live_prune),  # old live events
    Job("horizon", horizon_tick, every=HOURLY),  # visits from agreed plans to the horizon
    Job("cycle", week_cycle_tick),  # next week drafted, carers asked, published, per circle
    Job("delivered", deliver_due, every=SOON),  # notifications whose time has come
]


def _run(job: Job, now: datetime) -> object:
    try:
        return job.run(now=now)
    except Exception:
        log.exception("job %s failed", job.name)
        return "failed"


def run_jobs(*, now: datetime | None = None, names: Iterable[str] | None = None) -> dict:
    """Run every job (or those named) once, in order; the result of each under its name."""
    now = now or timezone.now()
    wanted = None if names is None else set(names)
    return {job.name: _run(job, now) for job in JOBS if wanted is None or job.name in wanted}


class Schedule:
    """When each job is next due, by a monotonic clock, for a long-running worker. Every job is
    due at once on the first run; after a run, a job is due again its interval later. The
    timers that matter are in the database: losing a Schedule (a restart) only runs every job
    once more, at once."""

    def __init__(self, overrides: dict[str, float] | None = None, clock=time.monotonic):
        self.overrides = overrides or {}
        self.clock = clock
        self.next_at: dict[str, float] = {}

    def due(self) -> list[Job]:
        at = self.clock()
        return [job for job in JOBS if self.next_at.get(job.name, 0.0) <= at]

    def run_due(self, *, now: datetime | None = None) -> dict:
        jobs = self.due()
        out = run_jobs(now=now, names=[job.name for job in jobs])
        done = self.clock()
        for job in jobs:
            self.next_at[job.name] = done + job.interval(self.overrides)
        return out

    def pause(self) -> float:
        """Seconds to sleep: the shortest interval, so no job waits longer than that past due."""
        return min(job.interval(self.overrides) for job in JOBS)
