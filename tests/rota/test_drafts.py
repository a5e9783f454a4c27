"""Drafting a week with the rota engine, through the product: ask, solve in the background,
review, publish. Every engine plan is checked by the engine's independent checker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from carecircle import engine
from carecircle.rota.engine_adapter import build_circle_week
from carecircle.rota.models import Assignment, AssignmentStatus, DraftStatus, RotaDraft, Visit
from carecircle.rota.selectors import week_start
from carecircle.rota.services import (
    rota_draft_publish,
    rota_draft_request,
    rota_draft_solve,
)


@pytest.fixture(autouse=True)
def quick_solver(settings):
    settings.ROTA_TIME_LIMIT_S = 3


def next_monday():
    return week_start(timezone.localdate()) + timedelta(days=7)


def test_problem_for_next_week_holds_every_visit_and_no_fixed_places(people):
    week = build_circle_week(circle=people.riverside, week_start=next_monday(), now=timezone.now())
    assert (
        len(week.problem.visits)
        == Visit.objects.filter(
            circle=people.riverside, date__range=(next_monday(), next_monday() + timedelta(days=6))
        ).count()
    )
    assert week.problem.fixed == ()
    pat = next(c for c in week.problem.carers if week.carers[c.id].user.username == "pat")
    assert pat.only_clients == frozenset({str(people.arthur.public_id)})
    tom = next(c for c in week.problem.carers if week.carers[c.id].user.username == "tom")
    arthur = next(c for c in week.problem.clients if c.id == str(people.arthur.public_id))
    assert tom.id in arthur.avoid
    assert sum(arthur.history.values()) > 50  # four weeks of visits to Arthur


def test_a_draft_is_solved_checked_and_explained(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        draft = rota_draft_request(
            actor=people.team_leader, circle_id=people.riverside.public_id, week_start=next_monday()
        )
    draft = rota_draft_solve(draft_id=draft.pk)
    assert draft.status == DraftStatus.READY, draft.error
    assert draft.solver_status in ("optimal", "feasible")
    rows = Assignment.objects.filter(draft=draft)
    assert rows.exists() and all(a.status == AssignmentStatus.DRAFT for a in rows)
    assert all(a.why for a in rows)
    # Nothing of Tom's at Arthur's: the avoid list is a hard rule.
    assert not rows.filter(carer__user__username="tom", visit__client=people.arthur).exists()
    for gap in draft.unfilled:
        assert gap["reason"]


def test_publishing_makes_the_draft_the_rota(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        draft = rota_draft_request(
            actor=people.carer, circle_id=people.riverside.public_id, week_start=next_monday()
        )
    rota_draft_solve(draft_id=draft.pk)
    with django_capture_on_commit_callbacks(execute=True):
        rota_draft_publish(actor=people.team_leader, draft_id=draft.public_id)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PUBLISHED
    assert not Assignment.objects.filter(draft=draft, status=AssignmentStatus.DRAFT).exists()
    with pytest.raises(ValidationError):
        rota_draft_publish(actor=people.team_leader, draft_id=draft.public_id)


def test_replanning_never_changes_the_past_or_the_published(
    people, django_capture_on_commit_callbacks
):
    this_week = week_start(timezone.localdate())
    before = set(
        Assignment.objects.filter(
            visit__date__range=(this_week, this_week + timedelta(days=6))
        ).values_list("visit_id", "carer_id")
    )
    with django_capture_on_commit_callbacks(execute=False):
        draft = rota_draft_request(
            actor=people.team_leader, circle_id=people.riverside.public_id, week_start=this_week
        )
    draft = rota_draft_solve(draft_id=draft.pk)
    assert draft.status == DraftStatus.READY, draft.error
    after = set(
        Assignment.objects.filter(
            visit__date__range=(this_week, this_week + timedelta(days=6)), status="published"
        ).values_list("visit_id", "carer_id")
    )
    assert after == before
    assert not Assignment.objects.filter(
        draft=draft, visit__window_start__lt=timezone.now()
    ).exists()


def test_bad_weeks_are_refused_with_the_field(people):
    with pytest.raises(ValidationError) as err:
        rota_draft_request(
            actor=people.team_leader,
            circle_id=people.riverside.public_id,
            week_start=next_monday() + timedelta(days=1),
        )
    assert "week" in err.value.message_dict
    with pytest.raises(ValidationError):
        rota_draft_request(
            actor=people.team_leader,
            circle_id=people.riverside.public_id,
            week_start=next_monday() - timedelta(days=14),
        )


def test_a_second_request_joins_the_open_draft(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = rota_draft_request(
            actor=people.team_leader, circle_id=people.riverside.public_id, week_start=next_monday()
        )
        second = rota_draft_request(
            actor=people.carer, circle_id=people.riverside.public_id, week_start=next_monday()
        )
    assert first.pk == second.pk


def test_the_database_worker_claims_and_solves_the_draft(client, demo_live):
    # committed rows, as in production: the worker claims the task in its own transaction
    people = demo_live
    client.force_login(people.team_leader)
    response = client.post(
        reverse("rota_draft_request", args=[people.riverside.public_id]),
        {"week": next_monday().isoformat()},
    )
    draft = RotaDraft.objects.get(circle=people.riverside, week_start=next_monday())
    assert response["Location"] == reverse("rota_draft", args=[draft.public_id])
    assert draft.status == DraftStatus.QUEUED
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0.1)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY, draft.error
    page = client.get(reverse("rota_draft", args=[draft.public_id])).content.decode()
    assert "Who goes where, and why" in page and "Publish this rota" in page


def test_the_engine_sees_the_week_the_clocks_go_back_as_local_days(people):
    from datetime import date

    from carecircle.rota.services import visits_generate

    monday = date(2026, 10, 19)  # Sunday 25 October 2026 has 25 hours
    for client in (people.edna,):
        visits_generate(
            actor=None,
            version=client.care_plan.agreed_version(),
            start=monday,
            end=monday + timedelta(days=6),
        )
    week = build_circle_week(
        circle=people.riverside, week_start=monday, now=timezone.now() - timedelta(days=400)
    )
    starts = week.problem.day_starts
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [1440] * 5 + [1440]
    sunday_bed = next(
        v
        for v in week.problem.visits
        if week.visits[v.id].name == "Going to bed" and week.visits[v.id].date == date(2026, 10, 25)
    )
    # 20:30 local on the 25-hour Sunday is 6 days, 20.5 hours and one extra hour after Monday 00:00.
    assert sunday_bed.earliest_start == 6 * 1440 + 20 * 60 + 30 + 60
    solution = engine.solve(
        week.problem, engine.Settings(time_limit_s=3, workers=2, deterministic=True)
    )
    assert engine.check(week.problem, solution) == []


def test_a_draft_never_books_a_carer_who_is_busy_in_another_circle(
    people, django_capture_on_commit_callbacks
):
    from datetime import datetime, time

    from carecircle.people.models import Carer, Client
    from tests.rota.test_selfmanage import join_hilltop, make_visit

    ana = Carer.objects.get(user=people.carer)
    join_hilltop(people.carer)
    tuesday = next_monday() + timedelta(days=1)  # a day Ana works (the engine gives her 07:00)
    tz = timezone.get_current_timezone()
    busy_from = datetime.combine(tuesday, time(6), tz)
    hilltop_client = Client.objects.filter(circle=people.hilltop).first()
    make_visit(hilltop_client, busy_from, minutes=6 * 60, carer=ana, name="Day out")
    busy_to = busy_from + timedelta(hours=6)
    with django_capture_on_commit_callbacks(execute=False):
        draft = rota_draft_request(
            actor=people.team_leader, circle_id=people.riverside.public_id, week_start=next_monday()
        )
    draft = rota_draft_solve(draft_id=draft.pk)
    assert draft.status == DraftStatus.READY, draft.error
    ana_rows = Assignment.objects.filter(draft=draft, carer=ana).select_related("visit")
    assert ana_rows.exists()  # she still works for Riverside that week
    for a in ana_rows:
        start = a.visit.start or a.visit.window_start
        end = start + timedelta(minutes=a.visit.duration_minutes)
        assert end <= busy_from or start >= busy_to, (a.visit, start, end)


def test_publishing_leaves_out_a_place_whose_carer_was_booked_elsewhere_since(
    people, django_capture_on_commit_callbacks
):
    from carecircle.people.models import Carer, Client
    from tests.rota.test_selfmanage import join_hilltop, make_visit

    ana = Carer.objects.get(user=people.carer)
    with django_capture_on_commit_callbacks(execute=False):
        draft = rota_draft_request(
            actor=people.team_leader, circle_id=people.riverside.public_id, week_start=next_monday()
        )
    draft = rota_draft_solve(draft_id=draft.pk)
    mine = Assignment.objects.filter(draft=draft, carer=ana).select_related("visit").first()
    assert mine is not None
    # Meanwhile Hilltop publishes Ana on a visit at that very time.
    join_hilltop(people.carer)
    begins = mine.visit.start or mine.visit.window_start
    make_visit(Client.objects.filter(circle=people.hilltop).first(), begins, carer=ana)
    with django_capture_on_commit_callbacks(execute=True):
        rota_draft_publish(actor=people.team_leader, draft_id=draft.public_id)
    assert not Assignment.objects.filter(pk=mine.pk).exists()
    assert not mine.visit.assignments.filter(carer=ana).exists()
    others = Assignment.objects.filter(draft=draft)
    assert others.exists() and all(a.status == AssignmentStatus.PUBLISHED for a in others)
    draft.refresh_from_db()
    assert any("booked elsewhere" in g["reason"] for g in draft.unfilled)
