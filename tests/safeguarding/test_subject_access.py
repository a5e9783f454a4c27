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
