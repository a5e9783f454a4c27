"""Who holds which place in a circle, for the apps that tell them things."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from carecircle.circles.models import MembershipRole
from carecircle.people.models import Role, User


def team_leaders(circle) -> list[User]:
    today = timezone.localdate()
    return list(
        User.objects.filter(
            memberships__circle=circle,
            memberships__role=MembershipRole.TEAM_LEADER,
            memberships__starts_on__lte=today,
        )
        .filter(Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gte=today))
        .distinct()
        .order_by("first_name", "username")
    )


def managers(circle) -> list[User]:
    return list(
        User.objects.filter(
            role=Role.MANAGER, organisation_id=circle.organisation_id, is_active=True
        ).order_by("first_name", "username")
    )
