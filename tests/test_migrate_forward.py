"""An existing SQLite database made by an older release migrates forward with every row kept and
its audit chain still verifying (issue 14: ground apps carved out of domain apps keep their tables).

The fixture is the demo (`manage.py load_demo`) as made at commit 8917c35, before any model moved.
The migrations run in a subprocess against a copy of it, so this works whatever database the rest
of the suite uses."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "demo-8917c35.sqlite3.gz"

# Old table → the table a later migration legitimately renamed it to (none so far: moved models
# keep their tables with Meta.db_table).
RENAMED: dict[str, str] = {}
# Django's own bookkeeping, which migrating adds to (the migrations applied, the content types and
# permissions of new models): these may grow but never shrink.
MAY_GROW = {"django_migrations", "django_content_type", "auth_permission"}


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _manage(path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "CARECIRCLE_DEMO": "true",
        "DATA_DIR": str(path.parent),
        "DJANGO_SETTINGS_MODULE": "carecircle.settings",
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_old_demo_database_migrates_forward_with_every_row_kept(tmp_path):
    path = tmp_path / "demo.sqlite3"
    with gzip.open(FIXTURE) as packed, path.open("wb") as out:
        shutil.copyfileobj(packed, out)
    before = _counts(path)
    assert before["safeguarding_auditevent"] > 0 and before["rota_visit"] > 0

    migrated = _manage(path, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    after = _counts(path)

    for table, count in before.items():
        now = RENAMED.get(table, table)
        assert now in after, f"table {table} is gone after migrating"
        if table in MAY_GROW:
            assert after[now] >= count, f"{table}: {count} rows before, {after[now]} after"
        else:
            assert after[now] == count, f"{table}: {count} rows before, {after[now]} after"

    verified = _manage(path, "verify_audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"audit chain intact: {before['safeguarding_auditevent']} events" in verified.stdout
