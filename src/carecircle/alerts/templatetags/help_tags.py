"""The help-call parts of other apps' pages (client page, board, team-leader home, My day), as
inclusion tags so those views need not know about alerts."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html

from carecircle.alerts import selectors, services
from carecircle.circles.access import led_circles

register = template.Library()


@register.inclusion_tag("alerts/_help_client.html")
def help_client_panel(client, user):
    alert = selectors.active_alert_for(client)
    try:
        source = services.source_for(user, client)
    except PermissionDenied:
        source = None
    return {
        "client": client,
        "alert": alert,
        "status": selectors.status_text(alert) if alert else "",
        "can_call": source is not None,
        "is_self": client.user_id == user.pk,
    }


@register.inclusion_tag("alerts/_help_board.html")
def help_board_panel(circle):
    return {"alerts": [(a, selectors.status_text(a)) for a in selectors.active_alerts_in([circle])]}


@register.inclusion_tag("alerts/_help_team.html")
def help_team_panel(user):
    circles = list(led_circles(user).order_by("name"))
    since = timezone.now() - timedelta(days=30)
    times = []
    for circle in circles:
        t = selectors.response_times(circle=circle, since=since)
        t["accept"] = selectors.minutes(t["median_accept_s"])
        t["arrive"] = selectors.minutes(t["median_arrive_s"])
        times.append((circle, t))
    return {
        "alerts": [(a, selectors.status_text(a)) for a in selectors.active_alerts_in(circles)],
        "times": times,
    }


@register.inclusion_tag("alerts/_help_my_day.html")
def help_my_day_panel(carer):
    if carer is None:
        return {"offers": [], "responding": []}
    return {
        "offers": list(selectors.open_offers_for(carer)),
        "responding": [(a, selectors.status_text(a)) for a in selectors.responding(carer)],
    }


@register.simple_tag
def live_script():
    """The live-updates script, told how often to re-render and to poll when server-sent events
    fail (milliseconds)."""
    return format_html(
        '<script src="{}" data-refresh-ms="{}" data-poll-ms="{}" defer></script>',
        static("alerts/live.js"),
        settings.LIVE_REFRESH_SECONDS * 1000,
        settings.LIVE_FALLBACK_POLL_SECONDS * 1000,
    )
