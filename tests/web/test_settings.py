from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from carecircle.env import env_bool, env_int


def test_env_helpers_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("X_NUM", 1, minimum=0)


def _import_settings(**env):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "CARECIRCLE_DEMO"}
    }
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import carecircle.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env=clean,
        capture_output=True,
        text=True,
    )


def test_default_secret_refused_outside_development(tmp_path):
    result = _import_settings(DATA_DIR=str(tmp_path))
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_database_url_selects_the_database(tmp_path):
    ok = _import_settings(
        SECRET_KEY="s", DATABASE_URL=f"sqlite:///{tmp_path}/x.db", DATA_DIR=str(tmp_path)
    )
    assert ok.stdout.strip() == "django.db.backends.sqlite3"
    pg = _import_settings(SECRET_KEY="s", DATABASE_URL="postgres://u@h/db", DATA_DIR=str(tmp_path))
    assert pg.stdout.strip() == "django.db.backends.postgresql"
    bad = _import_settings(SECRET_KEY="s", DATABASE_URL="mysql://u@h/db", DATA_DIR=str(tmp_path))
    assert bad.returncode != 0 and "DATABASE_URL" in bad.stderr
