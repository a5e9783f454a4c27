"""Availability kept from the phone: a weekly pattern, one-off changes, and what informal carers
offer and for whom — and the rota engine planning inside it, for those people only."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from carecircle import engine
from carecircle.engine.rules import eligible
from carecircle.people.models import Carer, Client
from carecircle.rota.engine_adapter import _for_whom, build_circle_week
from carecircle.rota.models import (
    Assignment,
    AvailabilityException,
    AvailabilityRule,
    Visit,
)
from carecircle.rota.rules import check_change
from carecircle.rota.selectors import week_start
from carecircle.rota.services import (
    availability_exception_add,
    availability_rule_add,
    place_claim,
)
from tests.factories import make_visit

TUE = 1


def carer(user) -> Carer:
    return Carer.objects.get(user=user)


def local(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), timezone.get_current_timezone())


def visit_for(client, day, hour, minute=0, *, minutes=30) -> Visit:
    return make_visit(client, local(day, hour, minute), minutes=minutes, name="Sit and chat")


@pytest.fixture
def pat_for_arthur(people):
    """Pat (informal) helps Arthur and George, with no weekly pattern but one block two days
    ahead, 14:00–16:00, offered for Arthur only. Returns (pat, day)."""
    pat = carer(people.informal)
    george = Client.objects.get(first_name="George")
    pat.helps_clients.add(george)
    AvailabilityRule.objects.filter(carer=pat).delete()
    day = timezone.localdate() + timedelta(days=2)
    Assignment.objects.filter(carer=pat, visit__date=day).delete()
    availability_rule_add(
        actor=people.informal,
        weekday=day.weekday(),
        start_time=time(14),
        end_time=time(16),
        offer="Sit with Arthur",
        client_ids=[str(people.arthur.public_id)],
    )
    return pat, day


def engine_week(circle, day):
    return build_circle_week(circle=circle, week_start=week_start(day), now=timezone.now())


# ---------------------------------------------------------------------------- the phone page


def test_a_carer_adds_and_removes_a_weekly_time_and_a_one_off_change_from_the_page(client, people):
    pat = carer(people.informal)
    AvailabilityRule.objects.filter(carer=pat).delete()
    client.force_login(people.informal)
    url = reverse("availability")
    page = client.get(url).content.decode()
    assert f'value="{people.arthur.public_id}"' in page  # "for whom" lists Pat's own people
    response = client.post(
        url,
        {
            "action": "add_rule",
            "rule-weekday": str(TUE),
            "rule-start_time": "14:00",
            "rule-end_time": "16:00",
            "rule-offer": "Sit with Arthur and a cup of tea",
            "rule-clients": [str(people.arthur.public_id)],
        },
    )
    assert response.status_code == 302
    rule = AvailabilityRule.objects.get(carer=pat)
    assert (rule.weekday, rule.start_time, rule.end_time) == (TUE, time(14), time(16))
    assert rule.offer == "Sit with Arthur and a cup of tea"
    assert list(rule.for_clients.all()) == [people.arthur]
    page = client.get(url).content.decode()
    assert "14:00–16:00 · Sit with Arthur and a cup of tea (Arthur" in page

    day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        url,
        {
            "action": "add_exception",
            "exc-day": day.isoformat(),
            "exc-available": "no",
            "exc-note": "Dentist",
        },
    )
    assert response.status_code == 302
    exc = AvailabilityException.objects.get(carer=pat)
    assert (exc.date, exc.available, exc.note) == (day, False, "Dentist")

    client.post(url, {"action": "remove_exception", "id": str(exc.pk)})
    client.post(url, {"action": "remove_rule", "id": str(rule.pk)})
    assert not AvailabilityException.objects.filter(carer=pat).exists()
    assert not AvailabilityRule.objects.filter(carer=pat).exists()


@pytest.mark.parametrize(
    "data, form, field, words",
    [
        (
            {"rule-weekday": "1", "rule-start_time": "16:00", "rule-end_time": "14:00"},
            "rule_form",
            "end_time",
            "after the start",
        ),
        (
            {"rule-weekday": "1", "rule-start_time": "25:00", "rule-end_time": "14:00"},
            "rule_form",
            "start_time",
            "valid time",
        ),
        (
            {"rule-weekday": "9", "rule-start_time": "10:00", "rule-end_time": "14:00"},
            "rule_form",
            "weekday",
            "valid choice",
        ),
        ({"exc-day": "2000-01-01", "exc-available": "no"}, "exc_form", "day", "today or a later"),
        (
            {"exc-day": "2999-01-01", "exc-available": "yes"},
            "exc_form",
            "start_time",
            "when you can work",
        ),
        (
            {"exc-day": "2999-01-01", "exc-available": "no", "exc-start_time": "10:00"},
            "exc_form",
            "end_time",
            "both times",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_named(client, people, data, form, field, words):
    client.force_login(people.informal)
    action = "add_rule" if form == "rule_form" else "add_exception"
    before = (
        AvailabilityRule.objects.count(),
        AvailabilityException.objects.count(),
    )
    response = client.post(reverse("availability"), {"action": action, **data})
    assert response.status_code == 400
    errors = response.context[form].errors
    assert field in errors and words in " ".join(errors[field])
    assert words in response.content.decode()
    assert (AvailabilityRule.objects.count(), AvailabilityException.objects.count()) == before


def test_a_time_overlapping_the_pattern_and_a_stranger_for_whom_are_refused(people):
    pat = carer(people.informal)
    AvailabilityRule.objects.filter(carer=pat).delete()
    availability_rule_add(actor=people.informal, weekday=2, start_time=time(9), end_time=time(11))
    with pytest.raises(ValidationError) as err:
        availability_rule_add(
            actor=people.informal, weekday=2, start_time=time(10), end_time=time(12)
        )
    assert "start_time" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        availability_rule_add(
            actor=people.informal,
            weekday=3,
            start_time=time(9),
            end_time=time(11),
            client_ids=[str(people.edna.public_id)],  # Pat does not care for Edna
        )
    assert "clients" in err.value.message_dict
    assert AvailabilityRule.objects.filter(carer=pat).count() == 1


# ---------------------------------------------------------------------------- for whom


def test_time_offered_for_arthur_is_planned_for_arthur_and_not_for_another_client(
    people, pat_for_arthur
):
    pat, day = pat_for_arthur
    george = Client.objects.get(first_name="George")
    for_arthur = visit_for(people.arthur, day, 14, 30)
    for_george = visit_for(george, day, 14, 30)
    week = engine_week(people.riverside, day)
    problem = week.problem
    mine = next(c for c in problem.carers if c.id == str(pat.public_id))
    assert mine.only_clients == {str(people.arthur.public_id)}
    start = int((local(day, 14) - week.origin).total_seconds() // 60)
    assert (start, start + 120) in mine.availability
    by_id = {v.id: v for v in problem.visits}
    # The engine's own rule of who may be planned: Arthur's visit yes, George's no.
    assert eligible(problem, by_id[str(for_arthur.public_id)], mine)
    assert not eligible(problem, by_id[str(for_george.public_id)], mine)

    arthur_rules = {f.rule for f in check_change(visit=for_arthur, add=pat)}
    assert not arthur_rules & {"availability", "only_clients"}
    assert "only_clients" in {f.rule for f in check_change(visit=for_george, add=pat)}
    with pytest.raises(ValidationError):
        place_claim(actor=people.informal, visit_id=for_george.public_id)
    assert not for_george.assignments.exists()


def test_a_paid_carers_time_for_one_client_is_not_given_to_another(people):
    dave = carer(people.carer2)
    george = Client.objects.get(first_name="George")
    day = timezone.localdate() + timedelta(days=2)
    AvailabilityRule.objects.filter(carer=dave).delete()
    Assignment.objects.filter(carer=dave, visit__date=day).delete()
    availability_rule_add(
        actor=people.carer2,
        weekday=day.weekday(),
        start_time=time(19),
        end_time=time(21),
        client_ids=[str(people.arthur.public_id)],
    )
    for_arthur = visit_for(people.arthur, day, 19, 30)
    for_george = visit_for(george, day, 19, 30)
    assert not {f.rule for f in check_change(visit=for_arthur, add=dave)} & {
        "availability",
        "only_clients",
    }
    assert {f.rule for f in check_change(visit=for_george, add=dave)} & {
        "availability",
        "only_clients",
    }


def test_a_draft_does_not_plan_time_offered_for_arthur_into_georges_visit(people, pat_for_arthur):
    pat, day = pat_for_arthur
    george = Client.objects.get(first_name="George")
    for_george = visit_for(george, day, 14, 30)
    week = engine_week(people.riverside, day)
    # Only Pat could ever be there at that hour: free everyone else's time that day of it.
    others = tuple(
        c if c.id == str(pat.public_id) else engine.Carer(id=c.id, kind=c.kind)
        for c in week.problem.carers
    )
    problem = engine.Problem(
        **{
            **week.problem.__dict__,
            "carers": others,
            "visits": tuple(v for v in week.problem.visits if v.id == str(for_george.public_id)),
            "fixed": (),
        }
    )
    solution = engine.solve(problem, engine.Settings(time_limit_s=5, workers=1))
    assert [u.visit for u in solution.unfilled] == [str(for_george.public_id)]
    assert not solution.assignments


def test_for_whom_mixed_blocks_never_lend_one_persons_time_to_another():
    a, b = "arthur", "george"
    # General Monday (120 min) and Tuesday for Arthur (120 min), a paid carer.
    blocks, only = _for_whom([None, frozenset({a})], [120, 120], None)
    assert (blocks, only) == ({0}, frozenset()) or (blocks, only) == ({0, 1}, frozenset({a}))
    # An informal carer offering Tuesday for Arthur and Thursday for George: one is kept, and
    # only for its own person.
    blocks, only = _for_whom([frozenset({a}), frozenset({b})], [120, 60], frozenset({a, b}))
    assert (blocks, only) == ({0}, frozenset({a}))
    # Everything for Arthur: exact.
    blocks, only = _for_whom([frozenset({a}), frozenset({a})], [60, 60], frozenset({a, b}))
    assert (blocks, only) == ({0, 1}, frozenset({a}))
    # Nothing named: unchanged.
    assert _for_whom([None, None], [60, 60], frozenset({a})) == ({0, 1}, frozenset({a}))


# ---------------------------------------------------------------------------- exceptions


def test_a_day_off_takes_the_block_out_of_the_engines_week_and_a_claim_is_refused(
    people, pat_for_arthur
):
    pat, day = pat_for_arthur
    for_arthur = visit_for(people.arthur, day, 14, 30)
    assert not {f.rule for f in check_change(visit=for_arthur, add=pat)} & {"availability"}
    availability_exception_add(actor=people.informal, day=day, available=False, note="Away")
    week = engine_week(people.riverside, day)
    mine = next(c for c in week.problem.carers if c.id == str(pat.public_id))
    start = int((local(day, 0) - week.origin).total_seconds() // 60)
    assert not [b for b in mine.availability if start <= b[0] < start + 24 * 60]
    assert "availability" in {f.rule for f in check_change(visit=for_arthur, add=pat)}
    with pytest.raises(ValidationError):
        place_claim(actor=people.informal, visit_id=for_arthur.public_id)


def test_an_extra_time_exception_opens_a_day_outside_the_pattern(people, pat_for_arthur):
    pat, day = pat_for_arthur
    other_day = day + timedelta(days=1)
    Assignment.objects.filter(carer=pat, visit__date=other_day).delete()
    for_arthur = visit_for(people.arthur, other_day, 10)
    assert "availability" in {f.rule for f in check_change(visit=for_arthur, add=pat)}
    availability_exception_add(
        actor=people.informal,
        day=other_day,
        available=True,
        start_time=time(9),
        end_time=time(12),
    )
    assert "availability" not in {f.rule for f in check_change(visit=for_arthur, add=pat)}


# ---------------------------------------------------------------------------- who sees offers


def test_the_team_leader_sees_informal_offers_and_for_whom_on_the_board(
    client, people, pat_for_arthur
):
    url = reverse("circle_board", args=[people.riverside.public_id])
    client.force_login(people.team_leader)
    page = client.get(url).content.decode()
    assert 'id="circle-offers"' in page
    section = page.split('id="circle-offers"')[1].split("</section>")[0]
    assert "Pat" in section and "Sit with Arthur" in section and "for Arthur" in section
    client.force_login(people.carer)
    page = client.get(url).content.decode()
    assert "Sit with Arthur" not in page and 'id="circle-offers"' not in page


# ---------------------------------------------------------------------------- My day


def test_an_open_place_has_take_it_for_an_able_carer_and_not_for_an_unable_one(client, people):
    """Ana can take an open place at a time she is free; Arthur has asked not to be visited by
    Dave, so Dave sees the place with the reason and no button."""
    ana, dave = carer(people.carer), carer(people.carer2)
    today = timezone.localdate()
    place = visit_for(people.arthur, today, 11)
    for c in (ana, dave):
        # Nothing else near it (rest, travel, hours), and free all day.
        Assignment.objects.filter(
            carer=c, visit__date__range=(today - timedelta(days=1), today + timedelta(days=1))
        ).delete()
        AvailabilityException.objects.create(
            carer=c, date=today, available=True, start_time=time(0), end_time=time(23, 59)
        )
    people.arthur.avoid_carers.add(dave)
    claim = reverse("place_claim", args=[place.public_id])
    with time_machine.travel(local(today, 8), tick=False):  # the week is rostered: the demo's
        client.force_login(people.carer)
        page = client.get(reverse("my_day")).content.decode()
        item = page.split(f'data-visit="{place.public_id}"')[1].split("</li>")[0]
        assert f'action="{claim}"' in item and "Take it" in item

        client.force_login(people.carer2)
        page = client.get(reverse("my_day")).content.decode()
        item = page.split(f'data-visit="{place.public_id}"')[1].split("</li>")[0]
        assert f'action="{claim}"' not in item and "Take it" not in item
        assert "asked not to be visited by" in item


def test_a_for_whom_rule_no_longer_in_force_does_not_narrow_a_block(people):
    from zoneinfo import ZoneInfo

    from carecircle.rota.engine_adapter import _block_clients

    dave = carer(people.carer2)
    day = timezone.localdate() + timedelta(days=3)
    tz = ZoneInfo(people.riverside.organisation.time_zone)
    rule = AvailabilityRule.objects.create(
        carer=dave,
        weekday=day.weekday(),
        start_time=time(14),
        end_time=time(16),
        valid_until=day - timedelta(days=1),  # ended before that day
    )
    rule.for_clients.set([people.arthur])
    block = (datetime.combine(day, time(14), tz), datetime.combine(day, time(16), tz))
    assert _block_clients(dave, [block], tz) == [None]
    rule.valid_until = None
    rule.save()
    assert _block_clients(dave, [block], tz) == [frozenset({str(people.arthur.public_id)})]
