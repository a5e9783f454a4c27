"""The recording page without JavaScript, the MAR chart and its PDF, and family's arrivals."""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils import timezone

from carecircle.audit.models import AuditEvent
from carecircle.visits.models import MedicineAdministration, VisitRecord


def test_the_record_page_shows_tasks_and_due_medicines_and_is_audited(rec, people, client):
    client.force_login(people.carer)
    page = client.get(reverse("visit_record", args=[rec.visit.public_id])).content.decode()
    assert "Testamol" in page and "Calmex" in page
    for task in rec.tasks:
        assert task.title in page
    assert AuditEvent.objects.filter(action="visit_record_opened", client=people.edna).exists()


def test_recording_without_javascript(rec, people, client):
    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    record_id = str(uuid.uuid4())
    client.post(url, {"record_id": record_id, "action": "check_in"})
    record = VisitRecord.objects.get(visit=rec.visit)
    assert record.checked_in_at is not None

    blocked = client.post(url, {"record_id": record_id, "action": "check_out"}, follow=True)
    assert "Testamol" in blocked.content.decode()
    record.refresh_from_db()
    assert record.checked_out_at is None

    dose = f"dose-{rec.medicine.public_id}-{rec.slot.replace(':', '')}"
    form = {"record_id": record_id, "action": "check_out", dose: "refused"}
    form[f"{dose}-reason"] = "Felt sick."
    form["mood"] = "low"
    for task in rec.tasks:
        form[f"task-{task.pk}"] = "done"
    done = client.post(url, form, follow=True)
    assert "Saved." in done.content.decode()
    record.refresh_from_db()
    assert record.checked_out_at is not None and record.mood == "low"
    assert MedicineAdministration.objects.get(record=record).outcome == "refused"
    mar = client.get(
        reverse("mar_chart", args=[people.edna.public_id]), {"month": rec.start.strftime("%Y-%m")}
    )
    assert (
        '<td class="flag">R</td>' in mar.content.decode() and "Felt sick." in mar.content.decode()
    )


def test_the_mar_chart_and_its_pdf(rec, people, client):
    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    dose = f"dose-{rec.medicine.public_id}-{rec.slot.replace(':', '')}"
    client.post(url, {"record_id": str(uuid.uuid4()), "action": "save", dose: "given"})
    client.force_login(people.team_leader)
    month = rec.start.strftime("%Y-%m")
    page = client.get(reverse("mar_chart", args=[people.edna.public_id]), {"month": month})
    html = page.content.decode()
    assert "Testamol" in html and "<td>G</td>" in html
    pdf = client.get(reverse("mar_chart_pdf", args=[people.edna.public_id]), {"month": month})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content)
    assert "(Testamol) Tj" in text and "(G) Tj" in text
    assert AuditEvent.objects.filter(action="mar_chart_pdf", client=people.edna).exists()


def _check_out_form(rec, record_id):
    dose = f"dose-{rec.medicine.public_id}-{rec.slot.replace(':', '')}"
    return {"record_id": record_id, "action": "check_out", dose: "given"}


def test_family_who_opt_in_see_arrived_and_left(rec, people, client):
    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    record_id = str(uuid.uuid4())
    client.post(url, {"record_id": record_id, "action": "check_in"})
    client.force_login(people.representative)
    page = reverse("client_page", args=[people.edna.public_id])
    assert "arrived" not in client.get(page).content.decode()
    client.post(reverse("arrival_notice", args=[people.edna.public_id]), {"on": "1"})
    html = client.get(page).content.decode()
    assert "Ana arrived" in html and ", left " not in html
    client.force_login(people.carer)
    client.post(url, _check_out_form(rec, record_id))
    left = VisitRecord.objects.get(visit=rec.visit).checked_out_at
    assert left is not None
    client.force_login(people.representative)
    html = client.get(page).content.decode()
    assert f", left {timezone.localtime(left):%H:%M}" in html
    client.force_login(people.carer2)
    response = client.post(reverse("arrival_notice", args=[people.edna.public_id]), {"on": "1"})
    assert response.status_code == 403


def test_team_leaders_see_the_latest_records_on_the_client_page(rec, people, client):
    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    client.post(url, {"record_id": str(uuid.uuid4()), "action": "check_in", "notes": "Fell."})
    page = reverse("client_page", args=[people.edna.public_id])
    client.force_login(people.team_leader)
    html = client.get(page).content.decode()
    assert "Latest visit records" in html and "Fell." in html
    assert AuditEvent.objects.filter(action="visit_records_listed", client=people.edna).exists()
    client.force_login(people.carer2)
    assert "Fell." not in client.get(page).content.decode()


