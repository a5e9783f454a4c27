"""`manage.py restore PATH [--force]`: put a backup made by `manage.py backup` back into the
configured database (README "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carecircle.web.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database. A database "
        "that already holds tables is replaced only with --force (stop the web and workers first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file.")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that is not empty."
        )

    def handle(self, *args, path: str, force: bool = False, **options):
        try:
            kind = restore(Path(path), force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"restored {path} into the {kind} database; run verify_audit next")
        )
