"""Reads for help calls: what the client's page says, what a carer is asked, the live lists, and
response times per circle (shown on the team-leader home and fed to circle health)."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from carecircle.alerts.models import (
    ACTIVE_ALERT,
    AlertStatus,
    HelpAlert,
    HelpOffer,
    LiveEvent,
    OfferState,
)
from carecircle.circles.access import clients_visible_to


def status_text(alert: HelpAlert, *, now: datetime | None = None) -> str:
    """One sentence for the client and family: what is happening now."""
    now = now or timezone.now()
    name = alert.responder.user.first_name if alert.responder is not None else ""
    if alert.status == AlertStatus.OFFERING:
        asked = alert.offers.filter(state=OfferState.SENT).count()
        if asked:
            return "We are asking the carers nearest to you now. Someone will answer very soon."
        return "We are calling the team leaders now. Someone will answer very soon."
    if alert.status == AlertStatus.ACCEPTED:
        gone = int((now - alert.accepted_at).total_seconds() // 60) if alert.accepted_at else 0
        left = (alert.eta_minutes or 0) - gone
        if left < 1:
            return f"{name} is on the way and should be with you any moment."
        minutes = "1 minute" if left == 1 else f"{left} minutes"
        return f"{name} is on the way, about {minutes}."
    if alert.status == AlertStatus.ARRIVED:
        return f"{name} is with you."
    if alert.status == AlertStatus.RESOLVED:
        return f"Help came. {name}: {alert.get_outcome_display().lower()}."
    return f"Stood down: {alert.cancelled_reason or 'no longer needed'}."


def active_alert_for(client) -> HelpAlert | None:
    return (
        HelpAlert.objects.filter(client=client, status__in=ACTIVE_ALERT)
        .select_related("responder__user")
        .first()
    )


def active_alerts_in(circles) -> QuerySet[HelpAlert]:
    return (
        HelpAlert.objects.filter(circle__in=circles, status__in=ACTIVE_ALERT)
        .select_related("client", "circle", "responder__user")
        .order_by("raised_at")
    )


def open_offers_for(carer) -> QuerySet[HelpOffer]:
    return (
        HelpOffer.objects.filter(
            carer=carer, state=OfferState.SENT, alert__status=AlertStatus.OFFERING
        )
        .select_related("alert__client")
        .order_by("alert__raised_at")
    )


def responding(carer) -> QuerySet[HelpAlert]:
    return HelpAlert.objects.filter(
        responder=carer, status__in=(AlertStatus.ACCEPTED, AlertStatus.ARRIVED)
    ).select_related("client")


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def response_times(*, circle, since: datetime) -> dict:
    """Seconds from a call to a carer accepting, and to a carer arriving, for calls since
    `since`: count, how many were answered, medians and the slowest."""
    rows = list(
        HelpAlert.objects.filter(circle=circle, raised_at__gte=since)
        .exclude(status=AlertStatus.CANCELLED)
        .values_list("raised_at", "accepted_at", "arrived_at")
    )
    accept = [(a - r).total_seconds() for r, a, _ in rows if a]
    arrive = [(v - r).total_seconds() for r, _, v in rows if v]
    return {
        "calls": len(rows),
        "answered": len(accept),
        "median_accept_s": _median(accept),
        "max_accept_s": round(max(accept), 1) if accept else None,
        "median_arrive_s": _median(arrive),
        "max_arrive_s": round(max(arrive), 1) if arrive else None,
    }


def live_events_after(user, after: int, *, limit: int = 50) -> list[LiveEvent]:
    """The live events about clients whose record this person may open (a team leader's circles,
    a carer's circle, an informal carer's own people, the client, their representatives), newer
    than `after`. Decided by the client, never by the circle alone: a manager or an informal
    carer does not learn of other people's calls this way."""
    visible = clients_visible_to(user).values("pk")
    return list(LiveEvent.objects.filter(id__gt=after, client__in=visible).order_by("id")[:limit])


LATE_WINDOW = timedelta(seconds=30)


def live_events_late(user, upto: int, *, seen, now=None, limit: int = 50) -> list[LiveEvent]:
    """Events at or below `upto` that a stream has not sent yet: ids come from a sequence when a
    row is written, but a long transaction may commit its event after a later one was already
    streamed. Looking back over the last LATE_WINDOW catches those; `seen` holds the ids sent."""
    now = now or timezone.now()
    visible = clients_visible_to(user).values("pk")
    return list(
        LiveEvent.objects.filter(id__lte=upto, at__gte=now - LATE_WINDOW, client__in=visible)
        .exclude(id__in=list(seen))
        .order_by("id")[:limit]
    )


def last_live_id() -> int:
    last = LiveEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"
