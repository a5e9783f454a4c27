"""The front door: send each person to the first page they need."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from carecircle.circles.access import clients_visible_to
from carecircle.people.models import Role


def home_url_for(user) -> str:
    role = user.role
    if user.is_superuser or role == Role.ADMIN:
        return reverse("admin:index")
    if role == Role.TEAM_LEADER:
        return reverse("team_home")
    if role == Role.MANAGER:
        return reverse("manager_home")
    if role == Role.SAFEGUARDING_LEAD:
        return reverse("audit_home")
    if role in (Role.CLIENT, Role.REPRESENTATIVE):
        client = clients_visible_to(user).order_by("last_name").first()
        if client is not None:
            return reverse("client_page", args=[client.public_id])
        return reverse("no_home")
    if hasattr(user, "carer_profile"):
        return reverse("my_day")
    return reverse("no_home")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))


@login_required
def no_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/no_home.html")


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
