"""Safeguarding concerns: anyone raises, only the lead and the raiser see, the lead moves it on."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from carecircle.audit.models import AuditEvent
from carecircle.people.models import Carer
from carecircle.safeguarding.concerns import concern_advance, concern_raise
from carecircle.safeguarding.models import Concern, ConcernStatus


def test_a_client_raises_a_concern_and_only_they_and_the_lead_see_it(client, people):
    client.force_login(people.client)
    response = client.post(
        reverse("concern_new"),
        {
            "client": str(people.edna.public_id),
            "summary": "Money missing from my purse",
            "description": "After Tuesday's visit £20 was gone.",
        },
    )
    concern = Concern.objects.get(summary="Money missing from my purse")
    assert response.status_code == 302
    assert concern.raised_by == people.client and concern.client == people.edna
    assert concern.status == ConcernStatus.RAISED
    assert AuditEvent.objects.filter(action="concern_raised", object_id=str(concern.public_id))
    url = reverse("concern_page", args=[concern.public_id])
    for role, status in [
        ("client", 200),
        ("safeguarding", 200),
        ("admin", 200),
        ("team_leader", 404),
        ("carer", 404),
        ("manager", 404),
        ("representative", 404),
    ]:
        client.force_login(getattr(people, role))
        assert client.get(url).status_code == status, role
    client.force_login(people.team_leader)
    assert "Money missing" not in client.get(reverse("concern_list")).content.decode()
    client.force_login(people.safeguarding)
    assert "Money missing" in client.get(reverse("concern_list")).content.decode()


def test_the_lead_moves_a_concern_through_the_workflow(client, people):
    concern = concern_raise(
        actor=people.representative,
        summary="Bruises",
        description="On her arm.",
        client=people.edna,
    )
    client.force_login(people.safeguarding)
    act = reverse("concern_act", args=[concern.public_id, "advance"])
    client.post(act, {"note": "Seen"})
    client.post(act, {"note": "Spoke to the carers"})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.INVESTIGATING
    # Closing needs an outcome and a note.
    response = client.post(act, {"note": ""}, follow=True)
    assert "Choose the outcome" in response.content.decode()
    ana = Carer.objects.get(user=people.carer)
    client.post(
        act,
        {"note": "Fell in the garden", "outcome": "not_substantiated", "carer": str(ana.public_id)},
    )
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED and concern.outcome == "not_substantiated"
    assert concern.about_carer == ana and concern.closed_at
    assert [n.status for n in concern.notes.all()] == [
        "raised",
        "acknowledged",
        "investigating",
        "closed",
    ]
    events = AuditEvent.objects.filter(object_id=str(concern.public_id)).order_by("seq")
    assert [e.action for e in events][-1] == "concern_closed"
    assert events.last().detail["before"]["status"] == "investigating"
    with pytest.raises(ValidationError):
        concern_advance(actor=people.safeguarding, concern=concern, note="again")


def test_only_the_lead_moves_a_concern_on(client, people):
    concern = concern_raise(
        actor=people.carer, summary="Door left open", description="Twice", client=people.edna
    )
    with pytest.raises(PermissionDenied):
        concern_advance(actor=people.carer, concern=concern)
    client.force_login(people.carer)
    client.post(reverse("concern_act", args=[concern.public_id, "advance"]))
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RAISED
    # The raiser may add detail.
    client.post(reverse("concern_act", args=[concern.public_id, "note"]), {"note": "And today"})
    assert concern.notes.filter(text="And today").exists()


def test_a_concern_needs_words_and_a_visible_client(people):
    with pytest.raises(ValidationError) as exc:
        concern_raise(actor=people.outsider, summary="", description="", client=people.edna)
    assert set(exc.value.message_dict) == {"summary", "description", "client"}


def test_a_concern_can_start_from_a_visit(client, people):
    from carecircle.rota.models import Visit

    visit = Visit.objects.filter(client=people.edna).first()
    client.force_login(people.carer)
    page = client.get(reverse("concern_new"), {"visit": str(visit.public_id)})
    assert page.status_code == 200
    client.post(
        reverse("concern_new") + f"?visit={visit.public_id}",
        {"summary": "Visit cut short", "description": "The previous carer left early."},
    )
    concern = Concern.objects.get(summary="Visit cut short")
    assert concern.visit == visit and concern.client == people.edna


def test_the_lead_links_a_visit_and_a_carer(client, people):
    from carecircle.safeguarding.concerns import concern_visits

    concern = concern_raise(
        actor=people.client, summary="Rough handling", description="Tuesday", client=people.edna
    )
    visit = concern_visits(concern).first()
    ana = Carer.objects.get(user=people.carer)
    client.force_login(people.safeguarding)
    page = client.get(reverse("concern_page", args=[concern.public_id])).content.decode()
    assert visit.name in page
    client.post(
        reverse("concern_act", args=[concern.public_id, "note"]),
        {"visit": str(visit.public_id), "carer": str(ana.public_id), "note": "Linked"},
    )
    concern.refresh_from_db()
    assert concern.visit == visit and concern.about_carer == ana
    event = AuditEvent.objects.filter(object_id=str(concern.public_id)).order_by("-seq").first()
    assert event.detail["before"]["visit_id"] is None
    assert event.detail["after"]["visit_id"] == visit.pk
    # The raiser may add detail but not link records.
    from carecircle.safeguarding.concerns import concern_note_add

    with pytest.raises(PermissionDenied):
        concern_note_add(
            actor=people.client, concern=concern, note="x", visit_id=str(visit.public_id)
        )
