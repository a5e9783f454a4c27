"""The circle covers itself, in real browsers: Ana reports sick for tomorrow, a colleague gets the
offer on their phone and accepts, Edna's page shows who is coming instead and the board has no gap
there. And a place nobody covers reaches the team leader's home as an escalation."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carecircle.oversight.jobs import run_jobs
from carecircle.people.models import Carer
from carecircle.rota.models import Assignment, AvailabilityException, CoverOffer, Visit
from tests.e2e.conftest import ARGS, sign_in  # noqa: F401

pytestmark = pytest.mark.browser


def _tomorrow_at(hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour), timezone.get_current_timezone())


def test_sickness_tomorrow_is_covered_by_a_colleague_and_edna_sees_who_comes(
    page, browser, live_server, demo_live
):
    people = demo_live
    ana = Carer.objects.get(user=people.carer)
    when = _tomorrow_at(15)
    # Ana's only visit tomorrow: Edna's afternoon tea (the rest of her day is someone else's).
    Assignment.objects.filter(carer=ana, visit__date=when.date()).delete()
    tea = Visit.objects.create(
        client=people.edna,
        circle=people.riverside,
        name="Afternoon tea",
        date=when.date(),
        window_start=when,
        window_end=when,
        start=when,
        duration_minutes=30,
    )
    Assignment.objects.create(visit=tea, carer=ana, status="published")
    dave = Carer.objects.get(user=people.carer2)
    AvailabilityException.objects.create(
        carer=dave, date=when.date(), available=True, start_time=time(0), end_time=time(23, 59)
    )

    sign_in(page, "ana")
    page.get_by_role("link", name=re.compile("I can't work")).click()
    page.get_by_label("What kind").select_option("sickness")
    page.get_by_role("button", name="Tell the circle").click()
    expect(page.get_by_role("heading", name=re.compile("Sickness: Ana"))).to_be_visible()
    expect(page.locator("#proposal-time")).to_contain_text("proposed cover in")
    offer = CoverOffer.objects.get(visit=tea)
    colleague = offer.carer
    expect(page.locator("#cover-list")).to_contain_text(f"asked {colleague.name}")

    # The colleague, on their own phone, sees the offer and takes it.
    other = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    phone = other.new_page()
    phone.set_default_timeout(15_000)
    sign_in(phone, colleague.user.username)
    phone.goto("/my-day/")
    offers = phone.locator("#offers")
    expect(offers).to_contain_text("Edna Clarke")
    expect(offers).to_contain_text("Ana Kowalska is away")
    offers.locator(f'[data-offer="{offer.public_id}"]').get_by_role(
        "button", name="Yes, I'll cover it"
    ).click()
    expect(phone.get_by_text(re.compile("you cover Edna Clarke"))).to_be_visible()
    other.close()

    # Edna's page names the new carer for tomorrow's tea; the board has no gap there.
    page.get_by_role("button", name=re.compile("Sign out")).click()
    sign_in(page, "edna")
    tomorrow = page.locator("li").filter(
        has=page.get_by_role("heading", name=re.compile(when.strftime("%A %-d %B")))
    )
    tea_line = tomorrow.locator("li").filter(has_text="Afternoon tea")
    expect(tea_line).to_contain_text(colleague.name)
    expect(tea_line).not_to_contain_text("not yet arranged")
    page.get_by_role("button", name=re.compile("Sign out")).click()
    sign_in(page, "priya")
    page.goto(f"/circles/{people.riverside.public_id}/board/?week={when.date().isoformat()}")
    slot = page.locator(f'[data-visit="{tea.public_id}"]')
    expect(slot).to_contain_text(colleague.name)
    expect(slot.locator(".open-place")).to_have_count(0)


def test_a_place_nobody_covers_reaches_the_team_leaders_home(page, demo_live):
    people = demo_live
    when = timezone.now() + timedelta(hours=5)
    visit = Visit.objects.create(
        client=people.arthur,
        circle=people.riverside,
        name="Tea",
        date=timezone.localtime(when).date(),
        window_start=when,
        window_end=when,
        start=when,
        duration_minutes=30,
    )
    run_jobs()  # what the circle worker does every minute
    sign_in(page, "priya")
    expect(page.get_by_role("heading", name="My circles")).to_be_visible()
    panel = page.locator("#escalations")
    link = panel.get_by_role("link", name=re.compile("Arthur Quinn's tea"))
    expect(link).to_be_visible()
    expect(panel).to_contain_text("Team leaders")
    link.click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    page.get_by_label("How was it resolved?").fill("Martin is going; Arthur's neighbour told")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("Resolution: Martin is going")).to_be_visible()
    assert visit.escalations.get().status == "resolved"
