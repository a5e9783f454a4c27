"""The self-management part of the circle board that only the circle's team leaders see: what
informal carers offer and for whom, and the paid time kept from visits clients released."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django import template
from django.db.models import Q
from django.utils import timezone

from carecircle.circles.access import led_circles
from carecircle.circles.models import MembershipRole
from carecircle.people.models import INFORMAL_KINDS, Role
from carecircle.people.permissions import roles_of
from carecircle.rota.forms import WEEKDAYS
from carecircle.rota.models import AvailabilityRule, KeptTime, KeptTimeUse
from carecircle.rota.services.cycle import cycle_status

register = template.Library()


def informal_offers(circle, *, today: date) -> list[AvailabilityRule]:
    """Informal carers' weekly offers in this circle, with for whom."""
    members = circle.memberships.filter(role=MembershipRole.CARER, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    return list(
        AvailabilityRule.objects.filter(
            carer__user__in=members.values("user"), carer__kind__in=INFORMAL_KINDS
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("carer__user")
        .prefetch_related("for_clients")
        .order_by("carer__user__first_name", "carer_id", "weekday", "start_time")
    )


def kept_time_by_carer(circle, *, start: date, end: date) -> list[dict]:
    """Kept time on this circle's released visits from `start` to `end` (inclusive), per carer:
    total minutes and minutes by use."""
    tz = timezone.get_current_timezone()
    rows: dict = defaultdict(lambda: {"minutes": 0, "uses": defaultdict(int)})
    kept = KeptTime.objects.filter(
        visit__circle=circle,
        starts_at__gte=datetime.combine(start, time(0), tz),
        starts_at__lt=datetime.combine(end + timedelta(days=1), time(0), tz),
    ).select_related("carer__user")
    for k in kept:
        row = rows[k.carer]
        row["minutes"] += k.minutes
        row["uses"][k.use] += k.minutes
    labels = dict(KeptTimeUse.choices)
    return [
        {
            "carer": carer,
            "minutes": row["minutes"],
            "uses": [(labels[u], m) for u, m in sorted(row["uses"].items())],
        }
        for carer, row in sorted(rows.items(), key=lambda r: r[0].name)
    ]


@register.inclusion_tag("rota/_board_team_leader.html")
def team_leader_board_panel(circle, user, week: date):
    if not led_circles(user).filter(pk=circle.pk).exists():
        return {"show": False}
    return {
        "show": True,
        "offers": informal_offers(circle, today=timezone.localdate()),
        "kept": kept_time_by_carer(circle, start=week, end=week + timedelta(days=6)),
    }


@register.inclusion_tag("rota/_cycle_panel.html")
def cycle_board_panel(circle, user):
    """Next week's cycle, on the board of the circle's team leaders."""
    admin = user.is_superuser or Role.ADMIN in roles_of(user)
    if not admin and not led_circles(user).filter(pk=circle.pk).exists():
        return {"show": False}
    return {
        "show": True,
        "circle": circle,
        "status": cycle_status(circle, now=timezone.now()),
        "can_edit": True,
    }


@register.filter
def hours(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    return f"{h} h {m:02d}" if h and m else (f"{h} h" if h else f"{m} min")


@register.filter
def weekday_name(weekday: int) -> str:
    return str(WEEKDAYS[int(weekday)])
