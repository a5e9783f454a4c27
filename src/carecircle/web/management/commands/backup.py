"""`manage.py backup [PATH] [--force]`: a consistent copy of the database while it is in use
(README "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carecircle.web.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database while it is in use: SQLite through its online backup API, "
        "PostgreSQL with pg_dump (custom format). Default path: DATA_DIR/backups/."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Where to write the backup.")
        parser.add_argument("--force", action="store_true", help="Overwrite an existing file.")

    def handle(self, *args, path: str | None = None, force: bool = False, **options):
        try:
            written = backup(Path(path) if path else None, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"backup written: {written}"))
