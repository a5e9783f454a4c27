"""The production profile runs: deploy/Procfile's web server with two uvicorn worker processes and
two task workers, as real processes on a free port against the test PostgreSQL database. A request
is served by each web process (the X-Served-By header, on in this profile only) and each task
worker claims a task. SQLite's test database cannot be shared by several processes this way, so the
SQLite pass skips it and says why; the PostgreSQL pass always runs it."""

from __future__ import annotations

import importlib.util
import socket
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django_tasks.backends.database.models import DBTaskResult

from tests.web.profile_tasks import which_process
from tests.workers import database_url

_spec = importlib.util.spec_from_file_location(
    "procfile", Path(__file__).resolve().parents[2] / "deploy" / "procfile.py"
)
procfile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(procfile)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, processes, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for proc in processes:
            assert proc.poll() is None, f"a process of the profile exited ({proc.returncode})"
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the web server never answered at {url}")


@pytest.mark.django_db(transaction=True)
def test_two_web_processes_and_two_task_workers_each_do_their_share():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the production profile runs on PostgreSQL (several processes share the database); "
            "it runs in the PostgreSQL pass of make test"
        )
    port = _free_port()
    env = procfile.process_env(
        {
            "DATABASE_URL": database_url(connection.settings_dict),
            "SECRET_KEY": "test-only-secret-key-not-for-production",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
            "SERVED_BY_HEADER": "true",
            "DEBUG": "false",
        }
    )
    processes = [procfile.start("web", env)]
    processes += [procfile.start("worker", env) for _ in range(2)]
    try:
        url = f"http://127.0.0.1:{port}/health/"
        _wait_until_up(url, processes)
        served_by = set()
        for _ in range(400):  # a new connection each time: the kernel hands it to either process
            response = httpx.get(url, timeout=10)
            assert response.status_code == 200
            served_by.add(response.headers["X-Served-By"])
            if len(served_by) == 2:
                break
            time.sleep(0.02)
        assert len(served_by) == 2, f"only {served_by} answered"
        supervisor = str(processes[0].pid)
        assert all(not value.endswith(f":{supervisor}") for value in served_by)

        results = [which_process.enqueue(0.5) for _ in range(10)]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if not DBTaskResult.objects.filter(
                id__in=[r.id for r in results], status__in=["READY", "RUNNING"]
            ).exists():
                break
            time.sleep(0.5)
        rows = list(DBTaskResult.objects.filter(id__in=[r.id for r in results]))
        assert {row.status for row in rows} == {"SUCCEEDED"}, [row.status for row in rows]
        workers = {row.worker_ids[-1] for row in rows}
        pids = {row.return_value for row in rows}
        assert len(workers) == 2, workers
        assert len(pids) == 2, pids
    finally:
        procfile.stop(processes)
