"""The visits app's panels on other apps' pages (the client page)."""

from __future__ import annotations

from django import template
from django.db import transaction

from carecircle.circles.access import led_circles
from carecircle.people.models import Representative
from carecircle.safeguarding.services import audit_record
from carecircle.visits.models import ArrivalNotice
from carecircle.visits.selectors import arrivals_for_client, recent_records

register = template.Library()


@register.inclusion_tag("visits/_client_panel_body.html", takes_context=True)
def visits_client_panel(context, client):
    user = context["request"].user
    represents = Representative.objects.filter(user=user, client=client).exists()
    opted_in = represents and ArrivalNotice.objects.filter(user=user, client=client).exists()
    leads = user.is_superuser or led_circles(user).filter(pk=client.circle_id).exists()
    records = recent_records(client=client) if leads else []
    if records:
        with transaction.atomic():
            audit_record(
                actor=user,
                action="visit_records_listed",
                obj=client,
                client=client,
                detail={"records": len(records)},
            )
    return {
        "client": client,
        "records": records,
        "represents": represents,
        "opted_in": opted_in,
        "arrivals": arrivals_for_client(client=client) if opted_in else [],
        "csrf_token": context.get("csrf_token"),
    }
