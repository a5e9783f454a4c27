"""The sync API: session auth needs the CSRF header, bearer tokens work for devices, duplicates
are answered with the stored result, receipts are checked by type and size, the offline pack is
the carer's next 48 hours and reading it is audited."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from carecircle.audit.models import AuditEvent
from carecircle.people.models import ApiToken
from carecircle.visits.models import SyncReceipt, VisitRecord

SYNC = "/api/v1/records/sync"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)


def _body(rec, **extra):
    return {
        "op_id": str(uuid.uuid4()),
        "record_id": str(rec.record_id),
        "visit_id": str(rec.visit.public_id),
        "checked_in_at": rec.start.isoformat(),
        **extra,
    }


def test_session_writes_need_the_csrf_header(rec, people):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.carer)
    body = json.dumps(_body(rec))
    refused = browser.post(SYNC, body, content_type="application/json")
    assert refused.status_code == 403
    browser.get("/visits/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    ok = browser.post(SYNC, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200, ok.content
    again = browser.post(SYNC, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert again.json() == {**ok.json(), "duplicate": True}
    assert SyncReceipt.objects.count() == 1


def test_a_device_token_syncs_and_validation_errors_name_the_field(rec, people, client):
    _, raw = ApiToken.issue(user=people.carer, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    ok = client.post(SYNC, _body(rec), content_type="application/json", **auth)
    assert ok.status_code == 200 and ok.json()["record_id"] == str(rec.record_id)
    bad = _body(rec, mood="ecstatic")
    response = client.post(SYNC, bad, content_type="application/json", **auth)
    assert response.status_code == 422
    assert "mood" in response.json()["error"]["fields"]
    future = _body(rec, checked_out_at=(rec.start + timedelta(days=1)).isoformat())
    response = client.post(SYNC, future, content_type="application/json", **auth)
    assert response.status_code == 422
    assert "checked_out_at" in response.json()["error"]["fields"]


def test_other_carers_and_circles_may_not_write(rec, people, client):
    client.force_login(people.carer2)
    assert client.post(SYNC, _body(rec), content_type="application/json").status_code == 403
    client.force_login(people.outsider)
    assert client.post(SYNC, _body(rec), content_type="application/json").status_code == 404
    assert not VisitRecord.objects.filter(visit=rec.visit).exists()


def test_receipts_are_checked_and_stored_by_content_hash(people, client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.VISITS_RECEIPT_MAX_BYTES = 2048
    client.force_login(people.carer)
    first = client.post("/api/v1/records/receipts", {"file": SimpleUploadedFile("r.png", PNG)})
    assert first.status_code == 200, first.content
    again = client.post("/api/v1/records/receipts", {"file": SimpleUploadedFile("x.jpg", PNG)})
    assert again.json() == first.json() and first.json()["content_type"] == "image/png"
    assert len(list((tmp_path / "receipts").rglob("*.png"))) == 1
    gif = client.post("/api/v1/records/receipts", {"file": SimpleUploadedFile("a.png", b"GIF89a")})
    assert gif.status_code == 422 and "file" in gif.json()["error"]["fields"]
    big = client.post(
        "/api/v1/records/receipts", {"file": SimpleUploadedFile("b.png", PNG + bytes(4096))}
    )
    assert big.status_code == 422 and "too large" in big.json()["error"]["message"]
    client.force_login(people.client)
    edna = client.post("/api/v1/records/receipts", {"file": SimpleUploadedFile("r.png", PNG)})
    assert edna.status_code == 403


def test_an_expense_needs_its_receipt_uploaded_first(rec, people, client):
    client.force_login(people.carer)
    expense = {
        "id": str(uuid.uuid4()),
        "amount": "2.40",
        "kind": "shopping",
        "spent_at": rec.start.isoformat(),
        "receipt_sha256": "a" * 64,
    }
    response = client.post(SYNC, _body(rec, expenses=[expense]), content_type="application/json")
    assert response.status_code == 422
    assert "expenses.0.receipt_sha256" in response.json()["error"]["fields"]


def test_the_offline_pack_is_the_next_48_hours_and_is_audited(rec, people, client):
    client.force_login(people.carer)
    pack = client.get("/api/v1/records/pack").json()
    ours = [v for v in pack["visits"] if v["id"] == str(rec.visit.public_id)]
    assert ours and ours[0]["doses"][0]["name"] == "Testamol"
    assert ours[0]["as_needed"][0]["name"] == "Calmex"
    assert [t["id"] for t in ours[0]["tasks"]] == [t.pk for t in rec.tasks]
    assert AuditEvent.objects.filter(
        action="offline_pack_read", actor=people.carer, client=people.edna
    ).exists()
    client.force_login(people.manager)
    assert client.get("/api/v1/records/pack").status_code == 403


def test_a_record_is_read_by_its_carer_and_the_team_leader_only(rec, people, client):
    client.force_login(people.carer)
    client.post(SYNC, _body(rec, notes="Fine."), content_type="application/json")
    url = f"/api/v1/records/{rec.record_id}"
    assert client.get(url).json()["notes"] == "Fine."
    client.force_login(people.team_leader)
    assert client.get(url).status_code == 200
    client.force_login(people.carer2)
    assert client.get(url).status_code == 403
    client.force_login(people.outsider)
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="visit_record_read").count() == 2


def test_a_refused_check_out_is_said_in_the_answer_for_the_phone_to_keep(rec, people, client):
    client.force_login(people.carer)
    out = (rec.start + timedelta(minutes=20)).isoformat()
    response = client.post(SYNC, _body(rec, checked_out_at=out), content_type="application/json")
    answer = response.json()
    assert response.status_code == 200 and answer["check_out_refused"] is True
    assert answer["checked_out_at"] is None
    refusal = [w for w in answer["warnings"] if w.get("refuses") == "check_out"]
    assert refusal and "Testamol" in refusal[0]["message"]
