"""The carer who answers a help call leaves their rota: the rest of the visit they were on and
their later visits that day are offered to other able carers through the rota engine's repair
(the absence and cover-offer machinery), and come back to them when the call ends. The clock is
set to 11:00 London, when the demo's carers work, so the engine has someone to propose."""

from __future__ import annotations

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from carecircle.alerts import services
from carecircle.alerts.models import HelpAlert
from carecircle.notifications.models import Notification
from carecircle.people.models import Carer
from carecircle.rota.models import Assignment, CoverOffer, Visit
from carecircle.rota.services import cover_accept
from carecircle.visits.models import VisitRecord
from tests.alerts.oncall import today_at
from tests.factories import make_visit

pytestmark = pytest.mark.usefixtures("on_call")


@pytest.fixture
def ana_at_arthurs(people, settings):
    """11:00: Ana is on Arthur's 10:40–11:40 visit (checked in), and has George at 14:00."""
    settings.ALERT_WAVE_SIZE = 50  # everyone is asked at once: Ana among them
    with time_machine.travel(today_at(11, 0), tick=True):
        now = timezone.now()
        ana = Carer.objects.get(user=people.carer)
        arthur = make_visit(
            people.arthur,
            now - timedelta(minutes=20),
            minutes=60,
            name="Late morning",
            skills=["dementia"],
        )
        george = make_visit(
            people.riverside.clients.get(first_name="George"),
            now + timedelta(hours=3),
            minutes=30,
            name="Lunch",
        )
        for v in (arthur, george):
            Assignment.objects.create(visit=v, carer=ana, status="published")
        VisitRecord.objects.create(
            visit=arthur, carer=ana, client=people.arthur, checked_in_at=now - timedelta(minutes=18)
        )
        yield ana, arthur, george


def _ana_goes(people, ana):
    alert, _ = services.alert_raise(actor=people.client, client=people.edna, kind="fall")
    offer = alert.offers.get(carer=ana)
    assert "can leave their visit" in offer.reason
    services.offer_accept(actor=people.carer, offer_id=offer.public_id)
    return HelpAlert.objects.get(pk=alert.pk)


def test_the_responders_next_visits_are_covered_by_the_circle(
    people, ana_at_arthurs, django_capture_on_commit_callbacks
):
    ana, arthur, george = ana_at_arthurs
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        alert = _ana_goes(people, ana)
    assert alert.left_visit == arthur
    # The rest of Arthur's visit is a place of its own, from 15 minutes on to its planned end.
    rest = alert.left_visit_rest
    assert rest.client == people.arthur and rest.kind == "extra"
    assert abs((rest.window_start - (now + timedelta(minutes=15))).total_seconds()) < 60
    assert rest.window_start + timedelta(minutes=rest.duration_minutes) <= arthur.planned_end
    assert rest.duration_minutes >= 20 and {s.code for s in rest.skills.all()} == {"dementia"}
    # Ana holds neither it nor George's lunch any more; the absence runs to the end of her day.
    assert not Assignment.objects.filter(carer=ana, visit__in=[rest, george]).exists()
    absence = alert.cover_absence
    assert absence.carer == ana and timezone.localtime(absence.ends_at).hour == 0
    # The engine's repair proposed other able carers for both, and they were asked.
    for visit in (rest, george):
        offers = list(CoverOffer.objects.filter(absence=absence, visit=visit, status="open"))
        assert offers, f"no cover proposed for {visit}"
        for o in offers:
            assert o.carer != ana and not o.carer.is_informal
            assert Notification.objects.filter(
                user=o.carer.user, subject__contains="cover"
            ).exists()
    rest_offer = CoverOffer.objects.filter(visit=rest).select_related("carer").first()
    assert "dementia" in {s.code for s in rest_offer.carer.skills.all()}
    # The team leaders know Ana left Arthur and that the rest is offered.
    note = Notification.objects.filter(user=people.team_leader, subject__contains="left").first()
    assert "rest of the visit" in note.body and "offered to the circle" in note.body
    # A carer offered the rest of the visit can take it.
    cover_accept(actor=rest_offer.carer.user, offer_id=rest_offer.public_id)
    assert rest.assignments.filter(carer=rest_offer.carer, status="published").exists()


def test_standing_down_gives_back_what_nobody_took(people, ana_at_arthurs):
    ana, arthur, george = ana_at_arthurs
    alert = _ana_goes(people, ana)
    services.alert_cancel(actor=people.client, alert_id=alert.public_id, reason="Sue is there")
    rest = Visit.objects.get(pk=alert.left_visit_rest_id)
    # Still before the rest was due: Ana finishes Arthur's visit and keeps George's lunch.
    assert rest.assignments.filter(carer=ana, status="published").exists()
    assert george.assignments.filter(carer=ana, status="published").exists()
    assert not CoverOffer.objects.filter(absence=alert.cover_absence, status="open").exists()


def test_a_rest_of_visit_nobody_took_is_cancelled_once_it_is_past(people, ana_at_arthurs):
    ana, arthur, george = ana_at_arthurs
    alert = _ana_goes(people, ana)
    services.alert_arrived(actor=people.carer, alert_id=alert.public_id)
    later = timezone.now() + timedelta(minutes=50)
    services.alert_resolve(
        actor=people.carer, alert_id=alert.public_id, outcome="settled", now=later
    )
    rest = Visit.objects.get(pk=alert.left_visit_rest_id)
    assert rest.status == "cancelled" and not rest.assignments.exists()
    assert george.assignments.filter(carer=ana, status="published").exists()  # back for lunch