def test_family_who_opted_in_are_told_when_the_carer_arrives_and_leaves(rec, people, client):
    from carecircle.notifications.models import Notification

    client.force_login(people.representative)
    client.post(reverse("arrival_notice", args=[people.edna.public_id]), {"on": "1"})
    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    record_id = str(uuid.uuid4())
    client.post(url, {"record_id": record_id, "action": "check_in"})
    client.post(url, {"record_id": record_id, "action": "check_in"})  # twice: told once
    told = list(
        Notification.objects.filter(user=people.representative).values_list("subject", flat=True)
    )
    assert len([s for s in told if "Ana arrived at" in s]) == 1
    assert not [s for s in told if "Ana left at" in s]
    client.post(url, _check_out_form(rec, record_id))
    left = timezone.localtime(VisitRecord.objects.get(visit=rec.visit).checked_out_at)
    client.post(url, _check_out_form(rec, record_id))  # twice: told once
    told = list(
        Notification.objects.filter(user=people.representative).values_list("subject", flat=True)
    )
    assert [s for s in told if "left at" in s] == [f"Ana left at {left:%H:%M}"]
    assert not Notification.objects.filter(user=people.client, subject__contains="arrived").exists()


def test_an_expense_with_a_receipt_photo_without_javascript(rec, people, client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from carecircle.visits.models import Expense

    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    photo = SimpleUploadedFile("r.jpg", b"\xff\xd8\xff\xe0" + bytes(50), content_type="image/jpeg")
    form = {"record_id": str(uuid.uuid4()), "action": "save", "expense-amount": "3.40"}
    form.update({"expense-kind": "shopping", "expense-note": "Milk", "expense-receipt": photo})
    client.post(url, form)
    expense = Expense.objects.get(record__visit=rec.visit)
    assert expense.receipt_type == "image/jpeg" and (tmp_path / expense.receipt_path).exists()
    bad = client.post(url, {"action": "save", "expense-amount": "three"}, follow=True)
    assert "Enter an amount like 4.50." in bad.content.decode()


def _pdf_text(pdf: bytes) -> str:
    """The text drawn in a PDF: reportlab writes each string as `(text) Tj` in page streams
    encoded ASCII85 over Flate; no PDF library is in the lock, so the streams are decoded here."""
    import base64
    import re
    import zlib

    out = []
    for head, stream in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        if b"/ASCII85Decode" in head:
            stream = base64.a85decode(stream.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in head:
            stream = zlib.decompress(stream)
        out.append(stream)
    return b"\n".join(out).decode("latin-1")


def _mar_cells(html: str, medicine: str) -> list[str]:
    import re

    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if medicine in r)
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1:]  # the days, after the time


def test_outcomes_not_done_missed_and_not_required_are_stored_and_charted(rec, people, client):
    from datetime import timedelta

    from carecircle.visits.models import Medicine, TaskRecord
    from carecircle.visits.services import record_sync
    from tests.visits.conftest import snapshot

    other = Medicine.objects.create(
        client=people.edna, name="Otherol", dose="2 drops", times=[rec.slot]
    )
    t = rec.start + timedelta(minutes=3)
    task = rec.tasks[0]

    def dose(medicine, outcome, reason):
        return {
            "id": uuid.uuid4(),
            "medicine_id": medicine.public_id,
            "slot": rec.slot,
            "given_at": t,
            "outcome": outcome,
            "reason": reason,
            "recorded_at": t,
        }

    data = snapshot(
        rec,
        checked_in_at=rec.start,
        tasks=[
            {"task_id": task.pk, "done": False, "reason": "Edna said no today.", "recorded_at": t}
        ],
        doses=[
            dose(rec.medicine, "missed", "Blister pack empty; pharmacy called."),
            dose(other, "not_required", "Eyes clear, as the GP said."),
        ],
    )
    assert record_sync(actor=people.carer, data=data)["status"] == "stored"
    stored = TaskRecord.objects.get(record__public_id=rec.record_id, task=task)
    assert (stored.done, stored.reason) == (False, "Edna said no today.")
    outcomes = {
        a.medicine.name: (a.outcome, a.reason)
        for a in MedicineAdministration.objects.filter(record__public_id=rec.record_id)
    }
    assert outcomes == {
        "Testamol": ("missed", "Blister pack empty; pharmacy called."),
        "Otherol": ("not_required", "Eyes clear, as the GP said."),
    }

    client.force_login(people.carer)
    page = client.get(reverse("visit_record", args=[rec.visit.public_id])).content.decode()
    assert f'name="task-{task.pk}" value="not_done" checked' in page
    assert 'value="Edna said no today."' in page
    client.force_login(people.team_leader)
    panel = client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    assert f"Not done: {task} — Edna said no today." in panel

    month = rec.start.strftime("%Y-%m")
    html = client.get(
        reverse("mar_chart", args=[people.edna.public_id]), {"month": month}
    ).content.decode()
    day = timezone.localtime(t).day
    assert _mar_cells(html, "Testamol")[day - 1] == "M"
    assert _mar_cells(html, "Otherol")[day - 1] == "N"
    assert "Blister pack empty; pharmacy called." in html

    pdf = client.get(reverse("mar_chart_pdf", args=[people.edna.public_id]), {"month": month})
    text = _pdf_text(pdf.content)
    assert "(Testamol) Tj" in text and "(Otherol) Tj" in text
    assert "(M) Tj" in text and "(N) Tj" in text and "(G) Tj" not in text
    assert "Blister pack empty; pharmacy called." in text
