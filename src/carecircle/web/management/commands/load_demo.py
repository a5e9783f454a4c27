from django.core.management.base import BaseCommand

from carecircle.web.demo import demo_password, load_demo
from carecircle.web.demo_people import DEMO_LOGINS


class Command(BaseCommand):
    help = "Load the demo organisation (Hebden Mill, two circles). Safe to run twice."

    def handle(self, *args, **options):
        if load_demo():
            self.stdout.write(self.style.SUCCESS("Demo organisation loaded."))
        else:
            self.stdout.write("Demo organisation already there; nothing added.")
        self.stdout.write(f"\nDemo logins (password for all: {demo_password()}):")
        for role, username in DEMO_LOGINS:
            self.stdout.write(f"  {role:<18} {username}")
