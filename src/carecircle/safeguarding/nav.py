"""Navigation entries this app adds for a signed-in person (see web/context.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.people.permissions import Perm, has_perm


def nav_items(request) -> list[tuple[str, str]]:
    if has_perm(request.user, Perm.VIEW_AUDIT):
        return [(_("Safeguarding"), reverse("audit_home"))]
    return []
