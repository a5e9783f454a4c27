"""Help now, in real browsers: Priya has her team home open; Edna presses "I need help now" and
confirms; Priya's home shows the call without a reload, through server-sent events; the carer the
engine ranked first accepts on their own phone; Edna's page, still open in a browser without
EventSource, says who is coming and about when through the polling fallback.

The periodic re-render (LIVE_REFRESH_SECONDS) is set far beyond the test, so every update seen
here came from an event, and the requests each page made show which path carried it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carecircle.alerts.models import HelpAlert
from tests.alerts.oncall import take_calls_off_duty
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def _phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    return seen


def test_edna_presses_help_a_carer_accepts_and_her_page_shows_who_is_coming(
    page, browser, live_server, demo_live, settings
):
    settings.LIVE_STREAM_SECONDS = 5
    settings.LIVE_REFRESH_SECONDS = 600  # no re-render on a timer during this test
    settings.LIVE_FALLBACK_POLL_SECONDS = 1
    people = demo_live
    take_calls_off_duty(people.riverside)  # someone to ask whatever the hour

    # Priya's desk: the team-leader home, open before anything happens.
    desk_context = browser.new_context(base_url=live_server.url)
    desk = desk_context.new_page()
    desk.set_default_timeout(15_000)
    sign_in(desk, "priya")
    desk_requests = _requests(desk)
    desk.goto("/team/")
    expect(desk.locator("#help-team")).not_to_contain_text("Edna")

    # Edna on her own phone, whose browser has no EventSource: it must fall back to polling.
    page.context.add_init_script("delete window.EventSource;")
    sign_in(page, "edna")
    page.goto(f"/clients/{people.edna.public_id}/")
    page.get_by_role("link", name="I need help now").click()
    expect(page.get_by_role("heading", name="Do you need help now?")).to_be_visible()
    page.get_by_label("Has fallen").check()
    page.get_by_role("button", name="Yes, send help now").click()
    expect(page.get_by_test_id("help-status")).to_contain_text("asking the carers nearest")

    alert = HelpAlert.objects.get(client=people.edna)
    first = alert.offers.order_by("rank").select_related("carer__user").first()
    name = first.carer.user.first_name

    # Priya's home shows the call without her reloading it, carried by server-sent events:
    # the page opened the stream and never polled.
    expect(desk.locator("#help-team")).to_contain_text("Edna Clarke", timeout=10_000)
    assert any("/live/stream/" in url for url in desk_requests)
    assert not any("/live/poll/" in url for url in desk_requests)

    # Edna goes back to her page and keeps it open.
    edna_requests = _requests(page)
    page.goto(f"/clients/{people.edna.public_id}/")
    expect(page.get_by_test_id("help-status")).to_contain_text("asking")

    # The carer ranked first sees the call on My day and goes.
    context, phone = _phone(browser, live_server)
    sign_in(phone, first.carer.user.username)
    phone.goto("/my-day/")
    expect(phone.locator("#help-my-day")).to_contain_text("Edna Clarke")
    phone.get_by_role("button", name="I'm going").first.click()
    expect(phone.get_by_test_id("help-status")).to_contain_text(f"{name} is on the way")
    expect(phone.get_by_role("button", name="I've arrived")).to_be_visible()
    context.close()

    # Edna's open page now names who is coming, with no reload, through the polling fallback.
    expect(page.get_by_test_id("help-status")).to_contain_text(
        re.compile(
            rf"{name} is on the way(, about \d+ minutes?| and should be with you any moment)"
        ),
        timeout=10_000,
    )
    assert any("/live/poll/" in url for url in edna_requests)
    assert not any("/live/stream/" in url for url in edna_requests)
    desk_context.close()
