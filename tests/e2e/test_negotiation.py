"""A negotiated change, in a real browser: Ana proposes washing up after lunch and writes the
risk note, Edna says yes on her own page, Priya endorses it from her home, the plan becomes
version 2 (compared side by side) and Ana's next look at Edna's page says what changed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from carecircle.plans.models import ChangeStatus, PlanChange
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def _sign_out(page):
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_load_state()


def test_proposal_to_consent_to_endorsement_to_new_version(page, demo_live):
    people = demo_live
    before = people.edna.care_plan.agreed_version().number

    # Ana, a carer in Edna's circle, proposes the change from Edna's page.
    sign_in(page, "ana")
    page.goto(f"/clients/{people.edna.public_id}/")
    page.get_by_role("link", name="Propose a change").click()
    page.get_by_label("What kind of change").select_option("add_task")
    page.get_by_label("The task").fill("Wash up after lunch")
    page.get_by_label("Which visit").select_option(label="Lunch (12:00)")
    page.get_by_label("Why — what the client wants").fill(
        "Edna hates leaving dishes in the sink and asked us to."
    )
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Next, Edna says yes or no")).to_be_visible()
    expect(page.locator("#change-status")).to_have_text("Waiting for consent")
    page.get_by_label("Hazard: what could go wrong").fill("Scalding from hot tap water")
    page.get_by_label("How likely").select_option("low")
    page.get_by_label("Mitigation: what we do to make it safe").fill(
        "Run the water to a comfortable heat; Edna dries, the carer washes."
    )
    page.get_by_role("button", name="Save the risk note").click()
    expect(page.get_by_text("Risk note saved.")).to_be_visible()
    _sign_out(page)

    # Edna finds it on her own page and agrees.
    sign_in(page, "edna")
    page.goto(f"/clients/{people.edna.public_id}/plan/")
    page.locator("#open-changes").get_by_role(
        "link", name=re.compile("Wash up after lunch")
    ).click()
    page.get_by_role("button", name="Yes, I agree").click()
    expect(page.get_by_text("Consent recorded")).to_be_visible()
    expect(page.locator("#change-status")).to_have_text("Waiting for a team leader")
    _sign_out(page)

    # Priya sees it waiting on her home and endorses it.
    sign_in(page, "priya")
    page.goto("/")
    page.get_by_role("link", name=re.compile("Wash up after lunch")).click()
    page.get_by_role("button", name=re.compile("Endorse")).click()
    expect(page.get_by_text(f"the plan is now version {before + 1}")).to_be_visible()
    expect(page.locator("#change-status")).to_have_text("In the plan")
    page.get_by_role("link", name="see the two versions side by side").click()
    expect(
        page.get_by_role("heading", name=re.compile(f"version {before} and version {before + 1}"))
    ).to_be_visible()
    lunch_row = page.locator("tr.changed").filter(has_text="Lunch")
    expect(lunch_row.locator("ins")).to_have_text("Wash up after lunch")
    _sign_out(page)

    change = PlanChange.objects.get(title="Wash up after lunch")
    assert change.status == ChangeStatus.ENDORSED
    assert change.new_version.number == before + 1

    # Ana's next look at Edna's page tells her what changed since her last visit.
    sign_in(page, "ana")
    page.goto(f"/clients/{people.edna.public_id}/")
    note = page.locator("#changed-since")
    expect(note).to_contain_text("Changed since your last visit")
    expect(note).to_contain_text("Wash up after lunch")
