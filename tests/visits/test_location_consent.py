"""Location at check-in and check-out is stored only with the client's consent, which only the
client gives or withdraws, or their attorney or deputy while their authority is in force and the
client lacks capacity; the carer still chooses each time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.models import AuditEvent
from carecircle.people.models import Representative
from carecircle.visits.models import VisitRecord
from carecircle.visits.services import location_consent_set, record_sync
from tests.visits.conftest import snapshot


def _assess(people, *, lacks: bool, at=None):
    """A team leader's capacity assessment of Edna, recorded on a plan change as plans do."""
    from carecircle.plans import services as plans

    change = plans.change_propose(
        actor=people.carer,
        client=people.edna,
        kind="add_task",
        title="Walk to the shop",
        reason="Edna wants to get out.",
    )
    return plans.change_assess_capacity(
        actor=people.team_leader,
        change=change,
        can_understand=not lacks,
        can_retain=True,
        can_weigh=not lacks,
        can_communicate=True,
        impairment=lacks,
        because_of_impairment=lacks,
        impairment_detail="Dementia" if lacks else "",
        notes="Could not weigh the choice with pictures and time." if lacks else "",
        now=at,
    )


def _check_in_and_out_with_place(rec):
    return snapshot(
        rec,
        checked_in_at=rec.start,
        check_in_lat=53.74,
        check_in_lon=-2.01,
        checked_out_at=rec.start + timedelta(minutes=5),
        check_out_lat=53.75,
        check_out_lon=-2.02,
    )


def test_coordinates_are_stored_with_the_clients_consent(rec, people):
    location_consent_set(actor=people.client, client=people.edna, on=True)
    result = record_sync(actor=people.carer, data=_check_in_and_out_with_place(rec))
    assert "location_not_recorded" not in [w["code"] for w in result["warnings"]]
    record = VisitRecord.objects.get(public_id=rec.record_id)
    assert (record.check_in_lat, record.check_in_lon) == (53.74, -2.01)


def test_coordinates_are_dropped_without_consent_and_the_answer_says_so(rec, people):
    assert people.edna.location_consent_at is None
    result = record_sync(actor=people.carer, data=_check_in_and_out_with_place(rec))
    dropped = [w for w in result["warnings"] if w["code"] == "location_not_recorded"]
    assert dropped and "not stored" in dropped[0]["message"]
    record = VisitRecord.objects.get(public_id=rec.record_id)
    assert record.checked_in_at == rec.start  # the rest of the record is kept
    assert [record.check_in_lat, record.check_in_lon] == [None, None]
    assert [record.check_out_lat, record.check_out_lon] == [None, None]
    audit = AuditEvent.objects.filter(action="visit_record_synced").latest("seq")
    assert audit.detail["after"]["check_in_lat"] is None


def test_a_withdrawn_consent_covers_records_still_waiting_on_phones(rec, people):
    _assess(people, lacks=True)
    location_consent_set(actor=people.representative, client=people.edna, on=True)
    location_consent_set(actor=people.representative, client=people.edna, on=False)
    record_sync(actor=people.carer, data=_check_in_and_out_with_place(rec))
    assert VisitRecord.objects.get(public_id=rec.record_id).check_in_lat is None


@pytest.mark.parametrize("who", ["carer", "team_leader", "informal", "manager"])
def test_only_the_client_or_their_attorney_decides(people, who):
    with pytest.raises(PermissionDenied):
        location_consent_set(actor=getattr(people, who), client=people.edna, on=True)


def test_informal_family_cannot_consent_for_the_client(people):
    _assess(people, lacks=True)
    Representative.objects.filter(user=people.representative, client=people.edna).update(
        authority="informal"
    )
    with pytest.raises(PermissionDenied):
        location_consent_set(actor=people.representative, client=people.edna, on=True)


