"""A carer's day and a circle's week."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.circles.access import access_circle, clients_visible_to
from carecircle.people.access import carer_of
from carecircle.people.permissions import Perm, has_perm, require
from carecircle.rota import services as sm
from carecircle.rota.selectors import (
    board_week,
    coverage,
    last_visits,
    offers_for_carer,
    open_draft_for,
    visits_for_carer,
    week_start,
)


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_MY_DAY)
    carer = carer_of(request.user)
    if carer is None:
        raise PermissionDenied(_("My day is for carers."))
    now = timezone.now()
    today = timezone.localdate(now)
    tomorrow = today + timedelta(days=1)
    visits = visits_for_carer(carer=carer, start=today, end=tomorrow)
    days = [
        {"date": d, "label": label, "visits": [v for v in visits if v.date == d]}
        for d, label in ((today, _("Today")), (tomorrow, _("Tomorrow")))
    ]
    offers = offers_for_carer(carer=carer, user=request.user, now=now)
    context = {
        "carer": carer,
        "days": days,
        "cover_offers": offers.cover_offers,
        "swap_offers": offers.swap_offers,
        "my_offers": offers.my_offers,
        "kept": offers.kept,
        "open_places": sm.open_places_for(
            carer=carer, start=today, end=today + timedelta(days=6), now=now
        ),
        "now": now,
        # The plan panel shows, per client, what changed since the carer's last visit.
        "last_visits": last_visits(carer=carer, clients={v.client for v in visits}, now=now),
    }
    return render(request, "rota/my_day.html", context)


def parse_week(request: HttpRequest) -> date:
    raw = request.GET.get("week", "")
    today = timezone.localdate()
    if not raw:
        return week_start(today)
    try:
        return week_start(date.fromisoformat(raw))
    except ValueError:
        messages.error(
            request,
            _("week: “%(value)s” is not a date. Use a date like %(example)s; showing this week.")
            % {"value": raw[:20], "example": week_start(today).isoformat()},
        )
        return week_start(today)


@login_required
def circle_board(request: HttpRequest, circle_id) -> HttpResponse:
    circle = access_circle(request.user, circle_id, perm=Perm.VIEW_CIRCLE_BOARD)
    start = parse_week(request)
    this_week = week_start(timezone.localdate())
    # From this week's board the button drafts next week; from a later week, that week.
    draft_week = start if start > this_week else this_week + timedelta(days=7)
    days, rows = board_week(
        circle=circle, start=start, clients=clients_visible_to(request.user).filter(circle=circle)
    )
    context = {
        "circle": circle,
        "days": days,
        "rows": rows,
        "week": start,
        "previous_week": start - timedelta(days=7),
        "next_week": start + timedelta(days=7),
        "coverage": coverage(circle=circle, start=days[0], end=days[-1]),
        "can_publish": has_perm(request.user, Perm.PUBLISH_ROTA),
        "is_carer": carer_of(request.user) is not None,
        "now": timezone.now(),
        "can_draft": has_perm(request.user, Perm.DRAFT_ROTA) and start >= this_week,
        "draft_week": draft_week,
        "open_draft": open_draft_for(circle=circle, week=draft_week),
    }
    return render(request, "rota/board.html", context)
