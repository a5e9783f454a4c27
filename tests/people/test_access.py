from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from carecircle.circles.access import access_client, clients_visible_to
from carecircle.people.models import Role
from carecircle.people.permissions import roles_of


def names(qs):
    return sorted(c.first_name for c in qs)


def test_carer_sees_the_clients_of_their_circle_only(people):
    assert names(clients_visible_to(people.carer)) == ["Arthur", "Edna", "George", "Halima"]


def test_informal_carer_sees_only_the_client_they_help(people):
    assert names(clients_visible_to(people.informal)) == ["Arthur"]


def test_representative_sees_the_client_they_represent(people):
    # Sue is Edna's attorney and helps only Edna as an informal carer.
    assert names(clients_visible_to(people.representative)) == ["Edna"]
    assert Role.REPRESENTATIVE in roles_of(people.representative)
    assert Role.CARER in roles_of(people.representative)


def test_client_sees_only_themself(people):
    assert names(clients_visible_to(people.client)) == ["Edna"]


def test_team_leader_sees_their_circle(people):
    assert names(clients_visible_to(people.team_leader)) == ["Arthur", "Edna", "George", "Halima"]


def test_outsider_gets_404_for_another_circles_client(people):
    # Scenario 7: Chris (Hilltop) tries to open Edna's record: not found.
    with pytest.raises(Http404):
        access_client(people.outsider, people.edna.public_id)


def test_manager_is_refused_client_records_of_their_own_organisation(people):
    with pytest.raises(PermissionDenied):
        access_client(people.manager, people.edna.public_id)


def test_a_malformed_id_is_a_404(people):
    with pytest.raises(Http404):
        access_client(people.carer, "not-a-uuid")


def test_ended_membership_removes_access(people):
    from datetime import timedelta

    from django.utils import timezone

    people.carer.memberships.update(ends_on=timezone.localdate() - timedelta(days=1))
    assert names(clients_visible_to(people.carer)) == []
