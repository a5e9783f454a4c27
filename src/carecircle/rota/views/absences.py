"""Reporting an absence, the circle covering it, and withdrawing it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.core.form_errors import errors_to_form, say_errors
from carecircle.core.timefmt import local_when
from carecircle.rota import services as sm
from carecircle.rota.access import access_absence
from carecircle.rota.forms import AbsenceForm
from carecircle.rota.models import Absence
from carecircle.rota.selectors import absence_freed_visits
from carecircle.rota.views.common import UNLABELLED, back, carer_or_403


def _report(request: HttpRequest, form: AbsenceForm) -> Absence:
    """From the first day away to the end of the last, in the organisation's time zone."""
    tz = timezone.get_current_timezone()
    d = form.cleaned_data
    return sm.absence_report(
        actor=request.user,
        kind=d["kind"],
        starts_at=datetime.combine(d["first_day"], time(0), tz),
        ends_at=datetime.combine(d["last_day"] + timedelta(days=1), time(0), tz),
        note=d["note"],
    )


@login_required
def absence_new(request: HttpRequest) -> HttpResponse:
    carer_or_403(request)
    tomorrow = timezone.localdate() + timedelta(days=1)
    initial = {"kind": "sickness", "first_day": tomorrow, "last_day": tomorrow}
    form = AbsenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            absence = _report(request, form)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return redirect("absence_page", absence_id=absence.public_id)
    return render(
        request, "rota/absence_new.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def absence_page(request: HttpRequest, absence_id) -> HttpResponse:
    absence = access_absence(request.user, absence_id)
    context = {"absence": absence, "freed": absence_freed_visits(absence), "now": timezone.now()}
    return render(request, "rota/absence.html", context)


@login_required
@require_POST
def absence_withdraw(request: HttpRequest, absence_id) -> HttpResponse:
    try:
        absence = sm.absence_withdraw(actor=request.user, absence_id=absence_id)
    except ValidationError as exc:
        say_errors(request, exc, unlabelled=UNLABELLED)
    else:
        messages.success(
            request,
            _("Withdrawn. %(n)s visits are yours again.")
            % {"n": absence.proposal.get("restored", 0)},
        )
    return redirect("absence_page", absence_id=absence_id)


@login_required
@require_POST
def cover_act(request: HttpRequest, offer_id, action: str) -> HttpResponse:
    try:
        if action == "accept":
            visit = sm.cover_accept(actor=request.user, offer_id=offer_id).visit
            messages.success(
                request,
                _("Thank you — you cover %(client)s, %(when)s. It is on your day now.")
                % {"client": visit.client, "when": local_when(visit.start or visit.window_start)},
            )
        elif action == "decline":
            sm.cover_decline(
                actor=request.user, offer_id=offer_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("Declined. The place stays open for the circle."))
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        say_errors(request, exc, unlabelled=UNLABELLED)
    return back(request, reverse("my_day"))
