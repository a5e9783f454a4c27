"""Killing and restarting the circle worker as real processes, for the tests that prove its timers
live in the database. Every path here runs `run_circle_worker`, so the periodic jobs run through
oversight's one list (carecircle.oversight.jobs), as in production."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from django.core.management import call_command
from django.db import connection


def database_url(cfg) -> str:
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{cfg['NAME']}"
    user = cfg.get("USER") or ""
    host = cfg.get("HOST") or "127.0.0.1"
    port = cfg.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{cfg['NAME']}"


def kill_then_tick_twice(extra_env: dict[str, str] | None = None) -> None:
    """On PostgreSQL: start a worker, SIGKILL it, then run two fresh one-tick workers as separate
    processes. On SQLite's in-memory test database (which other processes cannot open) the two
    ticks run in this process."""
    if connection.vendor != "postgresql":
        call_command("run_circle_worker", "--once")
        call_command("run_circle_worker", "--once")
        return
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="carecircle.settings", **(extra_env or {}))
    env["DATABASE_URL"] = database_url(connection.settings_dict)
    first = subprocess.Popen(
        [sys.executable, "-m", "django", "run_circle_worker", "--interval", "3600"], env=env
    )
    first.kill()  # SIGKILL: whatever it was doing either committed or did not
    first.wait()
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "django", "run_circle_worker", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]


def worker_env(extra_env: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="carecircle.settings", **(extra_env or {}))
    env["DATABASE_URL"] = database_url(connection.settings_dict)
    return env


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    """A long-running worker (its first tick is at once; the next full one an hour later)."""
    return subprocess.Popen(
        [sys.executable, "-m", "django", "run_circle_worker", "--interval", "3600"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(condition, *, seconds: float = 90, what: str = "the worker") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


# The worker's clock moved on by a number of seconds (the timers it reads are in the database;
# only "now" changes), for a ladder step that would otherwise take hours.
_SHIFTED = (
    "import sys, time, time_machine, django; django.setup(); "
    "from django.core.management import call_command; "
    "t = time_machine.travel(time.time() + float(sys.argv[1]), tick=True); t.start(); "
    "call_command('run_circle_worker', '--once')"
)


def tick_once_later(env: dict[str, str], *, seconds: float) -> None:
    """A fresh one-tick worker process whose clock is `seconds` ahead. On SQLite's in-memory test
    database (which other processes cannot open) the tick runs in this process."""
    if connection.vendor != "postgresql":
        import time_machine

        with time_machine.travel(time.time() + seconds, tick=True):
            call_command("run_circle_worker", "--once")
        return
    done = subprocess.run(
        [sys.executable, "-c", _SHIFTED, str(seconds)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
