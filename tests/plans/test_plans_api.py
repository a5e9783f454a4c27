"""The plans API: changes and restrictions for whoever may see the client; equity for managers."""

from __future__ import annotations

import pytest

from carecircle.people.models import ApiToken
from carecircle.plans import services as svc
from carecircle.plans.models import ChangeKind


def _get(client, user, url):
    _token, raw = ApiToken.issue(user=user, name="test")
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.django_db
def test_changes_are_listed_for_the_circle_and_hidden_from_others(client, people):
    change = svc.change_propose(
        actor=people.carer,
        client=people.edna,
        kind=ChangeKind.ADD_TASK,
        title="Buy bread on the way",
        reason="Edna runs out on Thursdays.",
    )
    url = f"/api/v1/plans/clients/{people.edna.public_id}/changes"
    body = _get(client, people.representative, url).json()
    assert [c["summary"] for c in body] == ["Buy bread on the way"]
    assert body[0]["status"] == "proposed" and body[0]["has_risk_note"] is False
    one = _get(client, people.client, f"/api/v1/plans/changes/{change.public_id}")
    assert one.status_code == 200 and one.json()["id"] == str(change.public_id)
    assert _get(client, people.outsider, url).status_code == 404
    assert _get(client, people.manager, url).status_code == 403
    missing = _get(
        client, people.carer, "/api/v1/plans/changes/00000000-0000-0000-0000-000000000000"
    )
    assert missing.status_code == 404 and missing.json()["error"]["code"]


@pytest.mark.django_db
def test_restrictions_listed_for_the_client(client, people):
    url = f"/api/v1/plans/clients/{people.edna.public_id}/restrictions"
    assert _get(client, people.client, url).json() == []


@pytest.mark.django_db
def test_equity_for_managers_only_with_a_checked_period(client, people):
    body = _get(client, people.manager, "/api/v1/plans/equity").json()
    assert 0 <= body["gini"] <= 1 and body["need_hours"] > 0
    assert _get(client, people.manager, "/api/v1/plans/equity?days=3").status_code == 422
    assert _get(client, people.carer, "/api/v1/plans/equity").status_code == 403
