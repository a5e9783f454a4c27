"""Help now pages: the confirm step after "I need help now", the call's own page (status for the
client and family; accept/decline for an asked carer; arrived/resolved for the responder; the
offers and timeline for team leaders), and the live stream the boards listen to.

Every page works without JavaScript (a basic phone): plain forms, and the call's page refreshes
itself while the call is open."""

from __future__ import annotations

import asyncio
import json
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carecircle.alerts import selectors, services
from carecircle.alerts.access import access_alert
from carecircle.alerts.models import (
    AlertKind,
    AlertOutcome,
    AlertStatus,
    DeclineReason,
    HelpOffer,
    OfferState,
)
from carecircle.circles.access import access_client
from carecircle.core.form_errors import say_errors
from carecircle.people.access import carer_of

# The call or offer a page is about: its messages need no field name.
UNLABELLED = ("visit", "offer")


@login_required
def help_confirm(request: HttpRequest, client_id) -> HttpResponse:
    client = access_client(request.user, client_id)
    services.source_for(request.user, client)  # 403 for anyone who may not call
    active = selectors.active_alert_for(client)
    if active is not None:
        return redirect("help_alert", active.public_id)
    if request.method == "POST":
        try:
            alert, _created = services.alert_raise(
                actor=request.user,
                client=client,
                kind=request.POST.get("kind", AlertKind.HELP),
                message=request.POST.get("message", ""),
            )
        except ValidationError as exc:
            say_errors(request, exc, unlabelled=UNLABELLED)
        else:
            return redirect("help_alert", alert.public_id)
    return render(
        request,
        "alerts/help_confirm.html",
        {
            "client": client,
            "kinds": AlertKind.choices,
            "is_self": client.user_id == request.user.pk,
        },
    )


@login_required
def help_alert(request: HttpRequest, alert_id) -> HttpResponse:
    alert = access_alert(request.user, alert_id)
    carer = carer_of(request.user)
    my_offer = alert.offers.filter(carer=carer).first() if carer else None
    is_responder = carer is not None and alert.responder_id == carer.pk
    manages = services._may_manage(request.user, alert)
    context = {
        "alert": alert,
        "status": selectors.status_text(alert),
        "my_offer": my_offer,
        "offer_open": my_offer is not None
        and my_offer.state in (OfferState.SENT, OfferState.DECLINED)
        and alert.status == AlertStatus.OFFERING,
        "is_responder": is_responder,
        "manages": manages,
        "can_act": is_responder or manages,
        "can_cancel": alert.status in (AlertStatus.OFFERING, AlertStatus.ACCEPTED)
        and (
            manages
            or alert.raised_by_id == request.user.pk
            or alert.client.user_id == request.user.pk
            or alert.client.representatives.filter(user=request.user).exists()
        ),
        "offers": alert.offers.select_related("carer__user") if manages else [],
        "decline_reasons": DeclineReason.choices,
        "outcomes": AlertOutcome.choices,
        "refresh": alert.active,
    }
    return render(request, "alerts/help_alert.html", context)


