"""The plans app's panels on other apps' pages (client page, team home)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from carecircle.circles.access import led_circles
from carecircle.plans.access import PlanAction, can
from carecircle.plans.models import OPEN_CHANGE_STATUSES, ChangeStatus, PlanChange
from carecircle.plans.selectors import changes_for_my_day, recent_changes
from carecircle.plans.services.restrictions import restrictions_overdue

register = template.Library()


@register.inclusion_tag("plans/_client_panel_body.html", takes_context=True)
def plan_client_panel(context, client, last_visit=None):
    """`last_visit`: when the viewing carer's last visit to the client began (the page that shows
    the panel reads it from the rota), or None."""
    user = context["request"].user
    changes, since, by_visit = recent_changes(
        client=client, last_visit=last_visit or None, now=timezone.now()
    )
    return {
        "client": client,
        "changes": changes,
        "since": since,
        "by_visit": by_visit,
        "open_count": PlanChange.objects.filter(
            plan__client=client, status__in=OPEN_CHANGE_STATUSES
        ).count(),
        "can_propose": can(user, PlanAction.PROPOSE, client),
    }


@register.inclusion_tag("plans/_team_panel_body.html", takes_context=True)
def plan_team_panel(context):
    user = context["request"].user
    circles = led_circles(user)
    waiting = list(
        PlanChange.objects.filter(plan__client__circle__in=circles, status=ChangeStatus.CONSENTED)
        .exclude(proposed_by=user)
        .select_related("plan__client", "pattern")[:10]
    )
    overdue = (
        restrictions_overdue(today=timezone.localdate()).filter(client__circle__in=circles).count()
    )
    return {"waiting": waiting, "overdue": overdue}


@register.inclusion_tag("plans/_my_day_panel_body.html")
def plan_my_day_panel(carer, days, last_visits=None):
    """`last_visits`: client id to when the carer's last visit to them began (from the rota)."""
    clients = {v.client.pk: v.client for day in days for v in day["visits"]}
    return {
        "changes": changes_for_my_day(clients=list(clients.values()), last_visits=last_visits or {})
    }
