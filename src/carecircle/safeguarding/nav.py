"""Navigation entries this app adds for a signed-in person (see web/context.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.people.permissions import Perm, has_perm


def nav_items(request) -> list[tuple[str, str]]:
    items = []
    if has_perm(request.user, Perm.VIEW_AUDIT):
        items.append((_("Safeguarding"), reverse("audit_home")))
    if has_perm(request.user, Perm.VIEW_SIGNALS):
        items.append((_("Signals"), reverse("signal_list")))
    if has_perm(request.user, Perm.EXPORT_PERSONAL_DATA):
        items.append((_("Personal data"), reverse("personal_data_home")))
    # Anyone may raise a safeguarding concern, from every page.
    items.append((_("Concerns"), reverse("concern_list")))
    return items
