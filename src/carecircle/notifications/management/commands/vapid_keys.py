from django.core.management.base import BaseCommand

from carecircle.notifications.channels import vapid_keys


class Command(BaseCommand):
    help = (
        "Make sure the server has its Web Push (VAPID) key pair: generated on the first run, "
        "kept in the database and reused afterwards. Prints the public key browsers subscribe with."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Web Push public key: {vapid_keys().public_key}")
