"""A safeguarding concern in real browsers: Edna raises one from her phone; the safeguarding lead
signs in with a second factor, finds it and moves it on; Priya, her team leader, cannot open it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carecircle.safeguarding.models import Concern
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_edna_raises_a_concern_and_only_the_lead_sees_it(page, browser, live_server, demo_live):
    sign_in(page, "edna")
    page.get_by_role("link", name="Concerns").first.click()
    page.get_by_role("link", name="Raise a concern").click()
    page.get_by_label("In a line, what worries you?").fill("Money missing from my purse")
    page.get_by_label("What happened, when, and who was involved?").fill(
        "After Tuesday's lunch visit twenty pounds was gone."
    )
    page.get_by_role("button", name="Send to the safeguarding lead").click()
    expect(page.get_by_text("The safeguarding lead has your concern")).to_be_visible()
    concern = Concern.objects.get(summary="Money missing from my purse")

    lead = browser.new_context(base_url=live_server.url).new_page()
    sign_in(lead, "sam")
    lead.goto("/concerns/")
    lead.get_by_role("link", name="Money missing from my purse").click()
    lead.get_by_label("Note").fill("Called Edna; speaking to the carers.")
    lead.get_by_role("button", name="Move to acknowledged").click()
    expect(lead.get_by_text("Saved.")).to_be_visible()
    concern.refresh_from_db()
    assert concern.status == "acknowledged"

    leader = browser.new_context(base_url=live_server.url).new_page()
    sign_in(leader, "priya")
    response = leader.goto(f"/concerns/{concern.public_id}/")
    assert response.status == 404
