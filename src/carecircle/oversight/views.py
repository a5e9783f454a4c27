"""Homes for team leaders (their circles) and managers (the organisation), and the escalation
page where an escalation is taken and resolved."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.circles.access import led_circles, organisation_circles
from carecircle.oversight.equity import equity_report, lorenz_svg, met_bars_svg
from carecircle.oversight.escalations import (
    access_escalation,
    escalation_resolve,
    escalation_take,
    people_at,
)
from carecircle.oversight.models import EscalationLevel, EscalationStatus
from carecircle.oversight.selectors import circle_statuses, open_escalations
from carecircle.people.permissions import Perm, has_perm, require


@login_required
def team_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_TEAM_HOME)
    circles = led_circles(request.user)
    statuses = circle_statuses(circles)
    return render(
        request,
        "oversight/team_home.html",
        {
            "statuses": statuses,
            "escalations": open_escalations(request.user, circles),
            "threshold": settings.CIRCLE_HEALTH_THRESHOLD,
        },
    )


@login_required
def manager_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_ORG_HOME)
    circles = organisation_circles(request.user)
    statuses = circle_statuses(circles)
    return render(
        request,
        "oversight/manager_home.html",
        {
            "statuses": statuses,
            "organisation": request.user.organisation,
            "escalations": open_escalations(request.user, circles, level=EscalationLevel.MANAGER),
            "threshold": settings.CIRCLE_HEALTH_THRESHOLD,
        },
    )


@login_required
def escalation_page(request: HttpRequest, escalation_id) -> HttpResponse:
    esc = access_escalation(request.user, escalation_id)
    at_level = request.user in people_at(esc.circle, esc.level)
    return render(
        request,
        "oversight/escalation.html",
        {
            "esc": esc,
            "events": esc.events.select_related("actor"),
            "can_take": esc.status == EscalationStatus.OPEN
            and at_level
            and esc.owner_id != request.user.pk,
            "can_resolve": esc.status == EscalationStatus.OPEN
            and (at_level or esc.owner_id == request.user.pk),
        },
    )


@login_required
@require_POST
def escalation_act(request: HttpRequest, escalation_id, action: str) -> HttpResponse:
    try:
        if action == "take":
            escalation_take(actor=request.user, escalation_id=escalation_id)
            messages.success(request, _("It is yours now; the timeline shows it."))
        elif action == "resolve":
            escalation_resolve(
                actor=request.user,
                escalation_id=escalation_id,
                resolution=request.POST.get("resolution", ""),
            )
            messages.success(request, _("Resolved."))
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for e in errors:
                messages.error(request, e)
    return redirect("escalation_page", escalation_id=escalation_id)


@login_required
def equity_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_ORG_HOME)
    days = 28
    raw = request.GET.get("days", "")
    if raw:
        try:
            days = int(raw)
            if not 7 <= days <= 182:
                raise ValueError
        except ValueError:
            messages.error(request, _("days: give a whole number from 7 to 182; showing 28."))
            days = 28
    report = equity_report(circles=organisation_circles(request.user), days=days)
    below = report.furthest_below()
    return render(
        request,
        "oversight/equity.html",
        {
            "report": report,
            "below": below,
            "days": days,
            "lorenz": lorenz_svg([r.met for r in report.rows]),
            "bars": met_bars_svg(sorted(report.rows, key=lambda r: r.met)),
            "can_see_clients": has_perm(request.user, Perm.VIEW_CLIENT),
        },
    )
