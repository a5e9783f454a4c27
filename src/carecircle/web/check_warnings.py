"""Warnings about expiring background checks and training, shown on the carer's My day and on
the team leader's home (see people/checks.py). A context processor, so those pages need not
change: base.html shows `check_warnings` above the page content. One query per page."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from carecircle.circles.access import active_memberships
from carecircle.circles.models import Membership, MembershipRole
from carecircle.people.checks import check_warnings
from carecircle.people.models import CarerCheck

PAGES = {"my_day", "team_home"}


def check_warnings_context(request) -> dict:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or match.url_name not in PAGES or not getattr(user, "is_authenticated", False):
        return {}
    if match.url_name == "my_day":
        checks = CarerCheck.objects.filter(carer__user=user)
    else:
        led = active_memberships(user, role=MembershipRole.TEAM_LEADER).values("circle_id")
        today = timezone.localdate()
        members = (
            Membership.objects.filter(circle_id__in=led, role=MembershipRole.CARER)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .values("user_id")
        )
        checks = CarerCheck.objects.filter(carer__user_id__in=members)
    return {"check_warnings": check_warnings(checks, today=timezone.localdate())}
