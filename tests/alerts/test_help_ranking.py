"""Who `build_pool` offers a help call to, and in what order: hours already worked today push a
carer down, personal care in progress is never interrupted, and an informal carer who takes
calls off duty is asked only for their own people. Clocks are set with time-machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from carecircle.alerts.ranking import build_pool, rank
from carecircle.notifications.models import NotificationPreference
from carecircle.people.models import Carer, Client
from carecircle.rota.models import Absence, Assignment
from carecircle.visits.models import VisitRecord
from tests.alerts.oncall import today_at
from tests.factories import make_visit


@pytest.fixture
def eleven(people):
    with time_machine.travel(today_at(11, 0), tick=False):
        yield timezone.now()


def _george(people) -> Client:
    return people.riverside.clients.get(first_name="George")


def _blank(people, carers, now):
    """Two carers with nothing in the way: no visits in the last month or today, not away, and
    both just checked out at Edna's door (the same place, free, no travel)."""
    ids = [c.pk for c in carers]
    Assignment.objects.filter(
        carer_id__in=ids, visit__date__gte=timezone.localdate(now) - timedelta(days=31)
    ).delete()
    Absence.objects.filter(carer_id__in=ids).delete()
    VisitRecord.objects.filter(carer_id__in=ids).delete()
    past = make_visit(_george(people), now - timedelta(hours=6), minutes=30)
    for carer in carers:
        VisitRecord.objects.create(
            visit=past,
            carer=carer,
            client=past.client,
            checked_in_at=now - timedelta(minutes=40),
            checked_out_at=now - timedelta(minutes=5),
            check_out_lat=people.edna.latitude,
            check_out_lon=people.edna.longitude,
        )


def _order(people, now, carers) -> list[str]:
    wanted = {str(c.public_id) for c in carers}
    return [c.id for c in rank(build_pool(people.edna, kind="help", now=now)) if c.id in wanted]


@pytest.mark.clock
def test_hours_worked_today_push_a_carer_down_the_order(people, eleven):
    now = eleven
    pair = sorted(
        Carer.objects.filter(user__in=[people.carer, people.carer2]), key=lambda c: str(c.public_id)
    )
    first, second = pair  # equal in everything else, the tie goes by id
    _blank(people, pair, now)
    assert _order(people, now, pair) == [str(first.public_id), str(second.public_id)]

    # The first worked 07:00–10:30 today (George's, so it is not familiarity with Edna).
    make_visit(_george(people), now - timedelta(hours=4), minutes=210, carers=[first])
    pool = build_pool(people.edna, kind="help", now=now)
    worked = {r.id: r.minutes_worked_today for r in pool.responders}
    assert worked[str(first.public_id)] == 210 and worked[str(second.public_id)] == 0
    assert _order(people, now, pair) == [str(second.public_id), str(first.public_id)]
    scores = {c.id: c for c in rank(pool)}
    assert scores[str(first.public_id)].score - scores[str(second.public_id)].score == 3.5
    assert scores[str(first.public_id)].eta_minutes == scores[str(second.public_id)].eta_minutes


@pytest.mark.parametrize(
    "skills, asked",
    [(["personal_care"], False), (["hoist"], False), (["medication"], True), ([], True)],
)
def test_personal_care_in_progress_is_never_interrupted(people, eleven, skills, asked):
    now = eleven
    ana = Carer.objects.get(user=people.carer)
    _blank(people, [ana], now)
    VisitRecord.objects.filter(carer=ana).delete()  # on the visit by the rota alone
    washing = make_visit(
        _george(people),
        now - timedelta(minutes=15),
        minutes=45,
        skills=skills,
        name="Wash and dress",
        carers=[ana],
    )
    pool = build_pool(people.edna, kind="help", now=now)
    assert pool.on_visit[str(ana.public_id)] == washing
    ranked = {c.id: c for c in rank(pool)}
    assert (str(ana.public_id) in ranked) is asked
    if asked:
        assert "can leave their visit" in ranked[str(ana.public_id)].reason


@pytest.mark.clock
def test_an_opted_in_informal_carer_is_asked_for_their_own_client_only(people):
    pat = Carer.objects.get(user=people.informal)  # a neighbour who helps Arthur
    assert pat.is_informal and list(pat.helps_clients.all()) == [people.arthur]
    with time_machine.travel(today_at(2, 30), tick=False):
        now = timezone.now()
        # Not opted in: off duty at night, not asked even for Arthur.
        NotificationPreference.objects.filter(user=people.informal).delete()
        assert str(pat.public_id) not in {
            c.id for c in rank(build_pool(people.arthur, kind="help", now=now))
        }
        NotificationPreference.objects.create(user=people.informal, help_calls_off_duty=True)
        for_arthur = {c.id: c for c in rank(build_pool(people.arthur, kind="help", now=now))}
        assert "off duty, offered" in for_arthur[str(pat.public_id)].reason
        for_edna = {c.id for c in rank(build_pool(people.edna, kind="help", now=now))}
        assert str(pat.public_id) not in for_edna
