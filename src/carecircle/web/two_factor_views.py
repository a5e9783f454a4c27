"""Two-factor pages: enrol an authenticator app (QR code and the secret as text), then type a
code at each sign-in. Reached through TwoFactorMiddleware."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record
from carecircle.people.security import (
    clear_failures,
    confirmed_device,
    device_for_enrolment,
    is_throttled,
    mark_session_verified,
    provisioning_uri,
    record_failure,
    session_is_verified,
    throttle_key,
    two_factor_required,
    verify_code,
)
from carecircle.web.forms import CodeForm


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _check(request, device, form) -> bool:
    """Validate the code with throttling; on success mark the session verified."""
    key = throttle_key(request.user.username, request, kind="otp")
    if is_throttled(key):
        form.add_error("code", _("Too many wrong codes. Wait a few minutes and try again."))
        return False
    if not verify_code(device, form.cleaned_data["code"]):
        record_failure(key)
        form.add_error(
            "code", _("That code is not right (or was used already). Type the newest code.")
        )
        return False
    clear_failures(key)
    mark_session_verified(request)
    return True


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    if not two_factor_required(request.user, request):
        return redirect("home")
    if confirmed_device(request.user):
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': _next(request)})}")
    device = device_for_enrolment(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check(request, device, form):
        audit_record(actor=request.user, action="two_factor_enrolled", obj=request.user)
        messages.success(
            request, _("Two-factor sign-in is set up. You will need a code each time.")
        )
        return redirect(_next(request))
    uri = provisioning_uri(device)
    # segno writes plain SVG markup (no script or style), safe to inline under the CSP.
    qr = mark_safe(segno.make(uri, micro=False).svg_inline(scale=5, title=_("QR code")))  # noqa: S308
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": qr,
            "secret": device.secret,
            "secret_groups": " ".join(device.secret[i : i + 4] for i in range(0, 32, 4)),
            "next": _next(request),
        },
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if not two_factor_required(request.user, request):
        return redirect("home")
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next(request)})}")
    if session_is_verified(request):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check(request, device, form):
        return redirect(_next(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}
    )
