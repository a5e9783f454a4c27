"""Sign-in security: two-factor codes (TOTP) and throttling of failed attempts.

Throttling counts failures per (username, IP address) in the database, not in process memory,
so every web worker sees the same count and a restart does not reset it. A success clears the
count. The same counter guards two-factor codes (key prefixed "otp:")."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carecircle.people.models import Role, SignInFailure, TwoFactorDevice

TWO_FACTOR_ROLES = frozenset({Role.TEAM_LEADER, Role.MANAGER, Role.SAFEGUARDING_LEAD, Role.ADMIN})
SESSION_KEY = "two_factor_verified_user"
LEADS_KEY = "two_factor_leads_circle_user"
ISSUER = "carecircle"


# --- throttling ------------------------------------------------------------------------------


def client_ip(request) -> str:
    """The caller's address. Behind a reverse proxy every request comes from the proxy, so with
    TRUST_X_FORWARDED_FOR the address the proxy appended (the last in X-Forwarded-For) is used;
    earlier entries are the client's own claims and are ignored."""
    if request is None:
        return "-"
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.TRUST_X_FORWARDED_FOR and forwarded:
        return forwarded.split(",")[-1].strip()[:64] or "unknown"
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def throttle_key(username: str, request, *, kind: str = "password") -> str:
    return f"{kind}:{(username or '').strip().lower()[:120]}|{client_ip(request)}"


def _window_start():
    return timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_S)


def is_throttled(key: str) -> bool:
    recent = SignInFailure.objects.filter(key=key, at__gte=_window_start()).count()
    return recent >= settings.LOGIN_THROTTLE_ATTEMPTS


def record_failure(key: str) -> None:
    SignInFailure.objects.create(key=key, at=timezone.now())
    # Old failures of every key go too, so guessing many usernames cannot grow the table.
    SignInFailure.objects.filter(at__lt=_window_start()).delete()


def clear_failures(key: str) -> None:
    SignInFailure.objects.filter(key=key).delete()


# --- two-factor ------------------------------------------------------------------------------


def two_factor_required(user, request=None) -> bool:
    """Team leaders, managers, the safeguarding lead and administrators see many clients'
    records (or all of them): a stolen password alone must not open them. A person whose main
    role is another but who leads a circle counts as a team leader (noted in the session at
    sign-in by circles.receivers, so pages need no extra query)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role in TWO_FACTOR_ROLES or user.is_superuser:
        return True
    return request is not None and request.session.get(LEADS_KEY) == user.pk


def session_is_verified(request) -> bool:
    return request.session.get(SESSION_KEY) == request.user.pk


def mark_session_verified(request) -> None:
    # A new session key once the second factor is proven: a key seen before it is worthless.
    request.session.cycle_key()
    request.session[SESSION_KEY] = request.user.pk


def confirmed_device(user) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def device_for_enrolment(user) -> TwoFactorDevice:
    """The person's unconfirmed device, made with a fresh secret if they have none."""
    device, _ = TwoFactorDevice.objects.get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()}
    )
    return device


def provisioning_uri(device: TwoFactorDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int(now // totp.interval)
    # One step either side allows for a phone's clock drifting by up to 30 seconds.
    for candidate in (step, step - 1, step + 1):
        if totp.at(candidate * totp.interval) == code:
            return candidate
    return None


def verify_code(device: TwoFactorDevice, code: str, *, now: float | None = None) -> bool:
    """True and remember the step when the code is right and not used before."""
    now = time.time() if now is None else now
    with transaction.atomic():
        device = TwoFactorDevice.objects.select_for_update().get(pk=device.pk)
        step = _matching_step(device.secret, code, now)
        if step is None or step <= device.last_step:
            return False
        device.last_step = step
        if device.confirmed_at is None:
            device.confirmed_at = timezone.now()
        device.save(update_fields=["last_step", "confirmed_at"])
    return True
