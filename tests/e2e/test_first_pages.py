"""Each first page, as the person who opens it would use it, in a real browser."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carecircle.rota.models import Assignment, Visit
from tests.e2e.conftest import _totp_code, sign_in

pytestmark = pytest.mark.browser


def test_carer_sees_her_day_in_order(page, demo_live):
    visit = Visit.objects.filter(
        client=demo_live.edna, date=timezone.localdate(), name="Lunch"
    ).first()
    Assignment.objects.filter(visit=visit).delete()
    Assignment.objects.create(visit=visit, carer=demo_live.carer.carer_profile)
    sign_in(page, "ana")
    expect(page).to_have_url(re.compile(r"/my-day/$"))
    expect(page.get_by_role("heading", name="Ana's day")).to_be_visible()
    today = page.locator("section").filter(
        has=page.get_by_role("heading", name=re.compile("^Today"))
    )
    lunch = today.locator(f'[data-visit="{visit.public_id}"]')
    expect(lunch.get_by_role("link", name="Edna Clarke")).to_be_visible()
    expect(lunch.get_by_text("4 Mill Lane")).to_be_visible()
    times = [t.split("–")[0] for t in today.locator(".time").all_inner_texts()]
    assert times == sorted(times)


def test_team_leader_opens_the_board_and_sees_gaps(page, demo_live):
    sign_in(page, "priya")
    expect(page.get_by_role("heading", name="My circles")).to_be_visible()
    page.get_by_role("link", name="Riverside").click()
    expect(page.get_by_role("heading", name="Riverside circle")).to_be_visible()
    board = page.get_by_role("table")
    expect(board.get_by_role("rowheader", name="Edna Clarke")).to_be_visible()
    expect(board.locator(".open-place").first).to_be_visible()
    page.get_by_role("link", name=re.compile("Next week")).click()
    expect(page).to_have_url(re.compile(r"week=\d{4}-\d{2}-\d{2}"))


def test_daughter_sees_who_is_coming_to_her_mother(page, demo_live):
    sign_in(page, "sue")
    expect(page.get_by_role("heading", name="Edna Clarke")).to_be_visible()
    expect(page.get_by_role("heading", name="Who is coming this week")).to_be_visible()
    expect(page.get_by_role("heading", name="The care plan")).to_be_visible()
    expect(page.get_by_text("Lasting power of attorney")).to_be_visible()


def test_manager_sees_one_line_per_circle(page, demo_live):
    sign_in(page, "helen")
    lines = page.locator(".circle-status")
    expect(lines).to_have_count(2)
    expect(lines.filter(has_text="Riverside")).to_contain_text("% of places filled this week")
    expect(lines.filter(has_text="Hilltop")).to_be_visible()


def test_outsider_gets_not_found_for_another_circles_client(page, demo_live):
    sign_in(page, "chris")
    response = page.goto(f"/clients/{demo_live.edna.public_id}/")
    assert response.status == 404


def test_sign_in_works_by_keyboard_alone(page, demo_live):
    page.goto("/accounts/login/")
    for _ in range(5):  # skip link, the brand, then the first field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_username":
            break
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("priya")
    page.keyboard.press("Tab")
    page.keyboard.type("carecircle-demo")
    page.keyboard.press("Enter")
    # A team leader enrols an authenticator on first sign-in; the code field has the focus.
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").get_attribute("data-secret")
    page.keyboard.type(_totp_code(secret, "priya"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My circles")).to_be_visible()
    page.get_by_role("button", name=re.compile("Sign out")).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
