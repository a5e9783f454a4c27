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
        self.stdout.write(
            "\nTeam leaders, managers, the safeguarding lead and the administrator sign in with\n"
            "two-factor codes. On first sign-in they enrol an authenticator app: scan the QR code,\n"
            "or type the key shown under it into the app (or compute a code with\n"
            "`python -c 'import pyotp; print(pyotp.TOTP(\"KEY\").now())'`)."
        )
