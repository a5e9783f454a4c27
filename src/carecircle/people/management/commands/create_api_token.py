from django.core.management.base import BaseCommand, CommandError

from carecircle.people.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue an API token for a user (a device or an integration). The token is shown once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="integration", help="What the token is for.")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"username: no active user called {username!r}")
        _, raw = ApiToken.issue(user=user, name=name)
        self.stdout.write(f"Token for {user} ({name}); it will not be shown again:\n{raw}")
