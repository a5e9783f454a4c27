"""The safeguarding lead's home: who opened which client record, and when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carecircle.people.permissions import Perm, require
from carecircle.safeguarding.selectors import audit_events_for


@login_required
def audit_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_AUDIT)
    events = audit_events_for(request.user)[:100]
    return render(request, "safeguarding/audit_home.html", {"events": events})
