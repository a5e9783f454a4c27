from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.utils import timezone
from ninja import Router

from carecircle.circles.access import access_circle, circles_visible_to
from carecircle.circles.models import Circle
from carecircle.circles.schemas import CircleDetailOut, CircleOut, CoverageOut
from carecircle.people.permissions import Perm, require
from carecircle.rota.selectors import coverage, week_start

router = Router(tags=["circles"])


def circle_out(circle: Circle) -> dict:
    return {
        "id": circle.public_id,
        "name": circle.name,
        "organisation": circle.organisation.name,
        "area": circle.area,
    }


@router.get("", response=list[CircleOut])
def list_circles(request):
    require(request.auth, Perm.USE_API)
    return [circle_out(c) for c in circles_visible_to(request.auth).select_related("organisation")]


@router.get("/{circle_id}", response=CircleDetailOut)
def get_circle(request, circle_id: UUID):
    require(request.auth, Perm.USE_API)
    circle = access_circle(request.auth, circle_id, perm=Perm.USE_API)
    start = week_start(timezone.localdate())
    cov = coverage(circle=circle, start=start, end=start + timedelta(days=6))
    return {
        **circle_out(circle),
        "this_week": CoverageOut(
            visits=cov.visits,
            places=cov.places,
            filled=cov.filled,
            open=cov.open,
            percent=cov.percent,
        ),
    }
