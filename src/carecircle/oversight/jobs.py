"""The periodic jobs: everything that happens because time passes, and how often.

`JOBS` is the one list. Every worker entry point runs it through this module: the circle worker
(`manage.py run_circle_worker`, started by `make run`) with a `Schedule`, and a one-off run
(`run_jobs`, as `run_circle_worker --once` and the tests do). Adding a job is one `Job(...)` entry.

Each job reads its timers from the database and is safe to run twice or after a restart; each
runs on its own, so one job's trouble is logged and the others still happen. Jobs run in the
order listed (help-call waves before the ladder, messages last, so a tick's messages go out in
the same tick). Any number of circle workers may run, on one machine or several: a `Schedule`
claims each run in the database (`JobClaim`), so each timer fires once."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from carecircle.alerts.services import alerts_tick, live_prune
from carecircle.circles.models import Circle
from carecircle.notifications.delivery import deliver_due
from carecircle.oversight import health
from carecircle.oversight.escalations import uncovered_tick
from carecircle.oversight.models import JobClaim
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
    """When each job is next due, shared through the database by every circle worker, for a
    long-running worker. A job is due when its `JobClaim.next_run_at` has passed (at once for a
    job never run); a worker runs it only if it wins the claim, which moves `next_run_at` on by
    the job's interval in a single conditional UPDATE. Of several workers racing (on one machine
    or many) exactly one wins, so each timer fires once per interval.

    Row claims rather than a PostgreSQL advisory lock: a lock held while running only stops two
    runs overlapping, not a second worker running the job again right after the first (each
    with its own clock); the shared due time does both, and works on SQLite as well.

    While a run lasts its claim also holds `running_until` (the interval, at least LEASE_SECONDS)
    so a run longer than its interval is not started again beside itself; if the worker dies,
    the claim lapses then and another worker takes the job over. The timers that matter are in
    the database and every job is safe to run twice, so a lapsed claim costs at most one extra
    run."""

    LEASE_SECONDS = 60.0

    def __init__(self, overrides: dict[str, float] | None = None, clock=timezone.now):
        self.overrides = overrides or {}
        self.clock = clock
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:120]

    def due(self) -> list[Job]:
        at = self.clock()
        free = Q(running_until__isnull=True) | Q(running_until__lte=at)
        known = set(JobClaim.objects.values_list("name", flat=True))
        missing = [job.name for job in JOBS if job.name not in known]
        if missing:  # a job never run (or new to the list) is due at once
            JobClaim.objects.bulk_create(
                [JobClaim(name=name, next_run_at=at) for name in missing], ignore_conflicts=True
            )
        due = set(JobClaim.objects.filter(free, next_run_at__lte=at).values_list("name", flat=True))
        return [job for job in JOBS if job.name in due]

    def claim(self, job: Job) -> bool:
        """Take the job's due time, or False if another worker took it first."""
        at = self.clock()
        interval = job.interval(self.overrides)
        free = Q(running_until__isnull=True) | Q(running_until__lte=at)
        # One UPDATE whose WHERE re-checks the due time: PostgreSQL re-evaluates it on the row a
        # racing worker has just committed, SQLite runs one writer at a time; either way only
        # one worker sees the row still due.
        won = JobClaim.objects.filter(free, name=job.name, next_run_at__lte=at).update(
            next_run_at=at + timedelta(seconds=interval),
            running_until=at + timedelta(seconds=max(interval, self.LEASE_SECONDS)),
            claimed_by=self.worker,
            last_started_at=at,
        )
        return won == 1

    def release(self, job: Job) -> None:
        JobClaim.objects.filter(name=job.name, claimed_by=self.worker).update(
            running_until=None, last_finished_at=self.clock()
        )

    def run_due(self, *, now: datetime | None = None) -> dict:
        """Claim every due job this worker can, then run those in the list's order."""
        mine = [job for job in self.due() if self.claim(job)]
        try:
            return run_jobs(now=now, names=[job.name for job in mine])
        finally:
            for job in mine:
                self.release(job)

    def pause(self) -> float:
        """Seconds to sleep: the shortest interval, so no job waits longer than that past due."""
        return min(job.interval(self.overrides) for job in JOBS)
