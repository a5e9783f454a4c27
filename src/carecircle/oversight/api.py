"""Read-only API for equity: hours of care delivered against assessed need, for managers.

Mounted at /plans, where it has always been (same path and operation id)."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from carecircle.circles.access import organisation_circles
from carecircle.oversight.equity import equity_report
from carecircle.oversight.schemas import ClientEquityOut, EquityOut
from carecircle.people.permissions import Perm, require

router = Router(tags=["plans"])


class EquityQuery(Schema):
    days: int = Field(28, ge=7, le=182)


@router.get("/equity", response=EquityOut, operation_id="carecircle_plans_api_get_equity")
def get_equity(request, query: Query[EquityQuery]):
    require(request.auth, Perm.VIEW_ORG_HOME)
    report = equity_report(circles=organisation_circles(request.auth), days=query.days)
    return EquityOut(
        start=report.start,
        end=report.end,
        gini=report.gini,
        need_hours=report.need_hours,
        delivered_hours=report.delivered_hours,
        furthest_below=[
            ClientEquityOut(
                name=r.name,
                circle=r.circle,
                need_hours=r.need_hours,
                delivered_hours=r.delivered_hours,
                met=round(r.met, 3),
            )
            for r in report.furthest_below()
        ],
    )
