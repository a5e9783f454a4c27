"""Shared fixtures: the demo organisation loaded once, and named personas from it.

The personas are the people of shared/SCENARIOS.md: Priya (team leader), Ana and Dave (carers),
Pat (informal carer, helps only Arthur), Edna (client), Sue (Edna's attorney, also an informal
carer), Helen (manager), Sam (safeguarding lead), Chris (a carer in the other circle: the outsider)
and the administrator.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

PERSONAS = {
    "team_leader": "priya",
    "carer": "ana",
    "carer2": "dave",
    "informal": "pat",
    "client": "edna",
    "representative": "sue",
    "manager": "helen",
    "safeguarding": "sam",
    "outsider": "chris",
    "admin": "admin",
}


CLOCK = pytest.StashKey[time_machine.travel]()
DEMO_DAY = pytest.StashKey[date]()


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="INSTANT",
        default=None,
        help=(
            "run the whole session from this instant (ISO 8601 with its UTC offset, e.g. "
            "2026-03-29T00:30:00+00:00): the clock starts there before the demo is built and "
            "ticks on. `make test-clock` runs the tests marked `clock` at several such instants."
        ),
    )


def _start_clock(config) -> None:
    instant = config.getoption("--clock")
    if not instant:
        return
    try:
        moment = datetime.fromisoformat(instant)
    except ValueError as exc:
        raise pytest.UsageError(f"--clock={instant!r}: not an ISO 8601 date and time") from exc
    if moment.tzinfo is None:
        raise pytest.UsageError(f"--clock={instant!r}: say the UTC offset (e.g. +00:00)")
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.stash[CLOCK] = traveller


def pytest_report_header(config):
    if config.getoption("--clock"):
        return f"clock: the session runs from {config.getoption('--clock')} (ticking)"
    return None


def pytest_unconfigure(config):
    traveller = config.stash.get(CLOCK, None)
    if traveller is not None:
        traveller.stop()


def pytest_configure(config):
    # Before anything reads the clock (the demo is built relative to today).
    _start_clock(config)
    # Hashing passwords slowly is a production safeguard; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # A test database in a file, not in memory: an in-memory database is one connection
        # shared by the live server's request threads and the test, and a browser's parallel
        # requests on it break each other's savepoints. In a file each thread has its own.
        import os
        import tempfile

        folder = tempfile.mkdtemp(prefix="carecircle-test-")
        db.setdefault("TEST", {})["NAME"] = os.path.join(folder, "test.sqlite3")


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """`client.force_login` stands for a completed sign-in, second factor included: it marks the
    session two-factor verified, as the code page does. The real sign-in (password, enrolment,
    code) is tested in tests/people/test_two_factor.py and through the browser in tests/e2e."""
    from django.test.client import ClientMixin

    from carecircle.people.security import SESSION_KEY

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[SESSION_KEY] = user.pk
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    with django_db_blocker.unblock():
        _load_demo(request.config)


def _load_demo(config) -> None:
    from carecircle.web.demo import load_demo

    day = timezone.localdate()
    if load_demo(today=day):
        config.stash[DEMO_DAY] = day


@pytest.fixture
def demo_day(request, people) -> date:
    """The day the demo was built for: its weeks are counted from it. A session that runs past
    midnight is a day further on than the demo."""
    return request.config.stash[DEMO_DAY]


def _personas():
    from carecircle.circles.models import Circle
    from carecircle.people.models import Client, User

    users = {key: User.objects.get(username=name) for key, name in PERSONAS.items()}
    return SimpleNamespace(
        **users,
        riverside=Circle.objects.get(name="Riverside"),
        hilltop=Circle.objects.get(name="Hilltop"),
        edna=Client.objects.get(first_name="Edna"),
        arthur=Client.objects.get(first_name="Arthur"),
        margaret=Client.objects.get(first_name="Margaret"),
    )


@pytest.fixture
def people(db, request):
    # A transactional test before this one may have emptied the database (its flush).
    _load_demo(request.config)
    return _personas()


@pytest.fixture
def demo_live(transactional_db, request):
    """For tests that need committed data (a live server): the flush between transactional
    tests empties the database, so load the demo again when it is gone."""
    _load_demo(request.config)
    return _personas()