@login_required
@require_POST
def help_offer_act(request: HttpRequest, offer_id, action: str) -> HttpResponse:
    if action not in ("accept", "decline"):
        raise Http404("No such action.")
    try:
        if action == "accept":
            alert = services.offer_accept(actor=request.user, offer_id=offer_id)
            messages.success(
                request,
                _("Thank you. %(name)s and the family are told you are on the way.")
                % {"name": alert.client.first_name},
            )
            return redirect("help_alert", alert.public_id)
        offer = services.offer_decline(
            actor=request.user,
            offer_id=offer_id,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
        if offer.state == OfferState.DECLINED:
            messages.success(request, _("Thank you for answering; others are being asked."))
        else:
            messages.info(request, _("This call no longer needs you. Thank you."))
        return redirect("help_alert", offer.alert.public_id)
    except ValidationError as exc:
        say_errors(request, exc, unlabelled=UNLABELLED)

        offer = HelpOffer.objects.filter(public_id=offer_id).select_related("alert").first()
        return redirect("help_alert", offer.alert.public_id) if offer else redirect("home")


@login_required
@require_POST
def help_alert_act(request: HttpRequest, alert_id, action: str) -> HttpResponse:
    if action not in ("arrived", "resolve", "cancel"):
        raise Http404("No such action.")
    try:
        if action == "arrived":
            services.alert_arrived(actor=request.user, alert_id=alert_id)
            messages.success(request, _("Marked: you are with them."))
        elif action == "resolve":
            services.alert_resolve(
                actor=request.user,
                alert_id=alert_id,
                outcome=request.POST.get("outcome", ""),
                notes=request.POST.get("notes", ""),
                follow_up=request.POST.get("follow_up", ""),
            )
            messages.success(request, _("Resolved and recorded. Thank you."))
        else:
            services.alert_cancel(
                actor=request.user, alert_id=alert_id, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The call is stood down; everyone asked has been told."))
    except ValidationError as exc:
        say_errors(request, exc, unlabelled=UNLABELLED)
    return redirect("help_alert", alert_id)


# --- live updates ---------------------------------------------------------------------------------


# How often one open stream looks for new events: one small indexed query per screen.
LIVE_POLL_SECONDS = 2


def _event_payload(e) -> str:
    data = json.dumps({"id": e.id, "kind": e.kind, "text": e.text, "at": e.at.isoformat()})
    return f"id: {e.id}\nevent: alert\ndata: {data}\n\n"


def _start_id(request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or ""
    try:
        return max(0, int(raw))
    except ValueError:
        return selectors.last_live_id()


class _Cursor:
    """Where one stream is: the newest id sent, and the ids sent lately, so an event whose
    transaction committed after a newer one was streamed is still sent (once)."""

    def __init__(self, after: int):
        self.last = after
        self.seen: dict[int, float] | None = None

    def next_events(self, user) -> list:
        if self.seen is None:  # what was already there when the stream began counts as sent
            began = time.monotonic()
            old = selectors.live_events_late(user, self.last, seen=()) if self.last else []
            self.seen = {e.id: began for e in old}
        fresh = selectors.live_events_after(user, self.last)
        late = selectors.live_events_late(user, self.last, seen=self.seen) if self.last else []
        events = sorted(late + fresh, key=lambda e: e.id)
        now = time.monotonic()
        for e in events:
            self.seen[e.id] = now
            self.last = max(self.last, e.id)
        horizon = now - 2 * selectors.LATE_WINDOW.total_seconds()
        self.seen = {k: v for k, v in self.seen.items() if v >= horizon}
        return events


@login_required
@require_GET
def live_stream(request: HttpRequest):
    """Server-sent events for one connection lasting LIVE_STREAM_SECONDS; the browser's
    EventSource reconnects by itself with Last-Event-ID, so nothing is missed in between. Events
    come from the database, so every web process streams the same."""
    user = request.user
    after = _start_id(request)
    lasting = settings.LIVE_STREAM_SECONDS
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

    if isinstance(request, ASGIRequest):

        async def stream_async():
            cursor, ends = _Cursor(after), time.monotonic() + lasting
            yield f"retry: 2000\nid: {cursor.last}\n\n"
            while time.monotonic() < ends:
                events = await sync_to_async(cursor.next_events)(user)
                for e in events:
                    yield _event_payload(e)
                if not events:
                    yield ": ping\n\n"  # keeps proxies from closing a quiet stream
                await asyncio.sleep(LIVE_POLL_SECONDS)

        body = stream_async()
    else:

        def stream_sync():
            cursor, ends = _Cursor(after), time.monotonic() + lasting
            yield f"retry: 2000\nid: {cursor.last}\n\n"
            while time.monotonic() < ends:
                events = cursor.next_events(user)
                for e in events:
                    yield _event_payload(e)
                if not events:
                    yield ": ping\n\n"
                time.sleep(LIVE_POLL_SECONDS)

        body = stream_sync()
    return StreamingHttpResponse(body, content_type="text/event-stream", headers=headers)


@login_required
@require_GET
def live_poll(request: HttpRequest) -> JsonResponse:
    """The fallback for browsers without EventSource (or behind a proxy that buffers)."""
    after = _start_id(request)
    events = selectors.live_events_after(request.user, after)
    last = events[-1].id if events else max(after, 0)
    return JsonResponse(
        {
            "last": last,
            "events": [{"id": e.id, "kind": e.kind, "text": e.text} for e in events],
            "at": timezone.now().isoformat(),
        }
    )
