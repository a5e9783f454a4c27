"""Homes for team leaders (their circles) and managers (the organisation)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carecircle.circles.access import led_circles, organisation_circles
from carecircle.circles.selectors import circle_statuses
from carecircle.people.permissions import Perm, require


@login_required
def team_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_TEAM_HOME)
    statuses = circle_statuses(led_circles(request.user))
    return render(request, "circles/team_home.html", {"statuses": statuses})


@login_required
def manager_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_ORG_HOME)
    statuses = circle_statuses(organisation_circles(request.user))
    return render(
        request,
        "circles/manager_home.html",
        {"statuses": statuses, "organisation": request.user.organisation},
    )
