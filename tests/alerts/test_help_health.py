"""Help-call response times in circle health and on the team-leader home: the median time to
accept and the median time to arrive are each a part of the score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.alerts import services
from carecircle.alerts.models import HelpAlert
from carecircle.oversight import health

pytestmark = pytest.mark.usefixtures("on_call")


def _answered_call(people, *, accept_after: timedelta, arrive_after: timedelta) -> HelpAlert:
    t0 = timezone.now() - timedelta(hours=2)
    alert, _ = services.alert_raise(actor=people.client, client=people.edna, now=t0)
    offer = alert.offers.select_related("carer__user").first()
    services.offer_accept(actor=offer.carer.user, offer_id=offer.public_id, now=t0 + accept_after)
    services.alert_arrived(actor=offer.carer.user, alert_id=alert.public_id, now=t0 + arrive_after)
    return alert


def _parts(people, now):
    result = health.compute(people.riverside, now=now)
    return result, {p.key: p for p in result.parts}


def test_health_has_a_part_for_time_to_accept_and_one_for_time_to_arrive(people):
    _answered_call(people, accept_after=timedelta(seconds=90), arrive_after=timedelta(minutes=12))
    _, parts = _parts(people, timezone.now())
    assert parts["alert_accept"].value == pytest.approx(1.5)
    assert parts["alert_arrive"].value == pytest.approx(12.0)
    assert parts["alert_accept"].cost == 0 and parts["alert_arrive"].cost == 0


def test_a_slow_arrival_lowers_the_arrival_part_and_the_score(people):
    alert = _answered_call(
        people, accept_after=timedelta(seconds=60), arrive_after=timedelta(minutes=10)
    )
    now = timezone.now()
    fast, fast_parts = _parts(people, now)
    HelpAlert.objects.filter(pk=alert.pk).update(arrived_at=alert.raised_at + timedelta(minutes=46))
    slow, slow_parts = _parts(people, now)
    assert slow_parts["alert_arrive"].value == pytest.approx(46.0)
    assert slow_parts["alert_arrive"].cost == pytest.approx(46 - health.ARRIVE_TARGET_MINUTES)
    assert "46.0 minutes to arrive" in slow_parts["alert_arrive"].reason
    assert slow_parts["alert_arrive"].reason in slow.reasons
    # An even shift, so round-half-to-even in the score cannot blur it.
    assert slow.score == fast.score - (46 - health.ARRIVE_TARGET_MINUTES)
    assert slow_parts["alert_accept"].cost == fast_parts["alert_accept"].cost == 0


def test_a_slow_acceptance_lowers_the_score(people):
    _answered_call(people, accept_after=timedelta(minutes=9), arrive_after=timedelta(minutes=15))
    result, parts = _parts(people, timezone.now())
    assert parts["alert_accept"].value == pytest.approx(9.0)
    assert parts["alert_accept"].cost == pytest.approx((9 - health.ACCEPT_TARGET_MINUTES) * 2)
    assert parts["alert_accept"].reason in result.reasons


def test_no_calls_costs_nothing_and_says_so(people):
    _, parts = _parts(people, timezone.now())
    assert parts["alert_accept"].shown == "no calls yet" and parts["alert_accept"].cost == 0
    assert "alert_arrive" not in parts


def test_errors_reading_response_times_are_not_hidden(people, monkeypatch):
    from carecircle.alerts import selectors

    def broken(**kw):
        raise RuntimeError("response times unavailable")

    monkeypatch.setattr(selectors, "response_times", broken)
    with pytest.raises(RuntimeError, match="response times unavailable"):
        health.compute(people.riverside)


def test_the_team_leader_home_shows_the_median_times(client, people):
    _answered_call(
        people, accept_after=timedelta(seconds=95), arrive_after=timedelta(minutes=7, seconds=5)
    )
    client.force_login(people.team_leader)
    home = client.get(reverse("team_home")).content.decode()
    assert "Median to accept" in home and "Median to arrive" in home
    row = home[home.index("<td>Riverside</td>") :].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:]] == [
        "Riverside",
        "1",
        "1",
        "1 min 35 s",
        "7 min 05 s",
    ]
