"""Live updates: every step of a call leaves a LiveEvent row (what the server-sent-events stream
and the polling fallback read), the circle board's help panel renders the open calls, the async
stream sends an event as it happens, and the live script is told its intervals."""

from __future__ import annotations

import asyncio
import html

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.template import Context, Template
from django.test import AsyncClient
from django.urls import reverse

from carecircle.alerts import selectors, services
from carecircle.alerts.models import LiveEvent

pytestmark = pytest.mark.usefixtures("on_call")


def _raise(people):
    alert, _ = services.alert_raise(actor=people.client, client=people.edna, kind="fall")
    return alert, alert.offers.select_related("carer__user").first()


def test_accepted_arrived_and_resolved_each_leave_a_live_event_for_the_circle(people):
    start = selectors.last_live_id()
    alert, offer = _raise(people)
    name = offer.carer.user.first_name
    services.offer_accept(actor=offer.carer.user, offer_id=offer.public_id)
    services.alert_arrived(actor=offer.carer.user, alert_id=alert.public_id)
    services.alert_resolve(actor=offer.carer.user, alert_id=alert.public_id, outcome="gp")
    events = [
        (e.kind, e.text)
        for e in LiveEvent.objects.filter(id__gt=start, client=people.edna).order_by("id")
    ]
    assert ("accepted", f"{name} is on the way to Edna.") in events
    assert ("arrived", f"{name} is with Edna.") in events
    assert ("resolved", "Help for Edna: gp called.") in events
    kinds = [k for k, _ in events]
    assert kinds.index("raised") < kinds.index("accepted") < kinds.index("arrived")
    assert kinds.index("arrived") < kinds.index("resolved")
    # The team leader's stream reads them; the outsider's does not.
    seen = [e.kind for e in selectors.live_events_after(people.team_leader, start)]
    assert {"accepted", "arrived", "resolved"} <= set(seen)
    assert selectors.live_events_after(people.outsider, start) == []


def test_the_circle_board_help_panel_lists_open_calls_with_their_status(client, people):
    render = Template("{% load help_tags %}{% help_board_panel circle %}").render
    empty = render(Context({"circle": people.riverside}))
    assert 'id="help-board"' in empty and "data-live-panel" in empty
    assert "Help calls now" not in empty
    alert, offer = _raise(people)
    panel = html.unescape(render(Context({"circle": people.riverside})))
    assert "Help calls now" in panel and "Edna Clarke" in panel and "Has fallen" in panel
    assert reverse("help_alert", args=[alert.public_id]) in panel
    assert "We are asking the carers nearest to you now." in panel
    services.offer_accept(actor=offer.carer.user, offer_id=offer.public_id)
    panel = html.unescape(render(Context({"circle": people.riverside})))
    assert f"{offer.carer.user.first_name} is on the way" in panel
    # Another circle's board shows nothing of Edna.
    assert "Edna" not in render(Context({"circle": people.hilltop}))
    # On the real board page, for Priya.
    client.force_login(people.team_leader)
    page = client.get(reverse("circle_board", args=[people.riverside.public_id])).content.decode()
    assert 'id="help-board"' in page and "Edna Clarke" in page


def test_the_live_script_is_told_its_intervals(people, settings):
    settings.LIVE_REFRESH_SECONDS, settings.LIVE_FALLBACK_POLL_SECONDS = 600, 3
    out = Template("{% load help_tags %}{% live_script %}").render(Context({}))
    assert 'data-refresh-ms="600000"' in out and 'data-poll-ms="3000"' in out
    assert "alerts/live.js" in out


def test_the_async_stream_sends_an_event_as_it_happens(people, settings):
    """Through the ASGI path (AsyncClient): the stream opens, a call is raised, and the event
    arrives on the open stream within a few seconds."""
    settings.LIVE_STREAM_SECONDS = 10
    client = AsyncClient()
    client.force_login(people.team_leader)
    start = selectors.last_live_id()

    async def read_until(chunks, needle: str, seconds: float) -> str:
        seen = ""
        loop = asyncio.get_running_loop()
        ends = loop.time() + seconds
        while needle not in seen:
            left = ends - loop.time()
            if left <= 0:
                break
            try:
                chunk = await asyncio.wait_for(anext(chunks), timeout=left)
            except (TimeoutError, StopAsyncIteration):
                break
            seen += chunk.decode() if isinstance(chunk, bytes) else chunk
        return seen

    async def scenario():
        response = await client.get(reverse("live_stream"), headers={"Last-Event-ID": str(start)})
        assert response["Content-Type"] == "text/event-stream"
        assert response.is_async  # the ASGI branch of the view
        chunks = aiter(response.streaming_content)
        opening = await read_until(chunks, "\n\n", 5)
        assert opening.startswith("retry: 2000") and f"id: {start}" in opening
        await sync_to_async(_raise)(people)
        body = await read_until(chunks, "needs help now", 8)
        await response.streaming_content.aclose()
        return body

    body = async_to_sync(scenario)()
    assert "event: alert" in body and "Edna needs help now." in body
    raised = LiveEvent.objects.get(id__gt=start, kind="raised", client=people.edna)
    assert f"id: {raised.id}\n" in body


def test_an_event_committed_late_with_a_lower_id_is_still_streamed_once(people):
    """Ids come from a sequence at insert; a long transaction can commit its event after a newer
    one was streamed. The stream looks back and sends it, once; what was there when the stream
    began is not sent again."""
    from django.utils import timezone

    from carecircle.alerts.help_views import _Cursor

    def event(text, **kw):
        return LiveEvent.objects.create(
            circle=people.riverside,
            client=people.edna,
            kind="raised",
            text=text,
            at=timezone.now(),
            **kw,
        )

    first, gap, second = event("first"), event("gap"), event("second")
    gap_id = gap.pk
    gap.delete()  # its transaction has not committed yet
    cursor = _Cursor(second.pk)
    assert cursor.next_events(people.team_leader) == []  # first and second were already there
    late = event("late", id=gap_id)  # now it commits, below the cursor
    assert [e.pk for e in cursor.next_events(people.team_leader)] == [late.pk]
    assert cursor.next_events(people.team_leader) == []
    newer = event("newer")
    assert [e.pk for e in cursor.next_events(people.team_leader)] == [newer.pk]
    assert first.pk < late.pk < second.pk
