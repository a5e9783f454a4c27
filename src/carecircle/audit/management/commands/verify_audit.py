"""`manage.py verify_audit`: re-hash the audit chain and name every changed or deleted event.
Exits 1 when the chain is broken, so a cron job or monitor can alert on it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from carecircle.audit.selectors import audit_chain_problems


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain: detects changed and deleted events."

    def handle(self, *args, **options):
        checked, problems = audit_chain_problems()
        for problem in problems:
            self.stderr.write(f"BROKEN: {problem.message}")
        if problems:
            raise CommandError(
                f"audit chain broken: {len(problems)} problem(s) in {checked} events"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events"))
