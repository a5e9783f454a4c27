"""Taking an open place."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carecircle.core.form_errors import say_errors
from carecircle.core.timefmt import local_when
from carecircle.rota import services as sm
from carecircle.rota.views.common import UNLABELLED, back


@login_required
@require_POST
def place_claim(request: HttpRequest, visit_id) -> HttpResponse:
    try:
        assignment = sm.place_claim(actor=request.user, visit_id=visit_id)
    except ValidationError as exc:
        say_errors(request, exc, unlabelled=UNLABELLED)
    else:
        v = assignment.visit
        messages.success(
            request,
            _("It is yours: %(client)s, %(when)s. It is on your day now.")
            % {"client": v.client, "when": local_when(v.start or v.window_start)},
        )
    return back(request, reverse("my_day"))
