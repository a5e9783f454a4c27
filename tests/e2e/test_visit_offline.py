"""A whole visit recorded without a signal, in a real browser: the carer opens her next 48 hours
(the service worker keeps them), the phone goes offline (Playwright `set_offline`), she opens the
visit from the cache, checks in, records the tasks, the medicine, the mood, a note and an expense
with a receipt photo, and checks out while the status says how many records are waiting. When
the signal returns the queue is sent, and the server holds the visit exactly once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from carecircle.visits.models import (
    Expense,
    Medicine,
    MedicineAdministration,
    SyncReceipt,
    TaskRecord,
    VisitRecord,
)
from tests.e2e.conftest import sign_in
from tests.visits.conftest import make_recording

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def test_a_whole_visit_recorded_offline_is_stored_exactly_once(
    page, live_server, demo_live, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    rec = make_recording(demo_live)
    record_url = reverse("visit_record", args=[rec.visit.public_id])
    context = page.context
    status = page.locator("#sync-status")

    sign_in(page, "ana")
    page.goto("/visits/")
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)
    expect(page.locator("#offline-ready")).to_contain_text("Ready offline")
    # Installable: a manifest the browser can read, and a service worker in control.
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())"
    )
    assert manifest["start_url"] == "/visits/" and manifest["display"] == "standalone"
    # The worker takes control a moment after it is ready (clients.claim): on a loaded machine
    # that moment can come after the page says "Ready offline", so wait for it (fails if never).
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)

    context.set_offline(True)
    page.goto(record_url)  # from the service worker's cache
    expect(page.get_by_role("heading", name=re.compile(rec.visit.name))).to_be_visible()
    expect(status).to_contain_text("All records sent")
    # The plan and the medicines due come with the page.
    expect(page.locator("#about-client")).to_contain_text("Needs")
    expect(page.locator("#medicines")).to_contain_text("Testamol")

    page.get_by_role("button", name="Check in").click()
    expect(status).to_contain_text("1 record waiting")
    expect(page.locator("#checkin-state")).to_contain_text("Checked in at")

    # Check-out is blocked while the medicine due has no outcome.
    page.get_by_role("button", name="Check out").click()
    expect(page.locator("#record-message")).to_contain_text("every medicine due")
    expect(status).to_contain_text("1 record waiting")

    for task in rec.tasks:
        page.locator(f"[data-task='{task.pk}'] input[value='done']").check()
    page.locator(f"[data-dose='{rec.medicine.public_id}@{rec.slot}'] input[value='given']").check()
    page.locator("#mood input[value='good']").check()
    page.get_by_label("Notes").fill("Edna enjoyed her breakfast and talked about her garden.")
    page.get_by_label("Amount (£)").fill("4.50")
    page.get_by_label("What for").select_option("shopping")
    page.get_by_label("Receipt photo").set_input_files(
        {"name": "receipt.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Save").click()
    expect(status).to_contain_text("2 records waiting")
    page.get_by_role("button", name="Check out").click()
    expect(status).to_contain_text("3 records waiting")
    expect(status).to_contain_text("Offline")
    assert VisitRecord.objects.filter(visit=rec.visit).count() == 0

    context.set_offline(False)
    expect(status).to_contain_text("All records sent", timeout=20_000)

    record = VisitRecord.objects.get(visit=rec.visit)
    assert record.checked_in_at and record.checked_out_at
    assert record.mood == "good" and "garden" in record.notes
    assert TaskRecord.objects.filter(record=record, done=True).count() == len(rec.tasks)
    assert MedicineAdministration.objects.get(record=record).outcome == "given"
    expense = Expense.objects.get(record=record)
    assert expense.receipt_sha256 and (tmp_path / expense.receipt_path).exists()
    assert SyncReceipt.objects.filter(record=record).count() == 3

    # Opening the page again and sending again changes nothing.
    page.goto(record_url)
    page.evaluate("window.carecircleVisits.flush()")
    expect(status).to_contain_text("All records sent")
    assert VisitRecord.objects.filter(visit=rec.visit).count() == 1
    assert SyncReceipt.objects.filter(record=record).count() == 3
    assert Expense.objects.filter(record=record).count() == 1

    # Signing out leaves no client pages on the phone.
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_url(lambda url: "/record/" not in url)
    page.wait_for_function(
        "caches.keys().then((keys) => !keys.some((k) => k.startsWith('cc-visits-')))"
    )


def test_two_phones_offline_on_the_same_visit_end_in_one_merged_record(
    browser, live_server, demo_live, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    rec = make_recording(demo_live)
    record_url = reverse("visit_record", args=[rec.visit.public_id])
    phones = []
    for _ in range(2):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 390, "height": 844}
        )
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        sign_in(phone, "ana")
        phone.goto(record_url)
        context.set_offline(True)
        phones.append(phone)
    try:
        first, second = phones
        first.get_by_label("Notes").fill("Phone one: Edna was tired.")
        first.get_by_role("button", name="Check in").click()
        expect(first.locator("#sync-status")).to_contain_text("1 record waiting")
        second.get_by_label("Notes").fill("Phone two: the fridge is nearly empty.")
        second.get_by_role("button", name="Check in").click()
        expect(second.locator("#sync-status")).to_contain_text("1 record waiting")
        first_in = first.evaluate(
            "window.carecircleVisits.queueAll().then((q) => q[0].payload.checked_in_at)"
        )

        second.context.set_offline(False)
        expect(second.locator("#sync-status")).to_contain_text("All records sent")
        first.context.set_offline(False)
        expect(first.locator("#sync-status")).to_contain_text("All records sent")

        record = VisitRecord.objects.get(visit=rec.visit)
        assert record.notes == (
            "Phone two: the fridge is nearly empty.\n\nPhone one: Edna was tired."
        )
        # The earlier check-in wins, though it reached the server second.
        assert record.checked_in_at.isoformat().startswith(first_in[:19])
        assert record.aliases.count() == 1
    finally:
        for phone in phones:
            phone.context.close()


def test_a_check_out_the_server_refuses_stays_on_the_phone_with_its_reason(
    page, live_server, demo_live, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    rec = make_recording(demo_live)
    record_url = reverse("visit_record", args=[rec.visit.public_id])
    status = page.locator("#sync-status")
    state = page.locator("#checkin-state")
    sign_in(page, "ana")
    page.goto(record_url)
    page.context.set_offline(True)
    page.get_by_role("button", name="Check in").click()
    page.locator(f"[data-dose='{rec.medicine.public_id}@{rec.slot}'] input[value='given']").check()
    # A medicine added to Edna's list after the page was kept on the phone, due at this visit:
    # the phone cannot know, the server refuses the check-out until it has an outcome.
    Medicine.objects.create(
        client=rec.visit.client, name="Newmed", dose="1 tablet", times=[rec.slot]
    )
    page.get_by_role("button", name="Check out").click()
    expect(status).to_contain_text("2 records waiting")
    page.context.set_offline(False)

    expect(status).to_contain_text("1 need attention", timeout=20_000)
    expect(state).to_contain_text("Not checked out")
    expect(state).to_contain_text("Newmed")
    record = VisitRecord.objects.get(visit=rec.visit)
    assert record.checked_in_at is not None and record.checked_out_at is None
    kept = page.evaluate("window.carecircleVisits.queueAll()")
    assert len(kept) == 1 and kept[0]["attention"] and kept[0]["payload"]["checked_out_at"]
    page.goto(reverse("visits_upcoming"))
    expect(page.locator("#queue-attention")).to_contain_text("Newmed")

    # Online again, the page shows the new medicine; with its outcome the check-out goes through,
    # and replaces the one that was kept.
    page.goto(record_url)
    page.locator("[data-dose*='@'] >> text=Newmed").wait_for()
    for dose in page.locator("[data-dose]").all():
        dose.locator("input[value='given']").check()
    page.get_by_role("button", name="Check out").click()
    expect(status).to_contain_text("All records sent", timeout=20_000)
    expect(state).to_contain_text("Checked out at")
    record.refresh_from_db()
    assert record.checked_out_at is not None
    assert page.evaluate("window.carecircleVisits.queueAll()") == []
