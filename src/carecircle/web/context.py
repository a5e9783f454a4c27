"""The navigation each person sees: each app's nav.py adds the entries its pages need."""

from __future__ import annotations

from importlib import import_module

from django.urls import reverse
from django.utils.translation import gettext as _

NAV_APPS = [
    "rota",
    "oversight",
    "plans",
    "visits",
    "notifications",
    "safeguarding",
    "people",
    "outcomes",
    "money",
    "interop",
    "simulation",
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [(_("Home"), reverse("home"))]
    for app in NAV_APPS:
        items.extend(import_module(f"carecircle.{app}.nav").nav_items(request))
    return {
        "nav_items": [
            {"label": label, "url": url, "current": request.path == url} for label, url in items
        ]
    }
