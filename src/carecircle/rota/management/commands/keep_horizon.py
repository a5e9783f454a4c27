"""Generate every client's visits to the rolling horizon (ROTA_HORIZON_WEEKS ahead)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from carecircle.rota.services.horizon import HORIZON_MAX_WEEKS, horizon_keep


class Command(BaseCommand):
    help = "Keep every client with an agreed plan generated to the rolling horizon."

    def add_arguments(self, parser):
        parser.add_argument(
            "--weeks",
            type=int,
            default=None,
            help=f"weeks ahead (1 to {HORIZON_MAX_WEEKS}; default: ROTA_HORIZON_WEEKS)",
        )

    def handle(self, *args, weeks=None, **options):
        try:
            report = horizon_keep(weeks=weeks)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(json.dumps(report.as_dict()))
