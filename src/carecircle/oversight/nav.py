"""Navigation entries this app adds for a signed-in person (see web/context.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.people.permissions import Perm, has_perm


def nav_items(request) -> list[tuple[str, str]]:
    items = []
    if has_perm(request.user, Perm.VIEW_TEAM_HOME):
        items.append((_("My circles"), reverse("team_home")))
    if has_perm(request.user, Perm.VIEW_ORG_HOME):
        items.append((_("Organisation"), reverse("manager_home")))
        items.append((_("Equity"), reverse("equity_page")))
    return items
