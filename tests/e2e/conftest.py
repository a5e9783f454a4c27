"""Real browser tests: Debian's Chromium driven by Playwright against a live server.

A missing browser skips these tests on a developer's machine and fails them under CI=true."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# page actions are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "carecircle-demo"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs a browser at {CHROMIUM}; run `make browser`.")
        pytest.skip(f"no browser at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username: str):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    _second_factor(page, username)


def _totp_code(secret: str, username: str) -> str:
    """The code an authenticator app would show, skipping steps already used (a second sign-in
    within 30 seconds must not replay the first code)."""
    import time

    import pyotp

    from carecircle.people.models import TwoFactorDevice

    totp = pyotp.TOTP(secret)
    used = (
        TwoFactorDevice.objects.filter(user__username=username)
        .values_list("last_step", flat=True)
        .first()
        or 0
    )
    now = time.time()
    step = int(now // totp.interval)
    if used >= step + 1:  # both the current and next step are spent: wait for a fresh one
        time.sleep((used + 1) * totp.interval - now + 0.5)
        step = int(time.time() // totp.interval)
    if used >= step:
        step = used + 1  # accepted: one step of clock drift is allowed
    return totp.at(step * totp.interval)


def _second_factor(page, username: str) -> None:
    """Team leaders, managers and the safeguarding lead enrol an authenticator on first sign-in
    (the secret is on the page as text) and type a code each time after."""
    from carecircle.people.models import TwoFactorDevice

    if "/accounts/two-factor/setup/" in page.url:
        secret = page.get_by_test_id("totp-secret").get_attribute("data-secret")
    elif "/accounts/two-factor/" in page.url:
        secret = TwoFactorDevice.objects.get(user__username=username).secret
    else:
        return
    page.get_by_label("6-digit code").fill(_totp_code(secret, username))
    page.get_by_role("button", name="Confirm").or_(
        page.get_by_role("button", name="Sign in")
    ).click()
    page.wait_for_load_state()
