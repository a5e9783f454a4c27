"""A client's personal data as one JSON bundle, for the safeguarding lead and managers."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from carecircle.audit.models import AuditEvent
from carecircle.safeguarding.concerns import concern_raise
from tests.factories import make_record, make_visit


def test_the_bundle_holds_the_client_plan_visits_and_audit(client, people):
    client.force_login(people.carer)
    client.get(reverse("client_page", args=[people.edna.public_id]))  # an audited read
    concern_raise(
        actor=people.representative, summary="Secret", description="x", client=people.edna
    )
    from carecircle.people.models import Carer
    from carecircle.rota.models import Visit
    from carecircle.visits.models import Expense, VisitRecord

    visit = Visit.objects.filter(client=people.edna).first()
    ana = Carer.objects.get(user=people.carer)
    record = VisitRecord.objects.create(
        visit=visit, carer=ana, client=people.edna, checked_in_at=visit.window_start
    )
    Expense.objects.create(
        record=record, carer=ana, amount=3, kind="shopping", spent_at=visit.window_start
    )
    client.force_login(people.manager)
    response = client.get(reverse("client_data_export", args=[people.edna.public_id]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert bundle["client"]["first_name"] == "Edna"
    assert bundle["representatives"][0]["name"] == str(people.representative)
    records = bundle["records"]
    assert records["plans.careplan"] and records["plans.careplanversion"]
    assert all(v["client_id"] == people.edna.pk for v in records["rota.visit"])
    assert [r["public_id"] for r in records["visits.visitrecord"]] == [str(record.public_id)]
    assert records["visits.expense"][0]["amount"] == "3.00"
    assert "visits.syncreceipt" not in records
    assert {"read"} <= {e["action"] for e in bundle["audit"]}
    # Concerns are exempt: not in the bundle, not even as audit entries.
    assert "Secret" not in response.content.decode()
    assert not any(e["action"].startswith("concern") for e in bundle["audit"])
    # The export itself is audited.
    assert AuditEvent.objects.filter(
        actor=people.manager, action="subject_access", client=people.edna
    ).exists()


def test_another_organisations_client_is_not_found(client, people):
    from carecircle.circles.models import Organisation
    from carecircle.people.models import Client

    other = Organisation.objects.create(name="Elsewhere")
    stranger = Client.objects.create(
        organisation=other,
        first_name="Zed",
        last_name="Nobody",
        address="1 Road",
        latitude=53.0,
        longitude=-2.0,
        assessed_weekly_hours=1,
    )
    client.force_login(people.safeguarding)
    assert client.get(reverse("client_data_export", args=[stranger.public_id])).status_code == 404


@pytest.mark.clock
def test_the_bundle_holds_help_calls_offers_messages_and_live_events(client, people):
    from carecircle.alerts import services
    from carecircle.alerts.models import HelpOffer, LiveEvent
    from carecircle.notifications.models import Notification
    from carecircle.notifications.services import notify
    from carecircle.people.models import Carer
    from carecircle.rota.models import Visit
    from tests.alerts.oncall import take_calls_off_duty

    take_calls_off_duty(people.riverside)  # someone to ask at any hour, at night too
    alert, _ = services.alert_raise(
        actor=people.client, client=people.edna, message="I have fallen in the kitchen"
    )
    offers = list(HelpOffer.objects.filter(alert=alert))
    assert offers
    HelpOffer.objects.filter(pk=offers[0].pk).update(
        state="declined", decline_reason="unwell", decline_note="Migraine today"
    )
    notify(user=people.client, subject="Your own inbox message")
    notify(user=people.team_leader, subject="About Arthur", url=f"/help/{people.arthur.public_id}/")
    # Arthur's help call answered by someone who left Edna's visit: Arthur's, not Edna's.
    arthur_alert, _ = services.alert_raise(actor=people.team_leader, client=people.arthur)
    arthur_alert.left_visit = Visit.objects.filter(client=people.edna).first()
    arthur_alert.save(update_fields=["left_visit"])

    client.force_login(people.safeguarding)
    response = client.get(reverse("client_data_export", args=[people.edna.public_id]))
    assert response.status_code == 200
    bundle = json.loads(response.content)
    records = bundle["records"]
    assert [a["public_id"] for a in records["alerts.helpalert"]] == [str(alert.public_id)]
    assert records["alerts.helpalert"][0]["message"] == "I have fallen in the kitchen"
    assert {o["public_id"] for o in records["alerts.helpoffer"]} == {
        str(o.public_id) for o in offers
    }
    assert Carer.objects.get(pk=records["alerts.helpoffer"][0]["carer_id"])
    live = LiveEvent.objects.filter(client=people.edna)
    assert live.exists()
    assert {e["text"] for e in records["alerts.liveevent"]} == {e.text for e in live}
    # Edna's own inbox; not the messages to others, not even those about her call.
    told = Notification.objects.filter(url__contains=str(alert.public_id)).exclude(
        user=people.client
    )
    assert told.exists()
    subjects = {m["subject"] for m in bundle["messages"]}
    assert "Your own inbox message" in subjects
    assert not {n.subject for n in told} & subjects
    assert "About Arthur" not in subjects
    assert all("to" not in m for m in bundle["messages"])
    assert any("Messages: only those sent to the client" in n for n in bundle["notes"])
    # Other people's data in those records is withheld: carers' ranking and decline reasons.
    text = response.content.decode()
    assert "Migraine" not in text and "unwell" not in text
    assert "ranking" not in records["alerts.helpalert"][0]
    assert "reason" not in records["alerts.helpoffer"][0]
    assert not any(label.startswith("notifications.") for label in records)


def test_a_call_answered_from_another_clients_visit_names_nobody_else(
    client, people, settings, django_capture_on_commit_callbacks
):
    """Ana leaves Arthur's visit to answer Edna's fall: the team leaders are told "Ana left
    Arthur's visit", but Edna's bundle holds neither that message nor anything naming Arthur, nor
    how the carers were ranked (rank, estimated arrival)."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from carecircle.alerts import services
    from carecircle.alerts.models import HelpAlert
    from carecircle.notifications.models import Notification
    from carecircle.people.models import Carer
    from tests.alerts.oncall import take_calls_off_duty, today_at

    settings.ALERT_WAVE_SIZE = 50
    take_calls_off_duty(people.riverside)
    with time_machine.travel(today_at(11, 0), tick=True):
        now = timezone.now()
        ana = Carer.objects.get(user=people.carer)
        start = now - timedelta(minutes=20)
        arthurs = make_visit(people.arthur, start, minutes=60, name="Late morning", carers=[ana])
        make_record(arthurs, ana, checked_in_at=start)
        with django_capture_on_commit_callbacks(execute=True):
            alert, _ = services.alert_raise(actor=people.client, client=people.edna, kind="fall")
            offer = alert.offers.get(carer=ana)
            services.offer_accept(actor=people.carer, offer_id=offer.public_id)
    alert = HelpAlert.objects.get(pk=alert.pk)
    assert alert.left_visit == arthurs and alert.offers.count() > 1
    left = Notification.objects.filter(subject__contains="left Arthur")
    assert left.exists() and all(n.user != people.client for n in left)

    client.force_login(people.manager)
    response = client.get(reverse("client_data_export", args=[people.edna.public_id]))
    bundle = json.loads(response.content)
    text = response.content.decode()
    assert "Arthur" not in text and str(people.arthur.public_id) not in text
    assert str(people.team_leader) not in text
    offers = bundle["records"]["alerts.helpoffer"]
    assert len(offers) == alert.offers.count()
    for row in offers:
        assert "rank" not in row and "eta_minutes" not in row and "reason" not in row
    (call,) = bundle["records"]["alerts.helpalert"]
    assert call["public_id"] == str(alert.public_id)
    assert "left_visit_id" not in call and "cover_absence_id" not in call
