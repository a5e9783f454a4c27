"""The plans app's panels on other apps' pages (client page, team home)."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("plans/_client_panel_body.html", takes_context=True)
def plan_client_panel(context, client):
    from carecircle.plans.access import PlanAction, can
    from carecircle.plans.models import OPEN_CHANGE_STATUSES, PlanChange
    from carecircle.plans.selectors import recent_changes

    user = context["request"].user
    changes, since, by_visit = recent_changes(user=user, client=client, now=timezone.now())
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
    from carecircle.circles.access import led_circles
    from carecircle.plans.models import ChangeStatus, PlanChange
    from carecircle.plans.services.restrictions import restrictions_overdue

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
def plan_my_day_panel(carer, days):
    from carecircle.plans.selectors import changes_for_my_day

    clients = {v.client.pk: v.client for day in days for v in day["visits"]}
    return {"changes": changes_for_my_day(carer=carer, clients=list(clients.values()))}
