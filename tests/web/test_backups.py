"""Backups that restore: a backup taken while audit events are being written is restored into a
database of its own, its audit chain verifies and its row counts match; nothing is overwritten
without --force and the wrong kind of file is refused. On SQLite in the normal pass; on PostgreSQL
(pg_dump / pg_restore, a restore database of its own) in the PostgreSQL pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from carecircle.audit.models import AuditEvent
from carecircle.audit.services import audit_record
from tests.workers import database_url

_COUNTS = """
import json, django
django.setup()
from django.db import connection
counts = {}
with connection.cursor() as c:
    for name in connection.introspection.table_names(c):
        c.execute(f'SELECT COUNT(*) FROM "{name}"')
        counts[name] = c.fetchone()[0]
print(json.dumps(counts))
"""


def _env(url: str) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="carecircle.settings", DATABASE_URL=url)
    env.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
    return env


def _manage(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _counts_in(url: str) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", _COUNTS], env=_env(url), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _counts_here() -> dict[str, int]:
    with connection.cursor() as c:
        names = connection.introspection.table_names(c)
        counts = {}
        for name in names:
            c.execute(f'SELECT COUNT(*) FROM "{name}"')
            counts[name] = c.fetchone()[0]
    return counts


def _audit_table() -> str:
    return AuditEvent._meta.db_table


@pytest.fixture
def restore_target(tmp_path):
    """The URL of an empty database of its own to restore into."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{settings_dict['NAME']}_restore"
    admin = dict(
        host=settings_dict.get("HOST") or "127.0.0.1",
        port=settings_dict.get("PORT") or 5432,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**admin) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
        pg.execute(f'CREATE DATABASE "{name}"')
    yield database_url(dict(settings_dict, NAME=name))
    with psycopg.connect(**admin) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Writer(threading.Thread):
    """Audits reads of a client's record until stopped, as web processes would meanwhile."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client, self.stop, self.written, self.error = client, threading.Event(), 0, None
        self.started_writing = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                audit_record(actor=None, action="view", obj=self.client, client=self.client)
                self.written += 1
                if self.written >= 5:
                    self.started_writing.set()
        except Exception as exc:  # reported by the test
            self.error = exc
            self.started_writing.set()
        finally:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_backup_taken_while_writing_restores_with_verified_chain_and_matching_counts(
    demo_live, tmp_path, restore_target
):
    path = tmp_path / "carecircle.backup"
    writer = _Writer(demo_live.edna)
    writer.start()
    try:
        assert writer.started_writing.wait(60), "the writer never wrote"
        before = _counts_here()
        call_command("backup", str(path))
        after = _counts_here()
    finally:
        writer.stop.set()
        writer.join(60)
    assert writer.error is None, writer.error
    audit = _audit_table()
    assert after[audit] > before[audit], "writes did not continue during the backup"

    done = _manage(restore_target, "restore", str(path))
    assert done.returncode == 0, done.stderr[-2000:]
    verified = _manage(restore_target, "verify_audit")
    assert verified.returncode == 0, verified.stderr[-2000:]
    assert "audit chain intact" in verified.stdout
    restored = _counts_in(restore_target)
    # Only the audit trail was written to meanwhile; the snapshot holds some prefix of it.
    assert before[audit] <= restored[audit] <= after[audit]
    assert {k: v for k, v in restored.items() if k != audit} == {
        k: v for k, v in after.items() if k != audit
    }

    # Once quiet, a fresh backup over the old file (--force) restored over the restored database
    # (--force) holds exactly the rows there are.
    assert _manage(restore_target, "restore", str(path)).returncode != 0  # not empty: refused
    call_command("backup", str(path), "--force")
    done = _manage(restore_target, "restore", str(path), "--force")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _manage(restore_target, "verify_audit").returncode == 0
    assert _counts_in(restore_target) == _counts_here()


@pytest.mark.django_db(transaction=True)
def test_a_tampered_backup_fails_verification_after_restore(demo_live, tmp_path, restore_target):
    """The restore test can fail: a backup of a database whose audit trail was edited restores,
    and verify_audit then says the chain is broken."""
    audit_record(actor=None, action="view", obj=demo_live.edna, client=demo_live.edna)
    AuditEvent.objects.filter(seq=1).update(action="edited")
    path = tmp_path / "tampered.backup"
    call_command("backup", str(path))
    assert _manage(restore_target, "restore", str(path)).returncode == 0
    verified = _manage(restore_target, "verify_audit")
    assert verified.returncode != 0
    assert "BROKEN" in verified.stderr


def test_restore_of_a_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "nothing-here"))


def test_restore_of_a_file_that_is_no_backup_is_refused(db, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello, not a database")
    with pytest.raises(CommandError, match="neither an SQLite database nor a pg_dump"):
        call_command("restore", str(junk))


def test_restore_of_the_other_database_kind_is_refused(db, tmp_path):
    other = tmp_path / "other.backup"
    if connection.vendor == "sqlite":
        other.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
        expected = "is a PostgreSQL backup but this database .* is SQLite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
        expected = "is a SQLite backup but this database .* is PostgreSQL"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(other))


def test_backup_does_not_overwrite_a_file_without_force(db, tmp_path):
    existing = tmp_path / "keep.backup"
    existing.write_bytes(b"precious")
    with pytest.raises(CommandError, match="already exists; .* --force"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"precious"


@pytest.mark.django_db(transaction=True)
def test_restore_over_a_database_with_tables_needs_force(demo_live, tmp_path):
    path = tmp_path / "carecircle.backup"
    call_command("backup", str(path))
    assert Path(path).stat().st_size > 0
    with pytest.raises(CommandError, match="already holds .* tables.*--force"):
        call_command("restore", str(path))
