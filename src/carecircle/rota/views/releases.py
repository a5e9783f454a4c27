"""A client (or their representative) saying a visit is not needed, and the carer's kept time."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.circles.access import access_client
from carecircle.core.form_errors import errors_to_form, say_errors
from carecircle.rota import services as sm
from carecircle.rota.access import access_kept_time
from carecircle.rota.forms import ReleaseForm
from carecircle.rota.models import KeptTimeUse, Release
from carecircle.rota.selectors import releases_ahead
from carecircle.rota.views.common import UNLABELLED, carer_or_403


def _release(request: HttpRequest, client, form: ReleaseForm) -> Release:
    tz = timezone.get_current_timezone()
    d = form.cleaned_data
    return sm.release_visits(
        actor=request.user,
        client_id=client.public_id,
        starts_at=datetime.combine(d["first_day"], d["from_time"], tz),
        ends_at=datetime.combine(d["last_day"], d["until_time"], tz),
        reason=d["reason"],
    )


@login_required
def release_new(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    if not sm.can_release(request.user, client):
        raise PermissionDenied(
            _("Only the client or their representative can say a visit is not needed.")
        )
    today = timezone.localdate()
    form = ReleaseForm(request.POST or None, initial={"first_day": today, "last_day": today})
    if request.method == "POST" and form.is_valid():
        try:
            release = _release(request, client, form)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Done: %(n)s visit(s) not needed. The carers keep their time and have been told.")
                % {"n": release.visits.count()},
            )
            return redirect("client_page", client_id=client.public_id)
    context = {
        "client": client,
        "form": form,
        "releases": releases_ahead(client=client, now=timezone.now()),
    }
    return render(request, "rota/release_new.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def release_undo(request: HttpRequest, release_id) -> HttpResponse:
    try:
        release = sm.release_undo(actor=request.user, release_id=release_id)
    except ValidationError as exc:
        say_errors(request, exc, unlabelled=UNLABELLED)
        return redirect("home")
    messages.success(request, _("Undone: the visits are planned again."))
    return redirect("client_page", client_id=release.client.public_id)


@login_required
def kept_time(request: HttpRequest, kept_id) -> HttpResponse:
    carer_or_403(request)
    kept = access_kept_time(request.user, kept_id)
    if request.method == "POST":
        try:
            sm.kept_time_use(
                actor=request.user,
                kept_id=kept.public_id,
                use=request.POST.get("use", ""),
                visit_id=request.POST.get("visit") or None,
                client_id=request.POST.get("client") or None,
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            say_errors(request, exc, unlabelled=UNLABELLED)
        else:
            messages.success(
                request, _("Thank you — noted. Your time and pay are kept either way.")
            )
            return redirect("my_day")
    context = {"kept": kept, "options": sm.kept_time_options(kept), "uses": KeptTimeUse}
    return render(request, "rota/kept_time.html", context)
