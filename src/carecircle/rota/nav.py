"""Navigation entries this app adds for a signed-in person (see web/context.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.people.permissions import Perm, has_perm


def nav_items(request) -> list[tuple[str, str]]:
    user = request.user
    if has_perm(user, Perm.VIEW_MY_DAY) and hasattr(user, "carer_profile"):
        return [(_("My day"), reverse("my_day"))]
    return []
