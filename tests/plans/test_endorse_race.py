"""Two team leaders endorse at the same moment: versions stay numbered one after the other, no
change is lost, and one change is never endorsed twice. Real concurrent transactions on PostgreSQL
(SQLite serialises writers, so this runs in the PostgreSQL pass of `make test`)."""

from __future__ import annotations

import pytest
from django.db import connection

from carecircle.people.models import User
from carecircle.plans import services as svc
from carecircle.plans.models import ChangeKind, ConsentBasis, VersionStatus
from tests.rota.test_claim_race import _race

pytestmark = pytest.mark.postgres_only


def _ready(people, title):
    change = svc.change_propose(
        actor=people.carer,
        client=people.edna,
        kind=ChangeKind.ADD_TASK,
        title=title,
        reason="Edna asked.",
    )
    svc.change_consent(actor=people.client, change=change, basis=ConsentBasis.CLIENT)
    svc.change_note_risk(
        actor=people.carer, change=change, hazard="None found", likelihood="low", mitigation="-"
    )
    return change


@pytest.mark.django_db(transaction=True)
def test_two_endorsements_at_once_make_two_versions_in_order(demo_live):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    people = demo_live
    martin = User.objects.get(username="martin")
    bread, garden = _ready(people, "Buy bread on the way"), _ready(people, "Walk in the garden")
    before = people.edna.care_plan.agreed_version().number
    results = _race(
        [
            lambda: svc.change_endorse(actor=people.team_leader, change=bread),
            lambda: svc.change_endorse(actor=martin, change=garden),
        ]
    )
    assert [r[0] for r in results] == ["won", "won"], results
    plan = people.edna.care_plan
    numbers = sorted(plan.versions.values_list("number", flat=True))
    assert numbers[-2:] == [before + 1, before + 2]
    latest = plan.agreed_version()
    assert latest.number == before + 2
    assert plan.versions.filter(status=VersionStatus.AGREED).count() == 1
    titles = set(latest.tasks.values_list("title", flat=True))
    assert {"Buy bread on the way", "Walk in the garden"} <= titles


@pytest.mark.django_db(transaction=True)
def test_one_change_endorsed_twice_at_once_makes_one_version(demo_live):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    people = demo_live
    martin = User.objects.get(username="martin")
    bread = _ready(people, "Buy bread on the way")
    before = people.edna.care_plan.agreed_version().number
    results = _race(
        [
            lambda: svc.change_endorse(actor=people.team_leader, change=bread),
            lambda: svc.change_endorse(actor=martin, change=bread),
        ]
    )
    assert sorted(r[0] for r in results) == ["lost", "won"], results
    assert people.edna.care_plan.agreed_version().number == before + 1