def test_consent_is_given_and_withdrawn_on_the_client_page_and_audited(people, client):
    url = reverse("location_consent", args=[people.edna.public_id])
    page = reverse("client_page", args=[people.edna.public_id])
    client.force_login(people.client)
    html = client.get(page).content.decode()
    assert "Not agreed: carers' phones do not record where they are." in html
    assert url in html
    client.post(url, {"on": "1"})
    people.edna.refresh_from_db()
    assert people.edna.location_consent_at is not None
    assert "Agreed on" in client.get(page).content.decode()
    given = AuditEvent.objects.get(action="location_consent_given", client=people.edna)
    assert given.detail["before"]["location_consent_at"] is None
    assert given.detail["after"]["location_consent_at"] is not None

    _assess(people, lacks=True)
    client.force_login(people.representative)
    client.post(url, {"on": "0"})
    people.edna.refresh_from_db()
    assert people.edna.location_consent_at is None
    assert AuditEvent.objects.filter(action="location_consent_withdrawn").count() == 1


def test_carers_cannot_change_it_and_another_circle_gets_404(people, client):
    url = reverse("location_consent", args=[people.edna.public_id])
    client.force_login(people.carer)
    assert client.post(url, {"on": "1"}).status_code == 403
    assert (
        url not in client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    )
    client.force_login(people.outsider)
    assert client.post(url, {"on": "1"}).status_code == 404
    people.edna.refresh_from_db()
    assert people.edna.location_consent_at is None


def test_the_record_page_offers_location_only_with_consent(rec, people, client):
    client.force_login(people.carer)
    url = reverse("visit_record", args=[rec.visit.public_id])
    html = client.get(url).content.decode()
    assert 'name="share_location"' not in html
    assert "Location is not recorded: Edna has not agreed to it." in html
    people.edna.location_consent_at = timezone.now()
    people.edna.save()
    html = client.get(url).content.decode()
    assert 'name="share_location"' in html and "Edna agreed on" in html


def _sue(people):
    return Representative.objects.get(user=people.representative, client=people.edna)


def test_an_attorney_cannot_decide_for_a_client_who_has_capacity(people, client):
    assert _sue(people).authority in ("lpa_health_welfare", "deputy")
    # Capacity is presumed: with no assessment on record, Sue cannot decide for Edna.
    with pytest.raises(PermissionDenied):
        location_consent_set(actor=people.representative, client=people.edna, on=True)
    client.force_login(people.representative)
    url = reverse("location_consent", args=[people.edna.public_id])
    assert client.post(url, {"on": "1"}).status_code == 403
    page = client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    assert url not in page
    # An assessment that found Edna can decide changes nothing; Edna herself always can.
    _assess(people, lacks=False)
    with pytest.raises(PermissionDenied):
        location_consent_set(actor=people.representative, client=people.edna, on=True)
    assert location_consent_set(
        actor=people.client, client=people.edna, on=True
    ).location_consent_at


def test_an_attorney_decides_while_the_latest_assessment_finds_the_client_lacks_capacity(people):
    now = timezone.now()
    _assess(people, lacks=True, at=now - timedelta(days=30))
    edna = location_consent_set(actor=people.representative, client=people.edna, on=True)
    assert edna.location_consent_at is not None
    # Edna regains capacity for decisions: the later assessment is the one that counts.
    _assess(people, lacks=False, at=now)
    with pytest.raises(PermissionDenied):
        location_consent_set(actor=people.representative, client=people.edna, on=False)
    assert location_consent_set(actor=people.client, client=people.edna, on=False)


def test_an_authority_not_yet_in_force_cannot_decide(people):
    _assess(people, lacks=True)
    sue = _sue(people)
    sue.valid_from = timezone.localdate() + timedelta(days=1)
    sue.save()
    with pytest.raises(PermissionDenied):
        location_consent_set(actor=people.representative, client=people.edna, on=True)
    sue.valid_from = timezone.localdate()
    sue.save()
    assert location_consent_set(
        actor=people.representative, client=people.edna, on=True
    ).location_consent_at
