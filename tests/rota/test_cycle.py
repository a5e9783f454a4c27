"""The weekly cycle of a circle: drafted at its drafting time, carers told what they have and able
to raise a problem, published automatically only when the team leaders chose that and the draft
breaks no rule, and every step once, on the board. The clock is pinned in October 2030, far from
the demo's own visits: the week of Monday 21 October ends on Sunday 27 October, a 25-hour day."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from carecircle.audit.models import AuditEvent
from carecircle.notifications.models import Notification
from carecircle.oversight.escalations import uncovered_tick
from carecircle.oversight.models import Escalation
from carecircle.rota.forms import CycleForm
from carecircle.rota.models import (
    Assignment,
    AssignmentStatus,
    CircleCycle,
    CycleWeek,
    DraftProblem,
    DraftStatus,
    RotaDraft,
    Visit,
)
from carecircle.rota.services import (
    circle_cycle_update,
    draft_problem_raise,
    rota_draft_publish,
    rota_draft_solve,
    week_cycle_tick,
)
from carecircle.rota.services.cycle import _claim, cycle_moments, next_week
from carecircle.rota.services.horizon import horizon_keep

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2030, 10, 21, 8, 0, tzinfo=LONDON)  # BST; the clocks go back on Sunday
NEXT_MONDAY = MONDAY.date() + timedelta(days=7)
DRAFT_AT = datetime(2030, 10, 23, 9, 0, tzinfo=LONDON)  # Wednesday
ASK_AT = datetime(2030, 10, 23, 12, 0, tzinfo=LONDON)
PUBLISH_AT = datetime(2030, 10, 27, 18, 0, tzinfo=LONDON)  # Sunday, GMT by then


@pytest.fixture(autouse=True)
def quick_solver(settings):
    settings.ROTA_TIME_LIMIT_S = 3


@pytest.fixture
def cycle(people):
    """Riverside runs the cycle: drafted Wednesday 09:00, carers asked at 12:00, published
    automatically on Sunday at 18:00; its clients have visits for the fortnight."""
    with time_machine.travel(MONDAY, tick=False):
        horizon_keep(now=MONDAY, weeks=2, clients=list(people.riverside.clients.all()))
    return CircleCycle.objects.create(
        circle=people.riverside,
        active=True,
        draft_weekday=2,
        draft_time=time(9, 0),
        ask_weekday=2,
        ask_time=time(12, 0),
        publish_weekday=6,
        publish_time=time(18, 0),
        publication="automatic",
    )


def tick(at, capture=None):
    with time_machine.travel(at, tick=False):
        if capture is None:
            return week_cycle_tick(now=at)
        with capture(execute=True):
            return week_cycle_tick(now=at)


def drafted(cycle, capture):
    tick(DRAFT_AT)
    draft = CycleWeek.objects.get(circle=cycle.circle, week_start=NEXT_MONDAY).draft
    with time_machine.travel(DRAFT_AT + timedelta(minutes=1), tick=False):
        draft = rota_draft_solve(draft_id=draft.pk)
    assert draft.status == DraftStatus.READY, draft.error
    return draft


def test_the_moments_are_local_wall_clock_times_across_the_clock_change(cycle):
    when = cycle_moments(cycle, NEXT_MONDAY)
    assert when.draft == DRAFT_AT and when.draft.utcoffset() == timedelta(hours=1)
    # Sunday 18:00 after the clocks went back is 18:00 GMT, not 17:00.
    assert when.publish.astimezone(ZoneInfo("UTC")).hour == 18
    assert next_week(cycle.circle, PUBLISH_AT) == NEXT_MONDAY
    # Monday 00:30 is already the next week's cycle.
    assert next_week(cycle.circle, datetime(2030, 10, 28, 0, 30, tzinfo=LONDON)) == (
        NEXT_MONDAY + timedelta(days=7)
    )


def test_the_engine_drafts_next_week_at_the_drafting_time_once(cycle):
    assert tick(DRAFT_AT - timedelta(minutes=1))["drafted"] == 0
    assert not RotaDraft.objects.filter(circle=cycle.circle, week_start=NEXT_MONDAY).exists()
    assert tick(DRAFT_AT)["drafted"] == 1
    assert tick(DRAFT_AT + timedelta(minutes=5))["drafted"] == 0
    drafts = RotaDraft.objects.filter(circle=cycle.circle, week_start=NEXT_MONDAY)
    assert drafts.count() == 1 and drafts.get().requested_by is None
    assert drafts.get().status == DraftStatus.QUEUED


def test_a_circle_without_the_cycle_is_left_alone(cycle):
    cycle.active = False
    cycle.save()
    assert tick(PUBLISH_AT) == {"drafted": 0, "asked": 0, "published": 0, "waiting": 0}
    assert not CycleWeek.objects.exists()


def test_a_step_is_claimed_by_one_worker_only(cycle):
    row = CycleWeek.objects.create(circle=cycle.circle, week_start=NEXT_MONDAY)
    assert _claim(row, "drafted_at", DRAFT_AT) is True
    assert _claim(row, "drafted_at", DRAFT_AT) is False  # the second worker
    # A worker that read the row before the first claimed it makes no second draft.
    assert tick(DRAFT_AT)["drafted"] == 0
    assert not RotaDraft.objects.filter(circle=cycle.circle).exists()


def test_a_draft_asked_for_by_hand_is_adopted(cycle, people, django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks():
        from carecircle.rota.services import rota_draft_request

        mine = rota_draft_request(
            actor=people.team_leader, circle_id=people.riverside.public_id, week_start=NEXT_MONDAY
        )
    tick(DRAFT_AT)
    assert CycleWeek.objects.get(circle=cycle.circle).draft == mine
    assert RotaDraft.objects.filter(circle=cycle.circle, week_start=NEXT_MONDAY).count() == 1


def test_carers_are_told_how_many_visits_they_have_once(
    cycle, people, django_capture_on_commit_callbacks
):
    draft = drafted(cycle, django_capture_on_commit_callbacks)
    assert tick(ASK_AT - timedelta(minutes=1))["asked"] == 0
    before = Notification.objects.count()
    assert tick(ASK_AT, django_capture_on_commit_callbacks)["asked"] == 1
    assert tick(ASK_AT + timedelta(hours=1), django_capture_on_commit_callbacks)["asked"] == 0
    told = Notification.objects.filter(pk__gt=0).order_by("pk")[before:]
    ana = Notification.objects.get(user=people.carer, subject__startswith="Next week's rota")
    n = Assignment.objects.filter(draft=draft, carer__user=people.carer).count()
    assert ana.subject == (f"Next week's rota is ready: you have {n} visit{'s' if n != 1 else ''}")
    assert ana.url == f"/drafts/{draft.public_id}/"
    assert "Sunday 18:00" in ana.body
    assert len(told) == CycleWeek.objects.get(circle=cycle.circle).asked_carers


def test_published_automatically_at_the_set_time_across_the_clock_change(
    cycle, people, django_capture_on_commit_callbacks
):
    draft = drafted(cycle, django_capture_on_commit_callbacks)
    tick(ASK_AT)
    assert tick(PUBLISH_AT - timedelta(minutes=1))["published"] == 0
    assert tick(PUBLISH_AT, django_capture_on_commit_callbacks)["published"] == 1
    assert tick(PUBLISH_AT + timedelta(minutes=1))["published"] == 0
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PUBLISHED and draft.published_by is None
    assert not Assignment.objects.filter(draft=draft, status=AssignmentStatus.DRAFT).exists()
    row = CycleWeek.objects.get(circle=cycle.circle)
    assert row.published_automatically and row.published_at == PUBLISH_AT
    event = AuditEvent.objects.filter(action="publish_rota").latest("seq")
    assert event.detail["automatic"] is True and event.actor is None


def test_the_team_leaders_publish_when_they_chose_to(
    cycle, people, django_capture_on_commit_callbacks
):
    cycle.publication = "team_leader"
    cycle.save()
    draft = drafted(cycle, django_capture_on_commit_callbacks)
    assert tick(PUBLISH_AT)["waiting"] == 1
    assert tick(PUBLISH_AT + timedelta(minutes=1))["waiting"] == 0  # told once
    waiting = Notification.objects.filter(user=people.team_leader, subject__contains="waiting")
    assert waiting.count() == 1
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY
    with time_machine.travel(PUBLISH_AT + timedelta(hours=1), tick=False):
        rota_draft_publish(actor=people.team_leader, draft_id=draft.public_id)
    tick(PUBLISH_AT + timedelta(hours=2))
    row = CycleWeek.objects.get(circle=cycle.circle)
    assert row.published_at is not None and not row.published_automatically


def test_a_problem_raised_by_a_carer_waits_for_the_team_leaders(
    cycle, people, client, django_capture_on_commit_callbacks
):
    draft = drafted(cycle, django_capture_on_commit_callbacks)
    with (
        time_machine.travel(ASK_AT + timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        draft_problem_raise(
            actor=people.carer, draft_id=draft.public_id, text="I am at a wedding on Saturday."
        )
    assert Notification.objects.filter(
        user=people.team_leader, body="I am at a wedding on Saturday."
    ).exists()
    with time_machine.travel(ASK_AT + timedelta(hours=3), tick=False):
        client.force_login(people.team_leader)
        page = client.get(reverse("rota_draft", args=[draft.public_id])).content.decode()
    assert "I am at a wedding on Saturday." in page
    assert tick(PUBLISH_AT)["waiting"] == 1
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY
    row = CycleWeek.objects.get(circle=cycle.circle)
    assert "raised 1 problem" in row.waiting_reasons[0]


def test_a_draft_that_now_breaks_a_rule_is_not_published(
    cycle, people, django_capture_on_commit_callbacks
):
    draft = drafted(cycle, django_capture_on_commit_callbacks)
    place = Assignment.objects.filter(draft=draft).select_related("visit__client", "carer").first()
    # Since the draft was made, the client asked not to be visited by this carer.
    place.visit.client.avoid_carers.add(place.carer)
    assert tick(PUBLISH_AT)["published"] == 0
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY
    reasons = CycleWeek.objects.get(circle=cycle.circle).waiting_reasons
    assert any("asked not to be visited by" in r for r in reasons), reasons


def test_a_carer_raises_a_problem_only_on_an_open_draft_of_their_circle(
    cycle, people, django_capture_on_commit_callbacks
):
    draft = drafted(cycle, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as err:
        draft_problem_raise(actor=people.carer, draft_id=draft.public_id, text="   ")
    assert "text" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        draft_problem_raise(actor=people.carer, draft_id=draft.public_id, text="x" * 501)
    assert "text" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        draft_problem_raise(actor=people.manager, draft_id=draft.public_id, text="no")
    draft.status = DraftStatus.PUBLISHED
    draft.save()
    with pytest.raises(ValidationError) as err:
        draft_problem_raise(actor=people.carer, draft_id=draft.public_id, text="too late")
    assert "draft" in err.value.message_dict
    assert not DraftProblem.objects.exists()


def _form(**changes):
    data = {
        "active": "on",
        "draft_weekday": "2",
        "draft_time": "09:00",
        "ask_weekday": "2",
        "ask_time": "12:00",
        "publish_weekday": "4",
        "publish_time": "12:00",
        "publication": "team_leader",
        "escalate_hours": "",
    }
    data.update(changes)
    return data


def test_team_leaders_set_the_cycle_on_a_page_and_it_is_audited(client, people):
    url = reverse("rota_cycle", args=[people.riverside.public_id])
    client.force_login(people.team_leader)
    assert client.get(url).status_code == 200
    response = client.post(url, _form(escalate_hours="24", publication="automatic"))
    assert response.status_code == 302
    saved = CircleCycle.objects.get(circle=people.riverside)
    assert saved.active and saved.escalate_hours == 24 and saved.publication == "automatic"
    event = AuditEvent.objects.filter(action="update_circle_cycle").latest("seq")
    assert event.actor == people.team_leader


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"publish_weekday": "1"}, "publish_weekday"),  # before the carers are asked
        ({"ask_weekday": "1"}, "ask_weekday"),  # before the draft is made
        ({"escalate_hours": "0"}, "escalate_hours"),
        ({"escalate_hours": "169"}, "escalate_hours"),
        ({"escalate_hours": "soon"}, "escalate_hours"),
        ({"draft_weekday": "9"}, "draft_weekday"),
        ({"draft_time": "25:00"}, "draft_time"),
        ({"publication": "nobody"}, "publication"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(client, people, changes, field):
    url = reverse("rota_cycle", args=[people.riverside.public_id])
    client.force_login(people.team_leader)
    response = client.post(url, _form(**changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    label = CycleForm.base_fields[field].label
    assert f"{label}: " in response.content.decode()
    assert not CircleCycle.objects.filter(circle=people.riverside).exists()


def test_the_service_checks_who_sets_the_cycle(people):
    values = dict(
        active=True,
        draft_weekday=2,
        draft_time=time(9),
        ask_weekday=2,
        ask_time=time(12),
        publish_weekday=4,
        publish_time=time(12),
        publication="team_leader",
        escalate_hours=None,
    )
    for who in (people.carer, people.manager):
        with pytest.raises(PermissionDenied):
            circle_cycle_update(actor=who, circle_id=people.riverside.public_id, **values)
    with pytest.raises(ValidationError) as err:
        circle_cycle_update(
            actor=people.team_leader,
            circle_id=people.riverside.public_id,
            **{**values, "publish_weekday": 2, "publish_time": time(11)},
        )
    assert list(err.value.message_dict) == ["publish_weekday"]


def test_the_circles_escalation_time_overrides_the_organisations(cycle, people, settings):
    settings.ESCALATE_TEAM_LEADERS_HOURS = 12
    now = datetime(2030, 10, 22, 6, 0, tzinfo=LONDON)
    far = Visit.objects.filter(
        circle=people.riverside,
        window_start__gt=now + timedelta(hours=12),
        window_start__lte=now + timedelta(hours=30),
    )
    assert far.exists()
    with time_machine.travel(now, tick=False):
        uncovered_tick(now=now)
        near = Escalation.objects.filter(visit__in=far).count()
        cycle.escalate_hours = 30
        cycle.save()
        uncovered_tick(now=now)
    assert near == 0
    opened = Escalation.objects.filter(visit__in=far)
    assert opened.count() == far.count()
    assert "still uncovered 30 h before" in opened.first().reasons[0]


def test_every_step_shows_on_the_team_leaders_board(
    cycle, people, client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    draft = drafted(cycle, django_capture_on_commit_callbacks)
    tick(ASK_AT)
    DraftProblem.objects.create(draft=draft, raised_by=people.carer, text="Saturday is hard.")
    url = reverse("circle_board", args=[people.riverside.public_id])
    with time_machine.travel(ASK_AT + timedelta(minutes=1), tick=False):
        client.force_login(people.team_leader)
        with django_assert_max_num_queries(25):  # the busy-page budget of tests/web
            page = client.get(url).content.decode()
        client.force_login(people.carer)
        carers_page = client.get(url).content.decode()
    assert "This week&#x27;s cycle" in page or "This week's cycle" in page
    assert "Wed 23 Oct 09:00" in page and "Wed 23 Oct 12:00" in page  # drafted, asked
    assert "due Sun 27 Oct 18:00" in page
    assert 'class="open-place">1</strong>' in page  # one problem raised
    assert reverse("rota_cycle", args=[people.riverside.public_id]) in page
    assert "week-cycle" not in carers_page
