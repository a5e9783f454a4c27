"""Pages for safeguarding concerns: raise one (anyone), list and open them (the lead, or the
person who raised it), and move one on (the lead)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.audit.reads import audit_read
from carecircle.circles.access import clients_visible_to
from carecircle.core.form_errors import errors_to_form, say_errors
from carecircle.people.models import Carer
from carecircle.rota.access import access_visit
from carecircle.safeguarding.access import (
    access_concern,
    access_concern_record,
    concern_links,
    concerns_visible_to,
    handles_concerns,
)
from carecircle.safeguarding.concern_records import concern_record_context
from carecircle.safeguarding.concerns import (
    concern_advance,
    concern_note_add,
    concern_raise,
    concern_visits,
)
from carecircle.safeguarding.forms import ConcernActForm, ConcernForm
from carecircle.safeguarding.models import CONCERN_NEXT, ConcernStatus


@login_required
def concern_list(request: HttpRequest) -> HttpResponse:
    concerns = concerns_visible_to(request.user)
    return render(
        request,
        "safeguarding/concern_list.html",
        {"concerns": concerns, "is_lead": handles_concerns(request.user)},
    )


@login_required
def concern_new(request: HttpRequest) -> HttpResponse:
    visit = access_visit(request.user, request.GET["visit"]) if request.GET.get("visit") else None
    clients = clients_visible_to(request.user)
    initial = {"client": visit.client.public_id} if visit else {}
    form = ConcernForm(request.POST or None, clients=clients, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            concern = concern_raise(
                actor=request.user,
                summary=form.cleaned_data["summary"],
                description=form.cleaned_data["description"],
                client=form.cleaned_data["client"],
                visit=visit,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Thank you. The safeguarding lead has your concern and will act on it."),
            )
            return redirect("concern_page", concern.public_id)
    return render(request, "safeguarding/concern_new.html", {"form": form, "visit": visit})


def _act_form(request, concern, data=None):
    carers = Carer.objects.filter(organisation_id=concern.organisation_id).select_related("user")
    lead = handles_concerns(request.user)
    return ConcernActForm(
        data,
        carers=carers if lead else [],
        visits=concern_visits(concern) if lead else [],
    )


@login_required
def concern_page(request: HttpRequest, concern_id) -> HttpResponse:
    concern = access_concern(request.user, concern_id)
    audit_read(actor=request.user, obj=concern, client=concern.client, view="concern")
    is_lead = handles_concerns(request.user)
    return render(
        request,
        "safeguarding/concern_page.html",
        {
            "concern": concern,
            "notes": concern.notes.select_related("by"),
            "is_lead": is_lead,
            # The lead follows the links into the records while the concern is open.
            "open_links": is_lead and concern.status != ConcernStatus.CLOSED,
            "links": concern_links(concern),
            "next_status": CONCERN_NEXT.get(concern.status),
            "form": _act_form(request, concern),
        },
    )


@login_required
def concern_record(request: HttpRequest, concern_id, kind: str) -> HttpResponse:
    """A record linked from a concern, read-only, for the lead looking into it."""
    concern, record = access_concern_record(request.user, concern_id, kind)
    context = concern_record_context(actor=request.user, concern=concern, kind=kind, record=record)
    return render(request, "safeguarding/concern_record.html", context)


@login_required
@require_POST
def concern_act(request: HttpRequest, concern_id, action: str) -> HttpResponse:
    concern = access_concern(request.user, concern_id)
    form = _act_form(request, concern, request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        if action == "advance":
            concern_advance(
                actor=request.user,
                concern=concern,
                note=data.get("note", ""),
                outcome=data.get("outcome", ""),
                carer_id=data.get("carer") or None,
            )
        elif action == "note":
            concern_note_add(
                actor=request.user,
                concern=concern,
                note=data.get("note", ""),
                carer_id=data.get("carer") or None,
                visit_id=data.get("visit") or None,
            )
        else:
            return HttpResponse(status=404)
    except ValidationError as exc:
        say_errors(request, exc, labels=False)
    else:
        messages.success(request, _("Saved."))
    return redirect("concern_page", concern.public_id)
