"""Backups that restore: `manage.py backup` and `manage.py restore` (README "Backups").

SQLite is copied with its online backup API and PostgreSQL with `pg_dump --format=custom`; both
read one consistent snapshot, so web processes and workers may go on writing meanwhile. A backup is
written beside its final name and renamed when complete, so a half-written file never looks like a
backup. Nothing is overwritten without `force`: neither an existing backup file nor a database that
already holds tables."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


def database_kind(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    return vendor


def file_kind(path: Path) -> str:
    """Which database made the file (sqlite or postgresql), from its first bytes."""
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    if not path.is_file():
        raise BackupError(f"{path}: not a file")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path}: neither an SQLite database nor a pg_dump custom-format archive "
        "(was it made by `manage.py backup`?)"
    )


def default_backup_path(kind: str, *, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if kind == "sqlite" else "pgdump"
    return Path(settings.DATA_DIR) / "backups" / f"carecircle-{stamp}.{suffix}"


def backup(path: Path | None = None, *, force: bool = False, alias: str = "default") -> Path:
    kind = database_kind(alias)
    path = Path(path) if path else default_backup_path(kind)
    if path.exists() and not force:
        raise BackupError(f"{path} already exists; choose another name or pass --force")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if kind == "sqlite":
            _backup_sqlite(connections[alias].settings_dict, partial)
        else:
            _backup_postgresql(connections[alias].settings_dict, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def restore(path: Path, *, force: bool = False, alias: str = "default") -> str:
    """Restore `path` into the configured database; returns the database kind."""
    path = Path(path)
    kind = database_kind(alias)
    found = file_kind(path)
    if found != kind:
        raise BackupError(
            f"{path} is a {_label(found)} backup but this database (DATABASE_URL) is "
            f"{_label(kind)}; restore it into a {_label(found)} database"
        )
    connection = connections[alias]
    tables = connection.introspection.table_names()
    if tables and not force:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} already holds {len(tables)} "
            "tables; restoring replaces them: stop the web processes and workers and pass --force"
        )
    settings_dict = connection.settings_dict
    connection.close()  # our own connection must not hold a lock on what is replaced
    if kind == "sqlite":
        _restore_sqlite(path, Path(settings_dict["NAME"]))
    else:
        _restore_postgresql(path, settings_dict)
    return kind


def _label(kind: str) -> str:
    return "SQLite" if kind == "sqlite" else "PostgreSQL"


# SQLite --------------------------------------------------------------------------------------


def _backup_sqlite(settings_dict: dict, target: Path) -> None:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database cannot be backed up")
    source = sqlite3.connect(f"file:{name}?mode=ro", uri=True, timeout=30)
    dest = sqlite3.connect(target)
    try:
        # One step (pages=-1): the copy is read in a single read transaction, one snapshot, while
        # writers carry on in the WAL.
        source.backup(dest, pages=-1)
    finally:
        dest.close()
        source.close()
    _check_sqlite(target)


def _check_sqlite(path: Path) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
        has_migrations = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a readable SQLite database ({exc})") from exc
    finally:
        db.close()
    if result != "ok":
        raise BackupError(f"{path}: SQLite integrity check failed: {result}")
    if not has_migrations:
        raise BackupError(f"{path}: not a carecircle database (no django_migrations table)")


def _restore_sqlite(path: Path, target: Path) -> None:
    _check_sqlite(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dest = sqlite3.connect(target, timeout=30)
    try:
        source.backup(dest, pages=-1)  # replaces every page of the target, in one transaction
    finally:
        dest.close()
        source.close()


# PostgreSQL ----------------------------------------------------------------------------------


def _pg_env(settings_dict: dict) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = settings_dict.get(key)
        if value:
            env[var] = str(value)
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _backup_postgresql(settings_dict: dict, target: Path) -> None:
    # pg_dump reads one snapshot (a repeatable-read transaction): writes continue meanwhile.
    _run(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "-f",
            str(target),
        ],
        _pg_env(settings_dict),
    )


def _restore_postgresql(path: Path, settings_dict: dict) -> None:
    env = _pg_env(settings_dict)
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "-d",
            env.get("PGDATABASE", ""),
            str(path),
        ],
        env,
    )
