from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from carecircle.alerts.services import device_issue
from carecircle.people.models import Client


class Command(BaseCommand):
    help = (
        "Register a telecare pendant or alarm hub for a client and print its token (shown once). "
        "The device posts help calls to /api/v1/alerts with 'Authorization: Bearer <token>'."
    )

    def add_arguments(self, parser):
        parser.add_argument("client", help="The client's id (UUID) or 'First Last'.")
        parser.add_argument("--name", default="Pendant", help="What the device is.")

    def handle(self, *args, client, name, **options):
        found = Client.objects.filter(public_id=client).first() if _uuid(client) else None
        if found is None:
            first, _, last = client.partition(" ")
            matches = list(Client.objects.filter(first_name=first, last_name=last.strip())[:2])
            if len(matches) != 1:
                raise CommandError(f"client: no single client called {client!r}; use their id.")
            found = matches[0]
        try:
            device, raw = device_issue(client=found, name=name)
        except ValidationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{device.name} for {found}; the token will not be shown again:\n{raw}")


def _uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
