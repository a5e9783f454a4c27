"""The real web server (scripts/web.sh, as scripts/serve.sh starts it, and deploy/web.sh, the
production profile's, which runs it with two worker processes) does not let a caller pick
its own address with X-Forwarded-For: uvicorn trusts proxy headers only from the proxies named in
FORWARDED_ALLOW_IPS. Before, uvicorn trusted them from 127.0.0.1 by default, so anyone reaching it
there could defeat the sign-in throttle (counted per username and address) with a new header value
on each try."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated SQLite database of its own with one carer, shared by the servers below."""
    data = tmp_path_factory.mktemp("served")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{data / 'db.sqlite3'}",
        "DATA_DIR": str(data),
        "CARECIRCLE_DEMO": "true",
        "DEBUG": "false",
        "LOGIN_THROTTLE_ATTEMPTS": str(ATTEMPTS),
    }
    env.pop("FORWARDED_ALLOW_IPS", None)
    env.pop("WEB_CONCURRENCY", None)  # deploy/web.sh: two processes; scripts/web.sh: one
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    make_user = (
        "from carecircle.people.models import User; "
        "User.objects.create_user(username='wanda', password='right-password-123', role='carer')"
    )
    subprocess.run([*manage, "shell", "-c", make_user], env=env, check=True, capture_output=True)
    return env


def _serve(env: dict, script: str = "scripts/web.sh"):
    port = _free_port()
    process = subprocess.Popen(
        ["bash", str(ROOT / script)],
        env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # two processes starting on a busy machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/", timeout=1).status_code < 500:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the web server did not start")


def _sign_in(browser: httpx.Client, password: str, forwarded_for: str) -> httpx.Response:
    page = browser.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return browser.post(
        "/accounts/login/",
        data={"username": "wanda", "password": password, "csrfmiddlewaretoken": token},
        headers={"X-Forwarded-For": forwarded_for},
    )


def _stop(process) -> None:
    os.killpg(process.pid, 15)
    process.wait(timeout=10)


def _throttled_after_failures(base: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=10) as browser:
        for i in range(ATTEMPTS):
            assert _sign_in(browser, "wrong", f"203.0.113.{i + 1}").status_code == 200
        return _sign_in(browser, "right-password-123", "203.0.113.99")


@pytest.mark.parametrize("script", ["scripts/web.sh", "deploy/web.sh"])
def test_a_changing_x_forwarded_for_does_not_escape_the_throttle(site, script):
    process, base = _serve(site, script)
    try:
        answer = _throttled_after_failures(base)
    finally:
        _stop(process)
    assert answer.status_code == 200, "signed in: the header chose the address"
    assert "Too many attempts" in answer.text


def test_the_named_proxy_is_trusted(site):
    """Behind a reverse proxy named in FORWARDED_ALLOW_IPS the address it forwards is the
    caller's: each forwarded address is throttled on its own."""
    env = {**site, "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    process, base = _serve(env)
    try:
        answer = _throttled_after_failures(base)
    finally:
        _stop(process)
    assert answer.status_code == 302
