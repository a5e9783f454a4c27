"""The navigation each person sees, derived from what their roles allow."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.people.permissions import Perm, has_perm


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(_("Home"), reverse("home"))]
    if has_perm(user, Perm.VIEW_MY_DAY) and hasattr(user, "carer_profile"):
        items.append((_("My day"), reverse("my_day")))
    if has_perm(user, Perm.VIEW_TEAM_HOME):
        items.append((_("My circles"), reverse("team_home")))
    if has_perm(user, Perm.VIEW_ORG_HOME):
        items.append((_("Organisation"), reverse("manager_home")))
    if has_perm(user, Perm.VIEW_AUDIT):
        items.append((_("Safeguarding"), reverse("audit_home")))
    path = request.path
    return {
        "nav_items": [{"label": label, "url": url, "current": path == url} for label, url in items]
    }
