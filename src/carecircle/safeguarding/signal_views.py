"""The safeguarding signals page (team leaders, the safeguarding lead) and acknowledging one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.audit.reads import audit_listing
from carecircle.core.form_errors import say_errors
from carecircle.people.permissions import Perm, require
from carecircle.safeguarding.signal_services import signal_acknowledge, signals_for

SHOWN = 100  # newest first; more would make the page too long to act on


@login_required
def signal_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_SIGNALS)
    open_, done = signals_for(request.user)
    signals, acknowledged = open_[:SHOWN], done[:SHOWN]
    audit_listing(
        actor=request.user,
        view="signals",
        clients=[s.client for s in signals] + [s.client for s, _ack in acknowledged],
    )
    return render(
        request,
        "safeguarding/signals.html",
        {"signals": signals, "total": len(open_), "acknowledged": acknowledged},
    )


@login_required
@require_POST
def signal_ack(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_SIGNALS)
    try:
        signal_acknowledge(
            actor=request.user,
            key=request.POST.get("key", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        say_errors(request, exc, labels=False)
    else:
        messages.success(request, _("Acknowledged, with your reason recorded."))
    return redirect("signal_list")
