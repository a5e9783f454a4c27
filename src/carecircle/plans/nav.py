"""Navigation entries this app adds for a signed-in person (see web/context.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.people.models import Role
from carecircle.people.permissions import roles_of


def nav_items(request) -> list[tuple[str, str]]:
    items = []
    roles = roles_of(request.user)
    if roles & {Role.TEAM_LEADER, Role.SAFEGUARDING_LEAD}:
        items.append((_("Restrictions"), reverse("restriction_register")))
    return items
