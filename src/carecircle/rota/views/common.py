"""What the rota pages share: who is asking as a carer, and where to go back to."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from carecircle.people.access import carer_of
from carecircle.people.models import Carer

# Field names of the rota services that mean nothing on a page: the visit or offer the page is
# about. Their messages are shown without the name.
UNLABELLED = ("visit", "offer")


def carer_or_403(request: HttpRequest) -> Carer:
    carer = carer_of(request.user)
    if carer is None:
        raise PermissionDenied(_("This page is for carers."))
    return carer


def back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form came from (`next`), when that is a path on this site."""
    target = request.POST.get("next") or default
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return redirect(target)
