"""Navigation entries this app adds for a signed-in person (see web/context.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _


def nav_items(request) -> list[tuple[str, str]]:
    if hasattr(request.user, "carer_profile"):
        return [(_("Record visits"), reverse("visits_upcoming"))]
    return []
