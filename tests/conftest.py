"""Shared fixtures: the demo organisation loaded once, and named personas from it.

The personas are the people of shared/SCENARIOS.md: Priya (team leader), Ana and Dave (carers),
Pat (informal carer, helps only Arthur), Edna (client), Sue (Edna's attorney, also an informal
carer), Helen (manager), Sam (safeguarding lead), Chris (a carer in the other circle: the outsider)
and the administrator.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.conf import settings

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


def pytest_configure(config):
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
def django_db_setup(django_db_setup, django_db_blocker):
    from carecircle.web.demo import load_demo

    with django_db_blocker.unblock():
        load_demo()


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
def people(db):
    return _personas()


@pytest.fixture
def demo_live(transactional_db):
    """For tests that need committed data (a live server): the flush between transactional
    tests empties the database, so load the demo again when it is gone."""
    from carecircle.web.demo import load_demo

    load_demo()
    return _personas()
