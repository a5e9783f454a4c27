"""The rolling horizon: every client with an agreed plan has visits to ROTA_HORIZON_WEEKS ahead,
once per pattern occurrence, in local time, never in the past, never over a hospital stay, a
pause, the plan's end or a death; a new version takes over only what nobody has begun."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carecircle.env import env_int
from carecircle.notifications.models import Notification
from carecircle.people.models import Carer
from carecircle.plans.models import CarePlanVersion, VersionStatus, VisitPattern
from carecircle.plans.services import plan_dates_set
from carecircle.rota.models import Assignment, AssignmentStatus, Visit, VisitStatus
from carecircle.rota.services import horizon as horizon_module
from carecircle.rota.services.away import client_away_record, client_death_record
from carecircle.rota.services.horizon import horizon_keep
from carecircle.visits.models import VisitRecord

LONDON = ZoneInfo("Europe/London")
# Far from the demo's own visits. Sunday 31 March 2030 has 23 hours, Sunday 27 October 25.
SPRING_MONDAY = datetime(2030, 3, 25, 9, 0, tzinfo=LONDON)
SPRING_SUNDAY = date(2030, 3, 31)
AUTUMN_MONDAY = datetime(2030, 10, 21, 9, 0, tzinfo=LONDON)
AUTUMN_SUNDAY = date(2030, 10, 27)


def _visits(client, **kw):
    return Visit.objects.filter(client=client, date__gte=date(2030, 1, 1), **kw)


def _no_duplicates(client):
    counts = Counter(_visits(client).values_list("pattern_id", "date"))
    assert [k for k, n in counts.items() if n > 1] == []


def test_fills_the_horizon_once_and_a_second_run_adds_nothing(people):
    edna = people.edna
    with time_machine.travel(SPRING_MONDAY, tick=False):
        first = horizon_keep(now=SPRING_MONDAY, weeks=8, clients=[edna])
        again = horizon_keep(now=SPRING_MONDAY, weeks=8, clients=[edna])
    # Four visits a day for 56 days, less this morning's 07:00 (it is 09:00).
    assert first.created == 56 * 4 - 1
    assert first.client_weeks == 8
    assert again.created == 0 and again.client_weeks == 0
    assert not _visits(edna, window_start__lte=SPRING_MONDAY).exists()
    assert _visits(edna).order_by("-date").first().date == SPRING_MONDAY.date() + timedelta(55)
    _no_duplicates(edna)


def test_a_nightly_run_adds_the_next_day(people):
    edna = people.edna
    with time_machine.travel(SPRING_MONDAY, tick=False):
        horizon_keep(now=SPRING_MONDAY, weeks=8, clients=[edna])
    night = SPRING_MONDAY + timedelta(hours=15)  # 00:00 on Tuesday
    with time_machine.travel(night, tick=False):
        report = horizon_keep(now=night, weeks=8, clients=[edna])
    assert report.created == 4
    _no_duplicates(edna)


@pytest.mark.parametrize(
    "now,sunday,hours", [(SPRING_MONDAY, SPRING_SUNDAY, 23), (AUTUMN_MONDAY, AUTUMN_SUNDAY, 25)]
)
def test_visits_keep_their_local_times_on_the_day_the_clocks_change(people, now, sunday, hours):
    edna = people.edna
    start = datetime.combine(sunday, time(0), LONDON)
    end = datetime.combine(sunday + timedelta(1), time(0), LONDON)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=hours)
    with time_machine.travel(now, tick=False):
        horizon_keep(now=now, weeks=1, clients=[edna])
    local = sorted(
        v.window_start.astimezone(LONDON).strftime("%H:%M") for v in _visits(edna, date=sunday)
    )
    assert local == ["07:00", "12:00", "17:00", "20:30"]


def test_no_visits_outside_the_plan_dates_a_pause_or_a_stay_in_hospital(people):
    edna, plan = people.edna, people.edna.care_plan
    monday = SPRING_MONDAY.date()
    with time_machine.travel(SPRING_MONDAY, tick=False):
        plan_dates_set(
            actor=people.team_leader,
            plan=plan,
            starts_on=monday + timedelta(2),
            ends_on=monday + timedelta(30),
            paused_from=monday + timedelta(10),
            paused_until=monday + timedelta(12),
        )
        client_away_record(
            actor=people.team_leader,
            client=edna,
            starts_on=monday + timedelta(20),
            ends_on=monday + timedelta(21),
            reason="hospital",
            now=SPRING_MONDAY,
        )
        horizon_keep(now=SPRING_MONDAY, weeks=8, clients=[edna])
    days = set(_visits(edna).values_list("date", flat=True))
    expected = {monday + timedelta(n) for n in range(2, 31) if n not in (10, 11, 12, 20, 21)}
    assert days == expected


def test_a_hospital_stay_cancels_visits_and_frees_the_carers_with_a_message(people):
    edna, ana = people.edna, Carer.objects.get(user=people.carer)
    with time_machine.travel(SPRING_MONDAY, tick=False):
        horizon_keep(now=SPRING_MONDAY, weeks=2, clients=[edna])
        stay = SPRING_MONDAY.date() + timedelta(3)
        held = _visits(edna, date=stay).first()
        Assignment.objects.create(visit=held, carer=ana, status=AssignmentStatus.PUBLISHED)
        client_away_record(
            actor=people.team_leader,
            client=edna,
            starts_on=stay,
            ends_on=stay + timedelta(1),
            now=SPRING_MONDAY,
        )
        again = horizon_keep(now=SPRING_MONDAY, weeks=2, clients=[edna])
    cancelled = _visits(edna, status=VisitStatus.CANCELLED)
    assert set(cancelled.values_list("date", flat=True)) == {stay, stay + timedelta(1)}
    assert cancelled.count() == 8 and again.created == 0
    assert Visit.objects.filter(pk=held.pk, assignments__carer=ana).exists()  # kept, cancelled
    _no_duplicates(edna)


def test_the_carers_hear_of_a_stay_in_hospital_once_it_is_recorded(
    people, django_capture_on_commit_callbacks
):
    edna = people.edna
    with time_machine.travel(SPRING_MONDAY, tick=False):
        horizon_keep(now=SPRING_MONDAY, weeks=1, clients=[edna])
        stay = SPRING_MONDAY.date() + timedelta(2)
        held = _visits(edna, date=stay).first()
        ana = Carer.objects.get(user=people.carer)
        Assignment.objects.create(visit=held, carer=ana, status=AssignmentStatus.PUBLISHED)
        before = Notification.objects.filter(user=people.carer).count()
        with django_capture_on_commit_callbacks(execute=True):
            client_away_record(
                actor=people.team_leader,
                client=edna,
                starts_on=stay,
                ends_on=stay,
                now=SPRING_MONDAY,
            )
    message = Notification.objects.filter(user=people.carer).order_by("-pk").first()
    assert Notification.objects.filter(user=people.carer).count() == before + 1
    assert held.name in message.body and "free" in message.body


def test_a_death_stops_generation_and_tells_carers_and_team_leaders(
    people, django_capture_on_commit_callbacks
):
    edna = people.edna
    with time_machine.travel(SPRING_MONDAY, tick=False):
        horizon_keep(now=SPRING_MONDAY, weeks=2, clients=[edna])
        leader_before = Notification.objects.filter(user=people.team_leader).count()
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = client_death_record(
                actor=people.team_leader,
                client=edna,
                died_on=SPRING_MONDAY.date(),
                now=SPRING_MONDAY,
            )
        later = SPRING_MONDAY + timedelta(days=3)
        report = horizon_keep(now=later, weeks=2, clients=[edna])
    assert len(cancelled) == 55 and report.created == 0
    assert not _visits(edna, status=VisitStatus.PLANNED, window_start__gt=SPRING_MONDAY).exists()
    # The team leader recorded it, and still hears what it did to the rota.
    assert Notification.objects.filter(user=people.team_leader).count() == leader_before + 1


def _new_version(plan, *, shift_minutes=30) -> CarePlanVersion:
    """A new agreed version made without the endorsement flow (as an import or the admin
    would): the old visits are not moved for it."""
    old = plan.agreed_version()
    old.status = VersionStatus.SUPERSEDED
    old.save(update_fields=["status"])
    new = CarePlanVersion.objects.create(
        plan=plan, number=old.number + 1, status=VersionStatus.AGREED, needs=old.needs
    )
    for p in old.patterns.all():
        start = (
            datetime.combine(date(2030, 1, 1), p.window_start) + timedelta(minutes=shift_minutes)
        ).time()
        end = (
            datetime.combine(date(2030, 1, 1), p.window_end) + timedelta(minutes=shift_minutes)
        ).time()
        VisitPattern.objects.create(
            version=new,
            name=p.name,
            weekdays=p.weekdays,
            window_start=start,
            window_end=end,
            duration_minutes=p.duration_minutes,
            carers_needed=p.carers_needed,
        )
    return new


def test_a_new_version_replaces_only_future_unpublished_unstarted_visits(people):
    edna, ana = people.edna, Carer.objects.get(user=people.carer)
    with time_machine.travel(SPRING_MONDAY, tick=False):
        horizon_keep(now=SPRING_MONDAY, weeks=1, clients=[edna])
    later = SPRING_MONDAY + timedelta(days=2)  # Wednesday 09:00
    past = _visits(edna, window_start__lt=later).first()
    future = list(_visits(edna, window_start__gt=later).order_by("window_start"))
    published, recorded, drafted = future[0], future[1], future[2]
    Assignment.objects.create(visit=published, carer=ana, status=AssignmentStatus.PUBLISHED)
    Assignment.objects.create(visit=drafted, carer=ana, status=AssignmentStatus.DRAFT)
    VisitRecord.objects.create(visit=recorded, carer=ana, client=edna)
    new = _new_version(edna.care_plan)
    with time_machine.travel(later, tick=False):
        report = horizon_keep(now=later, weeks=1, clients=[edna])
    kept = {past.pk, published.pk, recorded.pk}
    assert Visit.objects.filter(pk__in=kept).count() == 3
    assert not Visit.objects.filter(pk=drafted.pk).exists()
    assert report.replaced == len(future) - 2
    # The replaced occurrences come back from the new version, at its times; none twice.
    assert _visits(edna, plan_version=new).count() == report.created
    names_days = Counter(
        _visits(edna, window_start__gt=later)
        .exclude(status=VisitStatus.CANCELLED)
        .values_list("name", "date")
    )
    assert max(names_days.values()) == 1


def test_a_crash_halfway_leaves_whole_weeks_and_the_next_run_finishes(people, monkeypatch):
    edna = people.edna
    real = horizon_module.audit_record
    calls = []

    def audit_then_fail(**kw):
        calls.append(kw)
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        return real(**kw)

    monkeypatch.setattr(horizon_module, "audit_record", audit_then_fail)
    with time_machine.travel(SPRING_MONDAY, tick=False):
        with pytest.raises(RuntimeError):
            horizon_keep(now=SPRING_MONDAY, weeks=3, clients=[edna])
        # The first week is whole, the second not there at all.
        assert _visits(edna).count() == 7 * 4 - 1
        monkeypatch.setattr(horizon_module, "audit_record", real)
        horizon_keep(now=SPRING_MONDAY, weeks=3, clients=[edna])
    assert _visits(edna).count() == 21 * 4 - 1
    _no_duplicates(edna)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    runs=st.lists(
        st.tuples(st.integers(0, 20), st.integers(0, 23), st.integers(1, 4)), min_size=1, max_size=4
    )
)
def test_any_sequence_of_runs_never_makes_an_occurrence_twice(people, runs):
    """Runs at any hours on any days with any horizon: each pattern occurrence has at most one
    visit, nothing is made in the past, and running again at once adds nothing."""
    edna = people.edna
    with transaction.atomic():
        for days, hour, weeks in sorted(runs):
            now = datetime.combine(SPRING_MONDAY.date() + timedelta(days), time(hour), LONDON)
            with time_machine.travel(now, tick=False):
                made = set(_visits(edna).values_list("pk", flat=True))
                horizon_keep(now=now, weeks=weeks, clients=[edna])
                new = _visits(edna).exclude(pk__in=made)
                assert not new.filter(window_start__lte=now).exists()
                assert horizon_keep(now=now, weeks=weeks, clients=[edna]).created == 0
        _no_duplicates(edna)
        transaction.set_rollback(True)


# ------------------------------------------------------------------ bad input


def test_overlapping_patterns_are_refused_naming_the_field(people):
    edna = people.edna
    version = edna.care_plan.agreed_version()
    lunch = version.patterns.get(name="Lunch")
    lunch.window_start, lunch.window_end = time(7, 15), time(7, 45)  # inside Getting up
    lunch.save()
    report = horizon_keep(now=SPRING_MONDAY, weeks=1, clients=[edna])
    refusal = report.refused[str(edna.public_id)]
    assert "window_start" in refusal and "overlap" in refusal["window_start"][0]
    assert report.created == 0 and not _visits(edna).exists()


def test_an_end_date_before_the_start_is_refused_naming_the_field(people):
    with pytest.raises(ValidationError) as caught:
        plan_dates_set(
            actor=people.team_leader,
            plan=people.edna.care_plan,
            starts_on=date(2030, 5, 1),
            ends_on=date(2030, 4, 1),
        )
    assert "ends_on" in caught.value.message_dict
    assert "2030-05-01" in caught.value.message_dict["ends_on"][0]
    with pytest.raises(ValidationError) as caught:
        client_away_record(
            actor=people.team_leader,
            client=people.edna,
            starts_on=date(2030, 5, 1),
            ends_on=date(2030, 4, 1),
        )
    assert "ends_on" in caught.value.message_dict


@pytest.mark.parametrize("weeks", [0, 27, 52])
def test_a_horizon_over_the_limit_is_refused_naming_the_field(people, weeks):
    with pytest.raises(ValidationError) as caught:
        horizon_keep(now=SPRING_MONDAY, weeks=weeks, clients=[people.edna])
    assert "1 to 26 weeks" in caught.value.message_dict["weeks"][0]


def test_the_setting_refuses_a_horizon_over_the_limit_loudly(monkeypatch):
    monkeypatch.setenv("ROTA_HORIZON_WEEKS", "27")
    with pytest.raises(ImproperlyConfigured, match="at most 26"):
        env_int("ROTA_HORIZON_WEEKS", 8, minimum=1, maximum=26)
    monkeypatch.setenv("ROTA_HORIZON_WEEKS", "12")
    assert env_int("ROTA_HORIZON_WEEKS", 8, minimum=1, maximum=26) == 12


def test_only_a_team_leader_may_record_a_stay_or_a_death(people):
    with pytest.raises(PermissionDenied):
        client_away_record(
            actor=people.carer, client=people.edna, starts_on=date(2030, 5, 1), ends_on=None
        )
    with pytest.raises(PermissionDenied):
        client_death_record(actor=people.carer, client=people.edna, died_on=date(2026, 1, 1))


def test_the_command_keeps_the_horizon(people, capsys):
    with time_machine.travel(SPRING_MONDAY, tick=False):
        call_command("keep_horizon", "--weeks", "1")
    assert '"created"' in capsys.readouterr().out
    assert _visits(people.edna).count() == 7 * 4 - 1
