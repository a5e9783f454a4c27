"""The client and family page: who is coming, and the plan in plain words."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from carecircle.audit.services import audit_record
from carecircle.circles.access import access_client
from carecircle.people.access import carer_of
from carecircle.rota.selectors import last_visit_start, visits_for_client
from carecircle.rota.services import can_release


@login_required
def client_page(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    with transaction.atomic():
        audit_record(actor=request.user, action="read", obj=client, client=client)
    today = timezone.localdate()
    # The next seven days from today: what is coming, whichever day of the week it is.
    start = today
    visits = visits_for_client(client=client, start=start, end=start + timedelta(days=6))
    days = []
    for offset in range(7):
        day = start + timedelta(days=offset)
        days.append(
            {"date": day, "is_today": day == today, "visits": [v for v in visits if v.date == day]}
        )
    familiar: dict[str, int] = {}
    for visit in visits:
        for a in visit.assignments.all():
            familiar[a.carer.name] = familiar.get(a.carer.name, 0) + 1
    plan = getattr(client, "care_plan", None)
    version = plan.agreed_version() if plan else None
    context = {
        "client": client,
        "days": days,
        "familiar": sorted(familiar.items(), key=lambda kv: (-kv[1], kv[0])),
        "version": version,
        "patterns": version.patterns.prefetch_related("tasks") if version else [],
        "representatives": client.representatives.select_related("user"),
        "can_release": can_release(request.user, client),
        # The plan panel shows what changed since this carer's last visit.
        "last_visit": last_visit_start(
            carer=carer_of(request.user), client=client, now=timezone.now()
        ),
    }
    return render(request, "rota/client_page.html", context)
