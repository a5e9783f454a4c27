"""Figures across circles for the team-leader and manager homes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from carecircle.circles.models import Circle, MembershipRole
from carecircle.oversight import health as circle_health
from carecircle.oversight.escalations import escalations_visible_to
from carecircle.oversight.models import Escalation, EscalationStatus
from carecircle.rota.selectors import Coverage, coverage, week_start


@dataclass(frozen=True)
class CircleStatus:
    circle: Circle
    this_week: Coverage
    next_week: Coverage
    clients: int
    carers: int
    health: object = None
    spark: str = ""

    @property
    def line(self) -> str:
        if self.this_week.open == 0:
            return "all places filled this week"
        return f"{self.this_week.open} of {self.this_week.places} places open this week"


def circle_statuses(circles) -> list[CircleStatus]:
    start = week_start(timezone.localdate())
    now = timezone.now()
    statuses = []
    for circle in circles.prefetch_related("clients", "memberships"):
        current = circle_health.compute(circle, now=now)
        points = circle_health.trend(circle, now=now) + [(now, current.score)]
        statuses.append(
            CircleStatus(
                circle=circle,
                this_week=coverage(circle=circle, start=start, end=start + timedelta(days=6)),
                next_week=coverage(
                    circle=circle, start=start + timedelta(days=7), end=start + timedelta(days=13)
                ),
                clients=len(circle.clients.all()),
                carers=len(
                    {m.user_id for m in circle.memberships.all() if m.role == MembershipRole.CARER}
                ),
                health=current,
                spark=circle_health.sparkline(points, threshold=settings.CIRCLE_HEALTH_THRESHOLD),
            )
        )
    return statuses


def open_escalations(user, circles, *, level: int | None = None) -> list[Escalation]:
    qs = (
        escalations_visible_to(user)
        .filter(circle__in=circles, status=EscalationStatus.OPEN)
        .select_related("circle", "owner", "visit__client")
    )
    if level is not None:
        qs = qs.filter(level__gte=level)
    return list(qs.order_by("-level", "opened_at"))
