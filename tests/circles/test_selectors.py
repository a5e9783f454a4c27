"""Who holds which place in a circle: the people the other apps tell things to."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from carecircle.circles.models import MembershipRole
from carecircle.circles.selectors import managers, team_leaders


def test_team_leaders_are_the_circles_current_leaders_only(people):
    leaders = team_leaders(people.riverside)
    assert people.team_leader in leaders
    assert people.carer not in leaders and people.manager not in leaders
    assert people.team_leader not in team_leaders(people.hilltop)
    # A leadership that ended yesterday no longer counts.
    yesterday = timezone.localdate() - timedelta(days=1)
    people.riverside.memberships.filter(
        user=people.team_leader, role=MembershipRole.TEAM_LEADER
    ).update(starts_on=yesterday - timedelta(days=30), ends_on=yesterday)
    assert people.team_leader not in team_leaders(people.riverside)


def test_managers_are_the_active_managers_of_the_circles_organisation(people):
    assert managers(people.riverside) == [people.manager]
    people.manager.is_active = False
    people.manager.save(update_fields=["is_active"])
    assert managers(people.riverside) == []
