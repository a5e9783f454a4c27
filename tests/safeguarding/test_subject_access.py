"""A client's personal data as one JSON bundle, for the safeguarding lead and managers."""

from __future__ import annotations

import json

from django.urls import reverse

from carecircle.safeguarding.concerns import concern_raise
from carecircle.safeguarding.models import AuditEvent


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


def test_the_bundle_holds_help_calls_offers_messages_and_live_events(client, people):
    from carecircle.alerts import services
    from carecircle.alerts.models import HelpOffer, LiveEvent, Notification
    from carecircle.alerts.notifications import notify
    from carecircle.people.models import Carer
    from carecircle.rota.models import Visit

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
    # Who was told about Edna's call, and Edna's own inbox; not messages about someone else.
    told = Notification.objects.filter(url__contains=str(alert.public_id))
    assert told.exists()
    subjects = {m["subject"] for m in bundle["messages"]}
    assert {n.subject for n in told} <= subjects
    assert "Your own inbox message" in subjects
    assert "About Arthur" not in subjects
    assert {m["to"] for m in bundle["messages"]} >= {str(n.user) for n in told}
    # Other people's data in those records is withheld: carers' ranking and decline reasons.
    text = response.content.decode()
    assert "Migraine" not in text and "unwell" not in text
    assert "ranking" not in records["alerts.helpalert"][0]
    assert "reason" not in records["alerts.helpoffer"][0]
    assert "alerts.notification" not in records and "alerts.delivery" not in records
