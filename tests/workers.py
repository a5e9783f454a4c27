"""Killing and restarting the circle worker as real processes, for the tests that prove its timers
live in the database."""

from __future__ import annotations

import os
import subprocess
import sys

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
