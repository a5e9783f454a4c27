"""Two-factor sign-in for team leaders, managers and the safeguarding lead; sign-in throttling;
the security settings (argon2, headers, CSP)."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.urls import reverse

from carecircle.people.models import SignInFailure, TwoFactorDevice
from carecircle.people.security import verify_code

PASSWORD = "carecircle-demo"


def _sign_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_a_team_leader_enrols_then_types_a_code_each_time(client, people):
    response = _sign_in(client, "priya")
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("two_factor_setup"))
    page = client.get(home["Location"])
    device = TwoFactorDevice.objects.get(user=people.team_leader)
    assert device.secret in page.content.decode()  # the key as text, for the demo and no camera
    assert "<svg" in page.content.decode()
    # A wrong code is refused with a clear message.
    wrong = client.post(reverse("two_factor_setup"), {"code": "000000"})
    assert "not right" in wrong.content.decode()
    totp = pyotp.TOTP(device.secret)
    code = totp.now()
    done = client.post(reverse("two_factor_setup"), {"code": code, "next": "/"})
    assert done.status_code == 302
    assert client.get(reverse("home")).status_code in (200, 302)
    assert client.get(reverse("home")).get("Location", "") != reverse("two_factor_setup")
    # Next sign-in asks for a code; the used one is refused (replay), a fresh one works.
    client.post(reverse("logout"))
    _sign_in(client, "priya")
    to = client.get(reverse("home"))["Location"]
    assert to.startswith(reverse("two_factor_verify"))
    assert "used already" in client.post(to, {"code": code}).content.decode()
    fresh = totp.at(time.time() + 30)
    assert client.post(to, {"code": fresh}).status_code == 302
    assert client.get(reverse("team_home") if _has("team_home") else "/").status_code == 200


def _has(name):
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


@pytest.mark.parametrize("username", ["ana", "edna", "sue", "pat"])
def test_carers_clients_and_family_need_no_second_factor(client, people, username):
    _sign_in(client, username)
    response = client.get(reverse("home"))
    assert not response.get("Location", "").startswith("/accounts/two-factor/")


@pytest.mark.parametrize("username", ["priya", "helen", "sam", "admin"])
def test_privileged_roles_are_stopped_until_verified(client, people, username):
    _sign_in(client, username)
    assert client.get(reverse("audit_home"))["Location"].startswith("/accounts/two-factor/")
    api = client.get("/api/v1/circles/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "two_factor_required"


def test_a_code_is_used_once(people):
    device = TwoFactorDevice.objects.create(user=people.manager, secret=pyotp.random_base32())
    now = time.time()
    code = pyotp.TOTP(device.secret).at(now)
    assert verify_code(device, code, now=now)
    assert not verify_code(device, code, now=now)
    assert not verify_code(device, "12345", now=now)


def test_wrong_passwords_are_throttled_per_username_and_address(client, people, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    for _ in range(3):
        assert _sign_in(client, "ana", "wrong").status_code == 200
    assert SignInFailure.objects.filter(key__contains="ana").count() == 3
    blocked = _sign_in(client, "ana")
    assert blocked.status_code == 200
    assert "Too many attempts" in blocked.content.decode()
    # Another address is not blocked by someone guessing elsewhere.
    assert _sign_in(client, "ana", ip="10.0.0.2").status_code == 302


def test_wrong_codes_are_throttled(client, people, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    _sign_in(client, "helen")
    url = reverse("two_factor_setup")
    client.get(url)
    client.post(url, {"code": "000000"})
    client.post(url, {"code": "000001"})
    device = TwoFactorDevice.objects.get(user=people.manager)
    response = client.post(url, {"code": pyotp.TOTP(device.secret).now()})
    assert "Too many wrong codes" in response.content.decode()


def test_passwords_are_hashed_with_argon2():
    import carecircle.settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    import argon2  # noqa: F401 - the hasher's dependency is installed


def test_pages_carry_security_headers_and_a_csp(client, people):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    # No inline code: scripts only from our files (or with the per-request nonce when used).
    assert directives["script-src"].startswith("'self'")
    assert "unsafe" not in directives["script-src"] + directives["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_template_has_an_inline_script_or_style_block():
    from pathlib import Path

    import carecircle

    root = Path(carecircle.__file__).parent
    offenders = []
    for path in root.rglob("templates/**/*.html"):
        text = path.read_text()
        if re.search(r"<style\b|<script(?![^>]*\bsrc=)", text):
            offenders.append(str(path.relative_to(root)))
    assert not offenders, f"inline script/style needs the CSP nonce: {offenders}"
