"""The periodic jobs: one list, each job at its own interval, the worker runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from carecircle.oversight import jobs
from carecircle.oversight.jobs import Job
from carecircle.oversight.models import JobClaim


@pytest.fixture
def ran(monkeypatch, settings):
    """Two stand-in jobs (one soon, one regular) in place of the real list."""
    settings.TICK_SECONDS, settings.ALERT_TICK_SECONDS = 60, 5
    calls: list[tuple[str, datetime]] = []

    def job(name):
        def run(*, now):
            calls.append((name, now))
            return name.upper()

        return run

    monkeypatch.setattr(
        jobs, "JOBS", [Job("soon", job("soon"), every=jobs.SOON), Job("regular", job("regular"))]
    )
    return calls


def test_the_list_names_every_periodic_job_once():
    names = [job.name for job in jobs.JOBS]
    assert names == [
        "alerts",
        "escalations",
        "restrictions",
        "health",
        "live_pruned",
        "horizon",
        "cycle",
        "delivered",
    ]
    assert {job.name for job in jobs.JOBS if job.every == jobs.SOON} == {"alerts", "delivered"}
    assert {job.name for job in jobs.JOBS if job.every == jobs.HOURLY} == {"horizon"}


def test_run_jobs_runs_every_job_in_order_with_one_now(ran):
    now = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert jobs.run_jobs(now=now) == {"soon": "SOON", "regular": "REGULAR"}
    assert ran == [("soon", now), ("regular", now)]
    assert jobs.run_jobs(now=now, names=["regular"]) == {"regular": "REGULAR"}


def test_a_failing_job_is_logged_and_the_others_still_run(ran, monkeypatch, caplog):
    def broken(*, now):
        raise RuntimeError("no database")

    monkeypatch.setattr(jobs, "JOBS", [Job("broken", broken), *jobs.JOBS])
    out = jobs.run_jobs()
    assert out == {"broken": "failed", "soon": "SOON", "regular": "REGULAR"}
    assert "job broken failed" in caplog.text


class Clock:
    """The schedule's wall clock, moved on by hand."""

    def __init__(self):
        self.at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def add(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.mark.django_db
def test_the_schedule_runs_each_job_at_its_own_interval(ran):
    clock = Clock()
    schedule = jobs.Schedule(clock=clock)
    assert schedule.pause() == 5
    assert set(schedule.run_due()) == {"soon", "regular"}  # everything at once, first
    clock.add(5)
    assert set(schedule.run_due()) == {"soon"}
    clock.add(4)
    assert schedule.run_due() == {}  # nothing due yet
    clock.add(51)
    assert set(schedule.run_due()) == {"soon", "regular"}


@pytest.mark.django_db
def test_the_worker_interval_changes_the_regular_jobs_only(ran):
    clock = Clock()
    schedule = jobs.Schedule({jobs.REGULAR: 3600}, clock=clock)
    schedule.run_due()
    clock.add(60)
    assert set(schedule.run_due()) == {"soon"}
    assert schedule.pause() == 5
    clock.add(3600)
    assert set(schedule.run_due()) == {"soon", "regular"}


@pytest.mark.django_db
def test_three_workers_run_each_job_once_per_interval(ran):
    """Three workers (as on three machines) tick in turn over ten minutes: each job runs once per
    its interval, by whichever worker claims it first. (Racing for real, in threads on
    PostgreSQL: tests/oversight/test_worker_race.py.)"""
    clock = Clock()
    workers = [jobs.Schedule(clock=clock) for _ in range(3)]
    by: dict[str, list[str]] = {"soon": [], "regular": []}
    for _ in range(120):  # 600 s in 5-second ticks
        for schedule in workers:
            for name in schedule.run_due():
                by[name].append(schedule.worker)
        clock.add(5)
    assert len(by["soon"]) == 120 and len(by["regular"]) == 10
    assert [name for name, _ in ran].count("soon") == 120
    assert set(by["soon"]) == {workers[0].worker}  # the first to look wins each time


@pytest.mark.django_db
def test_a_claim_held_by_a_dead_worker_lapses(ran, settings):
    """A worker that claimed a job and died mid-run holds it for the interval (at least a
    minute); then another worker takes it over."""
    clock = Clock()
    dead, alive = jobs.Schedule(clock=clock), jobs.Schedule(clock=clock)
    soon = jobs.JOBS[0]
    assert dead.due() == jobs.JOBS and dead.claim(soon)  # ...and never releases it
    clock.add(5)
    assert set(alive.run_due()) == {"regular"}  # "soon" is due but still held
    clock.add(55)
    assert "soon" in alive.run_due()
    claim = JobClaim.objects.get(name="soon")
    assert claim.claimed_by == alive.worker and claim.running_until is None
    assert claim.next_run_at == clock.at + timedelta(seconds=5)


@pytest.mark.django_db
def test_a_failing_run_still_releases_its_claim(ran, monkeypatch):
    clock = Clock()
    schedule = jobs.Schedule(clock=clock)
    monkeypatch.setattr(jobs, "run_jobs", lambda **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        schedule.run_due()
    assert not JobClaim.objects.filter(running_until__isnull=False).exists()
    clock.add(5)
    assert [job.name for job in schedule.due()] == ["soon"]


def test_a_job_added_to_the_list_is_run_by_the_worker(people, monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(
        jobs, "JOBS", [*jobs.JOBS, Job("horizon", lambda *, now: seen.append(now) or 7)]
    )
    call_command("run_circle_worker", "--once")
    out = capsys.readouterr().out
    assert "'horizon': 7" in out and "'health'" in out and len(seen) == 1
    assert abs(seen[0] - datetime.now(UTC)) < timedelta(minutes=1)


def test_once_runs_every_job_even_when_another_worker_has_claimed_it(ran, people, capsys):
    jobs.Schedule().run_due()  # a long-running worker has just run (and claimed) everything
    ran.clear()
    call_command("run_circle_worker", "--once")
    assert [name for name, _ in ran] == ["soon", "regular"]
