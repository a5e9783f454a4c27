"""Drafting a week with the rota engine: ask, watch it work, review, publish."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.circles.access import access_circle
from carecircle.core.form_errors import say_errors
from carecircle.people.permissions import Perm, has_perm
from carecircle.rota.access import access_draft
from carecircle.rota.selectors import draft_review, is_circle_carer
from carecircle.rota.services import rota_draft_discard, rota_draft_publish, rota_draft_request

RUNNING = ("queued", "running")


@login_required
@require_POST
def draft_request(request: HttpRequest, circle_id) -> HttpResponse:
    circle = access_circle(request.user, circle_id, perm=Perm.DRAFT_ROTA)
    raw = request.POST.get("week", "")
    try:
        week = date.fromisoformat(raw)
        draft = rota_draft_request(actor=request.user, circle_id=circle.public_id, week_start=week)
    except ValueError:
        messages.error(request, _("week: “%(v)s” is not a date like 2026-11-30.") % {"v": raw[:20]})
        return redirect("circle_board", circle_id=circle.public_id)
    except ValidationError as exc:
        say_errors(request, exc)
        return redirect("circle_board", circle_id=circle.public_id)
    return redirect("rota_draft", draft_id=draft.public_id)


@login_required
def draft_page(request: HttpRequest, draft_id) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    if request.htmx and draft.status not in RUNNING:
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # the solve finished: show the whole review
        return response
    context = {
        "draft": draft,
        "review": draft_review(draft=draft, user=request.user),
        "can_publish": has_perm(request.user, Perm.PUBLISH_ROTA),
        "can_discard": has_perm(request.user, Perm.PUBLISH_ROTA)
        or draft.requested_by_id == request.user.id,
        "elapsed": int((timezone.now() - (draft.started_at or draft.created_at)).total_seconds()),
        "problems": list(draft.problems.select_related("raised_by")),
        "can_raise_problem": draft.is_open and is_circle_carer(request.user, draft.circle),
    }
    template = "rota/draft.html#status" if request.htmx else "rota/draft.html"
    return render(request, template, context)


@login_required
@require_POST
def draft_publish(request: HttpRequest, draft_id) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    try:
        rota_draft_publish(actor=request.user, draft_id=draft.public_id)
    except ValidationError as exc:
        say_errors(request, exc)
        return redirect("rota_draft", draft_id=draft.public_id)
    messages.success(request, _("Published. The carers have been told."))
    return redirect(f"/circles/{draft.circle.public_id}/board/?week={draft.week_start.isoformat()}")


@login_required
@require_POST
def draft_discard(request: HttpRequest, draft_id) -> HttpResponse:
    draft = access_draft(request.user, draft_id)
    try:
        rota_draft_discard(actor=request.user, draft_id=draft.public_id)
    except ValidationError as exc:
        say_errors(request, exc)
        return redirect("rota_draft", draft_id=draft.public_id)
    messages.success(request, _("Draft discarded; the published rota is unchanged."))
    return redirect("circle_board", circle_id=draft.circle.public_id)