@override_settings(ALERT_ON_SCENE_MINUTES=0)
def test_no_cover_when_turned_off(people, ana_at_arthurs):
    ana, arthur, george = ana_at_arthurs
    alert = _ana_goes(people, ana)
    assert alert.cover_absence is None and alert.left_visit_rest is None
    assert george.assignments.filter(carer=ana, status="published").exists()


def test_a_call_stood_down_while_cover_is_proposed_gives_everything_back(
    people, ana_at_arthurs, monkeypatch
):
    """The engine takes seconds after the acceptance has committed: a cancel that lands then
    finds no absence on the call yet. The cover step sees the call is over once the absence
    exists and gives it back itself."""
    from carecircle.rota.services import absences

    ana, arthur, george = ana_at_arthurs
    real_propose = absences.propose_cover
    stood_down = []

    def cancel_first(**kwargs):
        alert = HelpAlert.objects.get()
        assert alert.cover_absence is None  # what the cancel sees: nothing to give back yet
        services.alert_cancel(actor=people.client, alert_id=alert.public_id, reason="Sue is there")
        stood_down.append(alert.pk)
        return real_propose(**kwargs)

    monkeypatch.setattr(absences, "propose_cover", cancel_first)
    alert = _ana_goes(people, ana)
    assert stood_down == [alert.pk] and alert.status == "cancelled"
    absence = alert.cover_absence
    assert absence is not None and absence.withdrawn_at is not None
    rest = Visit.objects.get(pk=alert.left_visit_rest_id)
    # Ana keeps the rest of Arthur's visit and George's lunch; the engine's offers are withdrawn.
    assert rest.status == "planned"
    assert rest.assignments.filter(carer=ana, status="published").exists()
    assert george.assignments.filter(carer=ana, status="published").exists()
    offers = CoverOffer.objects.filter(absence=absence)
    assert offers.exists() and not offers.filter(status="open").exists()
    assert set(offers.values_list("status", flat=True)) == {"withdrawn"}
    note = Notification.objects.filter(user=people.team_leader, subject__contains="left").first()
    assert "offered to the circle" not in note.body


def test_a_call_stood_down_before_the_rest_of_visit_is_made_makes_none(
    people, ana_at_arthurs, monkeypatch
):
    from carecircle.alerts.services import cover

    ana, arthur, george = ana_at_arthurs
    real_lock = cover._lock_live

    def cancelled_just_before(alert):
        # Stands in for a cancel that committed just before the cover step took the lock.
        HelpAlert.objects.filter(pk=alert.pk).update(status="cancelled")
        return real_lock(alert)

    monkeypatch.setattr(cover, "_lock_live", cancelled_just_before)
    alert = _ana_goes(people, ana)
    assert alert.left_visit_rest is None and alert.cover_absence is None
    assert not Visit.objects.filter(name__startswith="Rest of").exists()
    assert george.assignments.filter(carer=ana, status="published").exists()
    assert not Notification.objects.filter(body__contains="could not be proposed").exists()


def test_cover_that_fails_after_the_absence_is_reported_is_still_given_back(
    people, ana_at_arthurs, monkeypatch
):
    from carecircle.rota.services import absences

    ana, arthur, george = ana_at_arthurs

    def engine_fails(**kwargs):
        raise RuntimeError("engine down")

    monkeypatch.setattr(absences, "propose_cover", engine_fails)
    alert = _ana_goes(people, ana)
    # The absence and the rest of the visit committed before the failure: both are recorded.
    absence, rest = alert.cover_absence, alert.left_visit_rest
    assert absence is not None and absence.carer == ana and rest is not None
    assert not george.assignments.filter(carer=ana).exists()
    assert Notification.objects.filter(
        user=people.team_leader, subject__contains="Cover", body__contains="could not be proposed"
    ).exists()
    services.alert_cancel(actor=people.client, alert_id=alert.public_id, reason="Sue is there")
    absence.refresh_from_db()
    assert absence.withdrawn_at is not None
    assert rest.assignments.filter(carer=ana, status="published").exists()
    assert george.assignments.filter(carer=ana, status="published").exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_claim_that_commits_while_the_call_ends_keeps_the_rest_of_visit(demo_live):
    """Giving back locks the rest of the visit before it looks who is on it: a claim holding the
    visit commits first, and the visit is then left alone, never cancelled with a carer on it."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL (SQLite serialises writers)")
    from carecircle.alerts.services.cover import give_back_visits

    people = demo_live
    now = timezone.now()
    rest = make_visit(people.arthur, now - timedelta(minutes=5), minutes=30, name="Rest")
    taker = Carer.objects.get(user=people.carer)
    alert = SimpleNamespace(
        cover_absence=None, left_visit_rest=rest, public_id="test", client=people.arthur
    )
    locked, release = threading.Event(), threading.Event()

    def claim():
        try:
            with transaction.atomic():
                Visit.objects.select_for_update().get(pk=rest.pk)
                locked.set()
                Assignment.objects.create(visit=rest, carer=taker, status="published")
                release.wait(timeout=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=claim)
    thread.start()
    assert locked.wait(timeout=10)
    threading.Timer(0.5, release.set).start()  # give_back is waiting on the lock by then
    give_back_visits(alert, now=now)
    thread.join(timeout=10)
    rest.refresh_from_db()
    assert rest.status == "planned"
    assert rest.assignments.filter(carer=taker, status="published").exists()
