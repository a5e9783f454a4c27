"""The periodic jobs: one list, each job at its own interval, the worker runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from carecircle.oversight import jobs
from carecircle.oversight.jobs import Job


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


def test_the_schedule_runs_each_job_at_its_own_interval(ran):
    clock = [1000.0]
    schedule = jobs.Schedule(clock=lambda: clock[0])
    assert schedule.pause() == 5
    assert set(schedule.run_due()) == {"soon", "regular"}  # everything at once, first
    clock[0] += 5
    assert set(schedule.run_due()) == {"soon"}
    clock[0] += 4
    assert schedule.run_due() == {}  # nothing due yet
    clock[0] += 51
    assert set(schedule.run_due()) == {"soon", "regular"}


def test_the_worker_interval_changes_the_regular_jobs_only(ran):
    clock = [0.0]
    schedule = jobs.Schedule({jobs.REGULAR: 3600}, clock=lambda: clock[0])
    schedule.run_due()
    clock[0] += 60
    assert set(schedule.run_due()) == {"soon"}
    assert schedule.pause() == 5
    clock[0] += 3600
    assert set(schedule.run_due()) == {"soon", "regular"}


def test_a_job_added_to_the_list_is_run_by_the_worker(people, monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(
        jobs, "JOBS", [*jobs.JOBS, Job("horizon", lambda *, now: seen.append(now) or 7)]
    )
    call_command("run_circle_worker", "--once")
    out = capsys.readouterr().out
    assert "'horizon': 7" in out and "'health'" in out and len(seen) == 1
    assert abs(seen[0] - datetime.now(UTC)) < timedelta(minutes=1)
