"""Help now: raising a call, the ranked waves of offers, the first acceptance winning, arrival and
resolution, timers that escalate, and what the client's page says."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from carecircle.alerts import selectors, services
from carecircle.alerts.models import (
    AlertStatus,
    HelpAlert,
    HelpOffer,
    LiveEvent,
    OfferState,
)
from carecircle.circles.models import Escalation
from carecircle.notifications.models import Notification, NotificationPreference
from carecircle.people.models import Carer

# The circle's paid carers take calls off duty, so each call finds someone to ask at any hour
# (see tests/alerts/oncall.py; what happens at night when nobody does is in test_help_night.py).
pytestmark = pytest.mark.usefixtures("on_call")


def raise_for_edna(people, **kw) -> HelpAlert:
    alert, created = services.alert_raise(actor=people.client, client=people.edna, **kw)
    assert created
    return alert


def test_the_client_raises_a_call_and_the_best_three_are_asked_at_once(people):
    alert = raise_for_edna(people, kind="fall")
    assert alert.status == AlertStatus.OFFERING and alert.source == "client"
    offers = list(alert.offers.order_by("rank"))
    assert 1 <= len(offers) <= 3 and {o.wave for o in offers} == {1}
    # The offers follow the engine's ranking, each with an ETA and a reason.
    assert [str(o.carer.public_id) for o in offers] == [c["carer"] for c in alert.ranking][:3]
    assert all(o.eta_minutes >= 0 and o.reason for o in offers)
    for o in offers:
        note = Notification.objects.filter(user=o.carer.user).first()
        assert note.urgent and "Help now" in note.subject and str(alert.public_id) in note.url
    assert "asking the carers nearest" in selectors.status_text(alert)
    assert LiveEvent.objects.filter(client=people.edna, kind="raised").exists()


def test_only_people_who_may_see_the_client_can_call(people):
    with pytest.raises(PermissionDenied):
        services.alert_raise(actor=people.outsider, client=people.edna)
    with pytest.raises(PermissionDenied):
        services.alert_raise(actor=people.informal, client=people.edna)  # Pat helps only Arthur
    alert, _ = services.alert_raise(actor=people.representative, client=people.edna)
    assert alert.source == "representative"


def test_a_second_press_joins_the_open_call(people):
    alert = raise_for_edna(people)
    again, created = services.alert_raise(actor=people.representative, client=people.edna)
    assert again == alert and not created
    assert HelpAlert.objects.filter(client=people.edna).count() == 1


def test_informal_carers_avoided_carers_and_away_carers_are_never_asked(people):
    from carecircle.alerts.ranking import build_pool, rank

    pat = Carer.objects.get(user=people.informal)
    dave = Carer.objects.get(user=people.carer2)
    people.edna.avoid_carers.add(dave)
    NotificationPreference.objects.update_or_create(
        user=people.informal, defaults={"help_calls_off_duty": True}
    )
    pool = build_pool(people.edna, kind="help", now=timezone.now())
    ids = {c.id for c in rank(pool)}
    assert str(pat.public_id) not in ids  # Pat helps only Arthur
    assert str(dave.public_id) not in ids  # on Edna's avoid list


def test_the_first_to_accept_goes_and_the_others_are_told(people):
    alert = raise_for_edna(people)
    offers = list(alert.offers.select_related("carer__user"))
    first, *others = offers
    services.offer_accept(actor=first.carer.user, offer_id=first.public_id)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACCEPTED and alert.responder == first.carer
    name = first.carer.user.first_name
    assert re.match(
        rf"{name} is on the way(, about \d+ minutes?| and should be with you any moment)\.$",
        selectors.status_text(alert),
    )
    for o in others:
        o.refresh_from_db()
        assert o.state == OfferState.TAKEN
        assert Notification.objects.filter(user=o.carer.user, subject__contains=name).exists()
        with pytest.raises(ValidationError, match=f"{name} is already on the way"):
            services.offer_accept(actor=o.carer.user, offer_id=o.public_id)
    # The client and her attorney were told who is coming.
    assert Notification.objects.filter(user=people.representative, subject__contains=name).exists()


def test_a_decline_needs_a_reason_and_when_all_decline_the_next_wave_goes_at_once(people):
    alert = raise_for_edna(people)
    first_wave = list(alert.offers.select_related("carer__user"))
    with pytest.raises(ValidationError, match="reason"):
        services.offer_decline(
            actor=first_wave[0].carer.user, offer_id=first_wave[0].public_id, reason=""
        )
    for o in first_wave:
        services.offer_decline(actor=o.carer.user, offer_id=o.public_id, reason="too_far")
    alert.refresh_from_db()
    if len(alert.ranking) > len(first_wave):
        assert alert.wave == 2 and alert.offers.filter(wave=2, state=OfferState.SENT).exists()
    else:  # nobody left to ask: the team leaders have it
        assert Escalation.objects.filter(key=f"alert:{alert.public_id}").exists()
    assert HelpOffer.objects.get(pk=first_wave[0].pk).decline_reason == "too_far"


@override_settings(ALERT_WAVE_SIZE=1, ALERT_WAVE_SECONDS=30, ALERT_ESCALATE_SECONDS=120)
@override_settings(ALERT_MANAGER_SECONDS=300)
def test_timers_send_the_next_wave_then_escalate_to_team_leaders_then_the_manager(people):
    t0 = timezone.now()
    alert = services.alert_raise(actor=people.client, client=people.edna, now=t0)[0]
    assert alert.offers.count() == 1
    assert services.alerts_tick(now=t0 + timedelta(seconds=10)) == {
        "waves": 0,
        "escalated": 0,
        "late": 0,
        "errors": 0,
    }
    services.alerts_tick(now=t0 + timedelta(seconds=31))
    assert alert.offers.count() == min(2, len(alert.ranking))
    services.alerts_tick(now=t0 + timedelta(seconds=121))
    esc = Escalation.objects.get(key=f"alert:{alert.public_id}")
    assert esc.kind == "alert" and esc.level == 1 and esc.owner is not None
    assert "No carer has accepted in 2 min" in " ".join(esc.reasons)
    services.alerts_tick(now=t0 + timedelta(seconds=301))
    esc.refresh_from_db()
    assert esc.level == 2 and esc.owner == people.manager
    # Running the tick again changes nothing: timers are done once.
    before = alert.offers.count()
    services.alerts_tick(now=t0 + timedelta(seconds=302))
    assert alert.offers.count() == before and Escalation.objects.filter(key=esc.key).count() == 1
    # An acceptance at last closes the escalation with who went.
    offer = alert.offers.first()
    services.offer_accept(actor=offer.carer.user, offer_id=offer.public_id)
    esc.refresh_from_db()
    assert esc.status == "resolved" and "accepted" in esc.resolution


def test_arrival_and_resolution_with_outcome_notes_and_a_follow_up(people):
    alert = raise_for_edna(people)
    offer = alert.offers.first()
    carer_user = offer.carer.user
    services.offer_accept(actor=carer_user, offer_id=offer.public_id)
    with pytest.raises(PermissionDenied):
        services.alert_arrived(actor=people.representative, alert_id=alert.public_id)
    services.alert_arrived(actor=carer_user, alert_id=alert.public_id)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ARRIVED and selectors.status_text(alert).endswith(
        "is with you."
    )
    with pytest.raises(ValidationError, match="outcome"):
        services.alert_resolve(actor=carer_user, alert_id=alert.public_id, outcome="")
    services.alert_resolve(
        actor=carer_user,
        alert_id=alert.public_id,
        outcome="gp",
        notes="Dizzy after standing; GP rang back.",
        follow_up="Check blood pressure on morning visits",
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.outcome == "gp"
    # The follow-up is a proposed change to Edna's plan, waiting for her consent.
    change = alert.follow_up_change
    assert change is not None and change.kind == "add_task" and change.status == "proposed"
    assert change.title == "Check blood pressure on morning visits"
    assert "help call" in change.reason and change.proposed_by == carer_user
    times = selectors.response_times(circle=people.riverside, since=alert.raised_at)
    assert times["calls"] == 1 and times["answered"] == 1
    assert times["median_accept_s"] is not None and times["median_arrive_s"] is not None


def test_the_client_can_stand_a_call_down_and_everyone_asked_is_told(people):
    alert = raise_for_edna(people)
    asked = [o.carer.user for o in alert.offers.select_related("carer__user")]
    services.alert_cancel(
        actor=people.client, alert_id=alert.public_id, reason="Pressed by mistake"
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CANCELLED
    assert not alert.offers.filter(state=OfferState.SENT).exists()
    for user in asked:
        assert Notification.objects.filter(user=user, subject__contains="no longer needed").exists()
    with pytest.raises(ValidationError):
        services.alert_cancel(actor=people.client, alert_id=alert.public_id)


def test_pages_raise_accept_and_show_the_status(client, people):
    client.force_login(people.client)
    page = client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    assert "I need help now" in page
    confirm = client.get(reverse("help_confirm", args=[people.edna.public_id])).content.decode()
    assert "Yes, send help now" in confirm and "999" in confirm
    response = client.post(reverse("help_confirm", args=[people.edna.public_id]), {"kind": "fall"})
    alert = HelpAlert.objects.get(client=people.edna)
    assert response["Location"] == reverse("help_alert", args=[alert.public_id])
    offer = alert.offers.first()
    client.force_login(offer.carer.user)
    my_day = client.get(reverse("my_day")).content.decode()
    assert "Help needed now" in my_day
    response = client.post(reverse("help_offer_act", args=[offer.public_id, "accept"]))
    assert response.status_code == 302
    client.force_login(people.client)
    page = client.get(reverse("client_page", args=[people.edna.public_id])).content.decode()
    assert f"{offer.carer.user.first_name} is on the way" in page
    client.force_login(people.team_leader)
    home = client.get(reverse("team_home")).content.decode()
    assert "Help calls now" in home and "Median to accept" in home


def test_live_poll_and_stream_carry_the_events_of_my_circles(client, people):
    client.force_login(people.team_leader)
    start = client.get(reverse("live_poll")).json()["last"]
    raise_for_edna(people)
    data = client.get(reverse("live_poll"), {"after": start}).json()
    assert any("Edna needs help now" in e["text"] for e in data["events"])
    client.force_login(people.outsider)  # Hilltop: sees nothing of Riverside
    assert client.get(reverse("live_poll"), {"after": start}).json()["events"] == []
    client.force_login(people.team_leader)
    with override_settings(LIVE_STREAM_SECONDS=1):
        response = client.get(reverse("live_stream"), HTTP_LAST_EVENT_ID=str(start))
        body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"] == "text/event-stream"
    assert "event: alert" in body and "Edna needs help now" in body


def test_a_carer_opts_in_to_help_calls_off_duty_on_how_we_tell_you(client, people):
    NotificationPreference.objects.filter(user=people.carer).update(help_calls_off_duty=False)
    client.force_login(people.carer)
    page = client.get(reverse("notification_settings")).content.decode()
    assert "Ask me for help calls when I am off duty" in page
    client.post(reverse("notification_settings"), {"push": "on", "help_calls_off_duty": "on"})
    assert NotificationPreference.objects.get(user=people.carer).help_calls_off_duty
    client.force_login(people.manager)  # not a carer: not asked
    assert "help calls" not in client.get(reverse("notification_settings")).content.decode()


def test_a_carer_checked_in_on_a_two_carer_visit_is_not_asked_and_a_check_out_frees_them(
    people,
):
    from carecircle.alerts.ranking import build_pool, rank
    from carecircle.rota.models import Visit
    from carecircle.visits.models import VisitRecord

    ana = Carer.objects.get(user=people.carer)
    now = timezone.now()
    hoisting = Visit.objects.create(
        client=people.margaret,
        circle=people.riverside,
        name="Hoist transfer",
        date=timezone.localdate(),
        window_start=now - timedelta(hours=3),
        window_end=now - timedelta(hours=3),
        start=now - timedelta(hours=3),
        duration_minutes=30,
        carers_needed=2,
    )
    record = VisitRecord.objects.create(
        visit=hoisting, carer=ana, client=people.margaret, checked_in_at=now - timedelta(minutes=5)
    )
    ranked = {c.id: c for c in rank(build_pool(people.edna, kind="help", now=now))}
    assert str(ana.public_id) not in ranked  # still checked in on a two-carer visit
    record.checked_out_at = now - timedelta(minutes=1)
    record.check_out_lat, record.check_out_lon = people.edna.latitude, people.edna.longitude
    record.save()
    ranked = {c.id: c for c in rank(build_pool(people.edna, kind="help", now=now))}
    assert ranked[str(ana.public_id)].eta_minutes <= 10  # at Edna's door: ready, no travel


def test_old_live_events_are_pruned_by_the_tick(people):
    from carecircle.circles.ticks import tick

    alert = raise_for_edna(people)
    LiveEvent.objects.update(at=timezone.now() - timedelta(days=2))
    services.live(alert, "raised", "fresh")
    out = tick()
    assert out["live_pruned"] >= 1 and list(LiveEvent.objects.values_list("text", flat=True)) == [
        "fresh"
    ]


# --- found in review -------------------------------------------------------------------------


def test_standing_down_after_an_accept_gives_the_responder_their_visits_back(people):
    from carecircle.rota.models import Assignment, Visit

    alert = raise_for_edna(people)
    offer = alert.offers.select_related("carer__user").first()
    now = timezone.now()
    soon = now + timedelta(minutes=45)
    visit = Visit.objects.create(
        client=people.arthur,
        circle=people.riverside,
        name="Lunch",
        date=timezone.localdate(soon),
        window_start=soon,
        window_end=soon,
        start=soon,
        duration_minutes=30,
    )
    Assignment.objects.create(visit=visit, carer=offer.carer, status="published")
    services.offer_accept(actor=offer.carer.user, offer_id=offer.public_id, now=now)
    alert.refresh_from_db()
    assert alert.cover_absence is not None
    assert not visit.assignments.filter(carer=offer.carer).exists()  # given to the circle
    services.alert_cancel(
        actor=people.client, alert_id=alert.public_id, reason="Pressed by mistake"
    )
    alert.cover_absence.refresh_from_db()
    assert alert.cover_absence.withdrawn_at is not None
    assert visit.assignments.filter(carer=offer.carer, status="published").exists()


@override_settings(ALERT_LATE_GRACE_MINUTES=10)
def test_a_responder_not_there_by_the_eta_goes_to_the_team_leaders_once_and_arrival_closes_it(
    people,
):
    t0 = timezone.now()
    alert = services.alert_raise(actor=people.client, client=people.edna, now=t0)[0]
    offer = alert.offers.select_related("carer__user").first()
    services.offer_accept(actor=offer.carer.user, offer_id=offer.public_id, now=t0)
    alert.refresh_from_db()
    late = t0 + timedelta(minutes=alert.eta_minutes + 11)
    assert "any moment" in selectors.status_text(alert, now=late)
    assert services.alerts_tick(now=late)["late"] == 1
    esc = Escalation.objects.get(key=f"alert:{alert.public_id}", status="open")
    assert "has not reached" in esc.subject and esc.level == 1
    assert services.alerts_tick(now=late + timedelta(minutes=5))["late"] == 0
    services.alert_arrived(actor=offer.carer.user, alert_id=alert.public_id)
    esc.refresh_from_db()
    assert esc.status == "resolved" and "arrived" in esc.resolution


def test_the_manager_at_the_top_of_the_ladder_can_open_and_stand_down_a_call(client, people):
    alert = raise_for_edna(people)
    client.force_login(people.manager)
    assert client.get(reverse("help_alert", args=[alert.public_id])).status_code == 200
    services.alert_cancel(actor=people.manager, alert_id=alert.public_id, reason="Family there")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CANCELLED


def test_the_live_feed_carries_only_calls_of_clients_the_person_may_open(client, people):
    start = LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    raise_for_edna(people)
    for who in (people.informal, people.manager, people.safeguarding, people.outsider):
        client.force_login(who)
        assert client.get(reverse("live_poll"), {"after": start}).json()["events"] == [], who
    client.force_login(people.representative)
    assert client.get(reverse("live_poll"), {"after": start}).json()["events"]


def test_a_second_press_adds_what_it_knows_and_is_audited(people):
    from carecircle.audit.models import AuditEvent

    alert = raise_for_edna(people)
    again, created = services.alert_raise(
        actor=people.representative, client=people.edna, kind="fall", message="On the floor"
    )
    again.refresh_from_db()
    assert not created and again.kind == "fall" and "On the floor" in again.message
    assert AuditEvent.objects.filter(action="alert_pressed_again", object_id=str(alert.public_id))


def test_the_carer_who_calls_is_not_asked_to_go(people):
    ana = Carer.objects.get(user=people.carer)
    alert, _ = services.alert_raise(actor=people.carer, client=people.edna)
    assert str(ana.public_id) not in [c["carer"] for c in alert.ranking]


def test_one_failing_call_does_not_stop_the_others_in_the_tick(people, monkeypatch):
    from carecircle.alerts.services import raising

    t0 = timezone.now() - timedelta(minutes=10)
    edna = services.alert_raise(actor=people.client, client=people.edna, now=t0)[0]
    arthur = services.alert_raise(actor=people.team_leader, client=people.arthur, now=t0)[0]
    real = raising._tick_one

    def flaky(pk, **kw):
        if pk == edna.pk:
            raise RuntimeError("boom")
        return real(pk, **kw)

    monkeypatch.setattr(raising, "_tick_one", flaky)
    counts = services.alerts_tick()
    assert counts["errors"] == 1
    assert Escalation.objects.filter(key=f"alert:{arthur.public_id}").exists()
