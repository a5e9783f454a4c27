"""The escalation ladder and circle health: timers live in the database, so a worker that stops
and starts again picks up exactly where the clock says it should be."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from carecircle.notifications.models import Notification
from carecircle.oversight import health
from carecircle.oversight.escalations import escalation_resolve, escalation_take, uncovered_tick
from carecircle.oversight.jobs import run_jobs
from carecircle.oversight.models import Escalation, EscalationLevel, HealthSnapshot
from carecircle.people.models import Carer
from carecircle.rota.models import Assignment, Visit
from carecircle.rota.services import place_claim
from tests.factories import free_all_day, make_visit, next_week
from tests.workers import (
    kill_then_tick_twice,
    start_worker,
    tick_once_later,
    wait_for,
    worker_env,
)


def uncovered_visit(people, *, hours_ahead: float, name: str = "Lunch") -> Visit:
    return make_visit(people.arthur, timezone.now() + timedelta(hours=hours_ahead), name=name)


def test_a_place_uncovered_12_hours_ahead_goes_to_the_team_leaders_then_the_manager(
    people, settings, django_capture_on_commit_callbacks
):
    settings.ESCALATE_TEAM_LEADERS_HOURS, settings.ESCALATE_MANAGER_HOURS = 12, 4
    visit = uncovered_visit(people, hours_ahead=10)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        uncovered_tick(now=now)
    esc = Escalation.objects.get(key=f"visit:{visit.public_id}")
    assert esc.level == EscalationLevel.TEAM_LEADERS and esc.status == "open"
    assert (
        esc.owner == people.team_leader or esc.owner.memberships.filter(role="team_leader").exists()
    )
    assert Notification.objects.filter(user=esc.owner, subject__contains="Arthur").exists()
    # Running the tick again changes nothing: one escalation per visit.
    uncovered_tick(now=now)
    assert Escalation.objects.filter(key=f"visit:{visit.public_id}").count() == 1
    # Seven hours later it is 3 hours away: the manager owns it now.
    with django_capture_on_commit_callbacks(execute=True):
        uncovered_tick(now=now + timedelta(hours=7))
    esc.refresh_from_db()
    assert esc.level == EscalationLevel.MANAGER and esc.owner == people.manager
    assert [e.kind for e in esc.events.all()] == ["opened", "raised"]
    assert Notification.objects.filter(user=people.manager, urgent=True).exists()


def test_a_visit_further_ahead_is_left_to_the_circle(people):
    visit = uncovered_visit(people, hours_ahead=30)
    uncovered_tick()
    assert not Escalation.objects.filter(key=f"visit:{visit.public_id}").exists()


@pytest.mark.clock
def test_covering_the_place_resolves_the_escalation_with_who_covered(people):
    # 06:00 on a Tuesday in a week the demo has not rostered: the place (at 14:00) is for Dave to
    # take whatever day and hour the suite runs, with no visit of his own near it.
    with time_machine.travel(next_week(8, 6), tick=True):
        visit = uncovered_visit(people, hours_ahead=8)
        uncovered_tick()
        esc = Escalation.objects.get(key=f"visit:{visit.public_id}")
        dave = Carer.objects.get(user=people.carer2)
        free_all_day(dave, visit.date)
        place_claim(actor=people.carer2, visit_id=visit.public_id)
    esc.refresh_from_db()
    assert esc.status == "resolved" and dave.name in esc.resolution


def test_an_escalation_is_taken_and_resolved_with_a_reason(people):
    from django.core.exceptions import PermissionDenied, ValidationError

    visit = uncovered_visit(people, hours_ahead=8)
    uncovered_tick()
    esc = Escalation.objects.get(key=f"visit:{visit.public_id}")
    other_leader = (
        people.riverside.memberships.filter(role="team_leader").exclude(user=esc.owner).first().user
    )
    escalation_take(actor=other_leader, escalation_id=esc.public_id)
    esc.refresh_from_db()
    assert esc.owner == other_leader
    with pytest.raises(ValidationError):
        escalation_resolve(actor=other_leader, escalation_id=esc.public_id, resolution="  ")
    with pytest.raises((PermissionDenied, Exception)):
        escalation_resolve(actor=people.carer, escalation_id=esc.public_id, resolution="x")
    escalation_resolve(actor=other_leader, escalation_id=esc.public_id, resolution="Martin went")
    esc.refresh_from_db()
    assert esc.status == "resolved" and esc.resolved_by == other_leader
    assert [e.kind for e in esc.events.all()] == ["opened", "taken", "resolved"]


@pytest.mark.clock
def test_health_has_its_parts_and_a_gap_costs_points(people, demo_day):
    # Fixed to the start of the day the demo was built for, whatever the clock says: that day's
    # visits are on the demo's published rota on any day of the week (next week is not rostered
    # yet, and a session that ran past midnight is already in it).
    now = timezone.make_aware(datetime.combine(demo_day, time(0)))
    week = Visit.objects.filter(
        circle=people.riverside, window_start__gte=now, window_start__lt=now + timedelta(days=7)
    )
    # Start from a fully covered week: places nobody has are taken off the board.
    unfilled = [
        v.pk for v in week if v.assignments.filter(status="published").count() < v.carers_needed
    ]
    Visit.objects.filter(pk__in=unfilled).update(status="cancelled")
    before = health.compute(people.riverside, now=now)
    keys = {p.key for p in before.parts}
    assert {"coverage", "unfilled_hours", "overtime", "escalations"} <= keys
    parts = {p.key: p for p in before.parts}
    assert parts["coverage"].value == 100.0 and parts["unfilled_hours"].value == 0.0
    # Empty every place of today: coverage falls, unfilled hours rise, score drops.
    today = week.filter(window_start__lt=now + timedelta(days=1)).exclude(status="cancelled")
    assert today.exists()
    Assignment.objects.filter(visit__in=today).delete()
    after = health.compute(people.riverside, now=now)
    changed = {p.key: p for p in after.parts}
    assert changed["coverage"].value < 100.0 and changed["unfilled_hours"].value > 0
    assert after.score < before.score
    assert any("filled" in r for r in after.reasons)


def test_falling_below_the_threshold_escalates_to_the_manager_and_recovery_closes_it(
    people, settings
):
    settings.CIRCLE_HEALTH_THRESHOLD = 101  # nothing can reach it
    h = health.refresh(people.riverside)
    esc = Escalation.objects.get(circle=people.riverside, key="health", status="open")
    assert esc.level == EscalationLevel.MANAGER and esc.owner == people.manager
    assert esc.reasons == h.reasons
    assert HealthSnapshot.objects.filter(circle=people.riverside).exists()
    settings.CIRCLE_HEALTH_THRESHOLD = 0
    health.refresh(people.riverside)
    esc.refresh_from_db()
    assert esc.status == "resolved" and "Recovered" in esc.resolution


def test_the_sparkline_is_an_svg_of_numbers_only(people):
    now = timezone.now()
    points = [(now - timedelta(days=3), 90), (now - timedelta(days=1), 60), (now, 75)]
    svg = str(health.sparkline(points, threshold=70))
    assert svg.startswith("<svg") and "polyline" in svg and 'aria-label="Circle health' in svg


def test_the_team_leader_and_manager_homes_show_health_and_escalations(client, people):
    visit = uncovered_visit(people, hours_ahead=2)
    run_jobs()
    client.force_login(people.team_leader)
    page = client.get("/team/").content.decode()
    assert "Circle health" in page and "<svg" in page and "Arthur" in page
    client.force_login(people.manager)
    page = client.get("/manager/").content.decode()
    assert "Circle health" in page and str(visit.client) in page  # 2 h away: manager level


@pytest.mark.django_db(transaction=True)
def test_escalation_timers_survive_a_worker_restart(demo_live):
    """A worker process is killed and another started: the escalation that is due is made by the
    new process, exactly once. (Separate processes need a database they can share: PostgreSQL;
    on SQLite's in-memory test database the same steps run in this process.)"""
    people = demo_live
    visit = uncovered_visit(people, hours_ahead=6)
    kill_then_tick_twice()
    assert Escalation.objects.filter(key=f"visit:{visit.public_id}", status="open").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_ladder_started_by_one_worker_is_carried_on_by_a_fresh_one(demo_live):
    """Worker A opens the escalation for the team leaders (12 h before) and is killed; worker B,
    a new process seven hours later, raises it to the manager (4 h before) — once, with no second
    escalation and no message sent twice. On SQLite the same ticks run in this process."""
    people = demo_live
    visit = uncovered_visit(people, hours_ahead=10, name="Ladder check")
    key = f"visit:{visit.public_id}"
    env = worker_env({"ESCALATE_TEAM_LEADERS_HOURS": "12", "ESCALATE_MANAGER_HOURS": "4"})

    # Only this visit's messages: other open places of the demo may climb the ladder too.
    def told(**kw):
        return Notification.objects.filter(subject__icontains="ladder check", **kw)

    leaders = set(
        people.riverside.memberships.filter(role="team_leader").values_list("user", flat=True)
    )
    if connection.vendor == "postgresql":
        worker_a = start_worker(env)
        try:
            wait_for(
                lambda: told(user__in=leaders).count() >= len(leaders), what="worker A's ladder"
            )
        finally:
            worker_a.kill()  # SIGKILL mid-life: it was between ticks or in one
            worker_a.wait()
    else:
        tick_once_later(env, seconds=0)
    esc = Escalation.objects.get(key=key)
    assert esc.level == EscalationLevel.TEAM_LEADERS and esc.owner_id in leaders
    assert set(told().values_list("user", flat=True)) == leaders
    before = told().count()

    for _ in range(2):  # worker B, and B again: the second changes nothing
        tick_once_later(env, seconds=7 * 3600)
    assert Escalation.objects.filter(key=key).count() == 1
    esc.refresh_from_db()
    assert esc.level == EscalationLevel.MANAGER and esc.owner == people.manager
    assert [e.kind for e in esc.events.all()] == ["opened", "raised"]
    assert told(user=people.manager, urgent=True).count() == 1
    assert told(user__in=leaders).count() == before  # the team leaders were not told twice
    assert told().count() == before + 1


def test_run_circle_worker_once(people, capsys):
    call_command("run_circle_worker", "--once")
    assert "health" in capsys.readouterr().out


# ---------------------------------------------------------------------------- expiry


def started_visit(people, *, minutes_ago: int) -> Visit:
    when = timezone.now() - timedelta(minutes=minutes_ago)
    return make_visit(people.arthur, when, minutes=60, name="Lunch")


def test_the_tick_expires_offers_for_visits_that_have_started(people):
    from carecircle.oversight.escalations import escalation_open
    from carecircle.oversight.models import EscalationKind
    from carecircle.rota.models import CoverOffer, OfferStatus, SwapOffer

    ana, dave = Carer.objects.get(user=people.carer), Carer.objects.get(user=people.carer2)
    past = started_visit(people, minutes_ago=10)
    past2 = started_visit(people, minutes_ago=20)
    future = uncovered_visit(people, hours_ahead=30)
    open_swap = SwapOffer.objects.create(visit=past, from_carer=ana)
    waiting = SwapOffer.objects.create(
        visit=past2, from_carer=ana, taken_by=dave, status=OfferStatus.NEEDS_APPROVAL
    )
    esc, _ = escalation_open(
        circle=people.riverside,
        kind=EscalationKind.SWAP_APPROVAL,
        key=f"swap:{waiting.public_id}",
        subject="Dave would take Ana's visit",
        visit=past2,
    )
    cover = CoverOffer.objects.create(visit=past, carer=dave)
    later_swap = SwapOffer.objects.create(visit=future, from_carer=ana)
    later_cover = CoverOffer.objects.create(visit=future, carer=dave)

    out = run_jobs()
    assert out["escalations"]["offers_expired"] == 3
    for offer in (open_swap, waiting, cover):
        offer.refresh_from_db()
        assert offer.status == OfferStatus.EXPIRED and offer.answered_at is not None
    for offer in (later_swap, later_cover):
        offer.refresh_from_db()
        assert offer.status == OfferStatus.OPEN
    esc.refresh_from_db()
    assert esc.status == "resolved" and "expired" in esc.resolution and ana.name in esc.resolution
    # The next tick finds nothing left to do.
    assert run_jobs()["escalations"]["offers_expired"] == 0


def test_a_stale_swap_escalation_without_its_offer_is_closed_once_the_visit_starts(people):
    from carecircle.oversight.escalations import escalation_open, stale_close
    from carecircle.oversight.models import EscalationKind

    visit = uncovered_visit(people, hours_ahead=2)
    esc, _ = escalation_open(
        circle=people.riverside,
        kind=EscalationKind.SWAP_APPROVAL,
        key="swap:gone",
        subject="A swap",
        visit=visit,
    )
    assert stale_close(now=timezone.now())["stale_closed"] == 0
    assert stale_close(now=timezone.now() + timedelta(hours=2, minutes=1))["stale_closed"] == 1
    esc.refresh_from_db()
    assert esc.status == "resolved" and "no longer be approved" in esc.resolution
    assert esc.resolved_by is None and esc.events.last().kind == "resolved"


def test_an_uncovered_escalation_closes_when_the_visits_time_has_passed(people):
    visit = uncovered_visit(people, hours_ahead=2)  # 30 minutes long
    now = timezone.now()
    uncovered_tick(now=now)
    esc = Escalation.objects.get(key=f"visit:{visit.public_id}", status="open")
    # Started but not over: someone may still get there. (Only this visit's escalation is
    # looked at: the demo's own open places may pass in the same hours, whatever the time.)
    uncovered_tick(now=now + timedelta(hours=2, minutes=10))
    esc.refresh_from_db()
    assert esc.status == "open"
    assert uncovered_tick(now=now + timedelta(hours=2, minutes=31))["stale_closed"] >= 1
    esc.refresh_from_db()
    assert esc.status == "resolved" and "passed with 0 of 1 places filled" in esc.resolution
    # It does not open again for a visit in the past.
    uncovered_tick(now=now + timedelta(hours=3))
    assert Escalation.objects.filter(key=f"visit:{visit.public_id}").count() == 1
