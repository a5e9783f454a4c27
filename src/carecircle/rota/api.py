from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated
from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import BeforeValidator

from carecircle.audit.reads import audit_listing, audit_read
from carecircle.circles.access import access_circle
from carecircle.circles.api import circle_out
from carecircle.circles.schemas import CircleDetailOut, CoverageOut
from carecircle.people.permissions import Perm, require
from carecircle.rota.access import access_visit, visits_visible_to
from carecircle.rota.models import Visit
from carecircle.rota.schemas import CarerRef, VisitOut
from carecircle.rota.selectors import coverage, week_start

router = Router(tags=["visits"])
# A circle's coverage this week is counted from the rota's visits: the route is the rota's, mounted
# at /circles beside the circles app's own routes (same path and operation id as before).
circles_router = Router(tags=["circles"])
MAX_RANGE_DAYS = 62


def _iso_date(value):
    # Pydantic would read `start=0` as a Unix timestamp (1 January 1970); a date must be a date.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("use a date as YYYY-MM-DD")
    if not isinstance(value, (str, date)):
        raise ValueError("use a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class VisitFilter(Schema):
    start: IsoDate | None = None
    end: IsoDate | None = None
    client: UUID | None = None


def visit_out(visit: Visit) -> VisitOut:
    assigned = list(visit.assignments.all())
    return VisitOut(
        id=visit.public_id,
        client_id=visit.client.public_id,
        client_name=str(visit.client),
        name=visit.name,
        date=visit.date,
        window_start=visit.window_start,
        window_end=visit.window_end,
        start=visit.start,
        duration_minutes=visit.duration_minutes,
        carers_needed=visit.carers_needed,
        carers=[
            CarerRef(id=a.carer.public_id, name=a.carer.name, status=a.status) for a in assigned
        ],
        open_places=max(0, visit.carers_needed - len(assigned)),
        status=visit.status,
    )


def _visit_qs(qs):
    return qs.select_related("client").prefetch_related("assignments__carer__user")


@router.get("", response=list[VisitOut])
def list_visits(request, filters: Query[VisitFilter]):
    """Visits you may see, from `start` to `end` inclusive (default: this week, at most 62 days)."""
    require(request.auth, Perm.USE_API)
    start = filters.start or week_start(timezone.localdate())
    end = filters.end or start + timedelta(days=6)
    if end < start:
        raise ValidationError({"end": "must be on or after start"})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationError({"end": f"at most {MAX_RANGE_DAYS} days after start"})
    qs = visits_visible_to(request.auth).filter(date__range=(start, end))
    if filters.client:
        qs = qs.filter(client__public_id=filters.client)
    visits = list(_visit_qs(qs).order_by("window_start"))
    audit_listing(actor=request.auth, view="visits", clients=(v.client for v in visits), via="api")
    return [visit_out(v) for v in visits]


@router.get("/{visit_id}", response=VisitOut)
def get_visit(request, visit_id: UUID):
    require(request.auth, Perm.USE_API)
    visit = _visit_qs(Visit.objects.filter(pk=access_visit(request.auth, visit_id).pk)).get()
    audit_read(actor=request.auth, obj=visit, client=visit.client, view="visit", via="api")
    return visit_out(visit)


@circles_router.get(
    "/{circle_id}", response=CircleDetailOut, operation_id="carecircle_circles_api_get_circle"
)
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
