"""The weekly cycle of a circle: its settings page, and a carer raising a problem with a draft."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.core.form_errors import errors_to_form, say_errors
from carecircle.rota import services as sm
from carecircle.rota.access import access_draft
from carecircle.rota.forms import CycleForm, DraftProblemForm
from carecircle.rota.services.cycle import CYCLE_FIELDS


@login_required
def cycle_settings(request: HttpRequest, circle_id) -> HttpResponse:
    circle = sm.access_cycle(request.user, circle_id)
    cycle = sm.cycle_of(circle)
    form = CycleForm(request.POST or None, initial={f: getattr(cycle, f) for f in CYCLE_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            sm.circle_cycle_update(
                actor=request.user, circle_id=circle.public_id, **form.cleaned_data
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("The weekly cycle is saved."))
            return redirect("circle_board", circle_id=circle.public_id)
    context = {
        "circle": circle,
        "form": form,
        "status": sm.cycle_status(circle, now=timezone.now()),
    }
    return render(request, "rota/cycle_settings.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def draft_problem(request: HttpRequest, draft_id) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    form = DraftProblemForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        sm.draft_problem_raise(
            actor=request.user, draft_id=draft.public_id, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        say_errors(request, exc)
    else:
        messages.success(request, _("Thank you. The team leaders have been told."))
    return redirect("rota_draft", draft_id=draft.public_id)
