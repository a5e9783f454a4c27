"""The visits app's panels on other apps' pages (the client page)."""

from __future__ import annotations

from django import template

from carecircle.people.models import Representative
from carecircle.visits.models import ArrivalNotice
from carecircle.visits.selectors import arrivals_for_client

register = template.Library()


@register.inclusion_tag("visits/_client_panel_body.html", takes_context=True)
def visits_client_panel(context, client):
    user = context["request"].user
    represents = Representative.objects.filter(user=user, client=client).exists()
    opted_in = represents and ArrivalNotice.objects.filter(user=user, client=client).exists()
    return {
        "client": client,
        "represents": represents,
        "opted_in": opted_in,
        "arrivals": arrivals_for_client(client=client) if opted_in else [],
        "csrf_token": context.get("csrf_token"),
    }
