"""Safeguarding signals from the visit records: one test per rule, then the page and the
acknowledgement (which needs a reason)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from carecircle.audit.models import AuditEvent
from carecircle.people.models import Carer
from carecircle.plans.models import PlanTask
from carecircle.rota.models import Assignment, Visit
from carecircle.safeguarding import anomalies as A
from carecircle.safeguarding.models import SignalAcknowledgement
from carecircle.safeguarding.signal_services import signal_acknowledge, signals_for
from carecircle.visits.models import (
    Expense,
    Medicine,
    MedicineAdministration,
    TaskRecord,
)
from tests.factories import make_record, make_visit


def _signal_visit(
    people, *, client=None, hours_ago=5, minutes=60, carer=None, carers=None, needed=1
):
    """A published visit made outside any plan pattern (the outside-plan rule flags these).
    `carers` (a list, possibly empty) replaces the one default carer."""
    client = client or people.edna
    start = (timezone.now() - timedelta(hours=hours_ago)).replace(second=0, microsecond=0)
    pattern_visit = Visit.objects.filter(client=client, pattern__isnull=False).first()
    if carers is None:
        carers = [carer or Carer.objects.get(user=people.carer)]
    return make_visit(
        client,
        start,
        minutes=minutes,
        name="Signal test",
        carers=carers,
        plan_version=pattern_visit.plan_version if pattern_visit else None,
        carers_needed=needed,
    )


def _record(visit, carer, *, late=0, stayed=None, client=None):
    at = visit.planned_start + timedelta(minutes=late)
    return make_record(
        visit,
        carer,
        client=client or visit.client,
        checked_in_at=at,
        checked_out_at=at + timedelta(minutes=visit.duration_minutes if stayed is None else stayed),
    )


def _kinds(people, kind):
    signals = A.compute_signals(circles=[people.riverside, people.hilltop])
    return [s for s in signals if s.kind == kind]


def _ana(people):
    return Carer.objects.get(user=people.carer)


def test_a_published_visit_nobody_checked_in_to_is_missed(people):
    visit = _signal_visit(people, hours_ago=4)
    found = [s for s in _kinds(people, A.MISSED) if s.visit == visit]
    assert found and "nobody checked in" in found[0].explanation
    _record(visit, _ana(people))
    assert not [s for s in _kinds(people, A.MISSED) if s.visit == visit]
    # Marked completed (history kept on paper): delivered, not missed.
    other = _signal_visit(people, hours_ago=3)
    Visit.objects.filter(pk=other.pk).update(status="completed")
    assert not [s for s in _kinds(people, A.MISSED) if s.visit == other]


def test_a_visit_nobody_took_and_nobody_attended_is_missed(people):
    nobody = _signal_visit(people, hours_ago=4, carers=[])
    drafted = _signal_visit(people, hours_ago=5, carers=[])
    Assignment.objects.create(visit=drafted, carer=_ana(people), status="draft")
    for visit in (nobody, drafted):
        found = [s for s in _kinds(people, A.MISSED) if s.visit == visit]
        assert len(found) == 1, visit
        assert "nobody took the visit" in found[0].explanation
        assert "nobody checked in" in found[0].explanation
        assert found[0].key == f"{A.MISSED}:{visit.public_id}"
    # Somebody came after all (an open visit picked up on the day): not missed.
    _record(nobody, _ana(people))
    assert not [s for s in _kinds(people, A.MISSED) if s.visit == nobody]


def test_a_two_carer_visit_only_one_attended_is_short_staffed(people):
    ana, dave = _ana(people), Carer.objects.get(user=people.carer2)
    half = _signal_visit(people, hours_ago=4, carers=[ana, dave], needed=2)
    full = _signal_visit(people, hours_ago=6, carers=[ana, dave], needed=2)
    _record(half, ana)
    _record(full, ana)
    _record(full, dave)
    short = [s for s in _kinds(people, A.SHORT_STAFFED) if s.visit in (half, full)]
    assert [s.visit for s in short] == [half]
    assert short[0].carer == dave
    assert f"only {ana} checked in" in short[0].explanation
    assert f"not there: {dave}" in short[0].explanation
    assert short[0].label == "Fewer carers than needed"
    # One carer there is not "nobody came": no missed-visit signal as well.
    assert not [s for s in _kinds(people, A.MISSED) if s.visit in (half, full)]
    # Nobody came to a two-carer visit: one missed-visit signal naming both.
    neither = _signal_visit(people, hours_ago=3, carers=[ana, dave], needed=2)
    missed = [s for s in _kinds(people, A.MISSED) if s.visit == neither]
    assert len(missed) == 1 and str(ana) in missed[0].explanation
    assert str(dave) in missed[0].explanation


def test_a_start_over_30_minutes_late(people):
    ok = _signal_visit(people, hours_ago=6)
    late = _signal_visit(people, hours_ago=9)
    _record(ok, _ana(people), late=25)
    _record(late, _ana(people), late=45)
    found = _kinds(people, A.LATE)
    assert [s.visit for s in found] == [late]
    assert "45 minutes after the planned start" in found[0].explanation


def test_a_visit_under_two_thirds_of_the_planned_time(people):
    short = _signal_visit(people, hours_ago=6, minutes=60)
    fine = _signal_visit(people, hours_ago=9, minutes=60)
    _record(short, _ana(people), stayed=35)
    _record(fine, _ana(people), stayed=41)
    found = _kinds(people, A.SHORT)
    assert [s.visit for s in found] == [short]
    assert "stayed 35 minutes" in found[0].explanation


def test_one_carer_in_two_places_at_once(people):
    ana = _ana(people)
    a = _signal_visit(people, hours_ago=6, minutes=60)
    b = _signal_visit(people, client=people.arthur, hours_ago=5.5, minutes=30)
    _record(a, ana)
    _record(b, ana)
    found = _kinds(people, A.TWO_PLACES)
    assert len(found) == 1 and found[0].carer == ana
    assert "at the same time" in found[0].explanation


def test_expenses_without_receipt_and_out_of_pattern(people):
    ana = _ana(people)
    visits = [_signal_visit(people, hours_ago=24 * d + 3) for d in range(1, 6)]
    records = [_record(v, ana) for v in visits]
    for r, amount in zip(records[1:], ["10.00", "12.00", "11.00", "9.00"], strict=True):
        Expense.objects.create(
            record=r,
            carer=ana,
            amount=Decimal(amount),
            kind="shopping",
            receipt_sha256="a" * 64,
            spent_at=r.checked_in_at,
        )
    big = Expense.objects.create(
        record=records[0],
        carer=ana,
        amount=Decimal("80.00"),
        kind="shopping",
        receipt_sha256=None,
        spent_at=records[0].checked_in_at,
    )
    mileage = Expense.objects.create(
        record=records[0],
        carer=ana,
        amount=Decimal("4.00"),
        kind="mileage",
        spent_at=records[0].checked_in_at,
    )
    no_receipt = _kinds(people, A.EXPENSE_NO_RECEIPT)
    assert [s.key for s in no_receipt] == [f"{A.EXPENSE_NO_RECEIPT}:{big.public_id}"]
    assert mileage.public_id not in {s.key for s in no_receipt}
    unusual = _kinds(people, A.EXPENSE_UNUSUAL)
    assert [s.key for s in unusual] == [f"{A.EXPENSE_UNUSUAL}:{big.public_id}"]
    assert "3 times the usual £10.50" in unusual[0].explanation


def test_repeated_refusals_of_a_task_and_a_medicine(people):
    ana = _ana(people)
    task = PlanTask.objects.filter(version__plan__client=people.edna).first()
    medicine = Medicine.objects.create(
        client=people.edna, name="Testamol", dose="1", times=["08:00"]
    )
    for day in range(1, 4):
        record = _record(_signal_visit(people, hours_ago=24 * day + 2), ana)
        TaskRecord.objects.create(
            record=record,
            task=task,
            done=False,
            reason="Said no",
            recorded_at=record.checked_in_at,
        )
        MedicineAdministration.objects.create(
            record=record,
            medicine=medicine,
            slot="08:00",
            dose="1",
            outcome="refused",
            given_at=record.checked_in_at,
            recorded_at=record.checked_in_at,
        )
    tasks = _kinds(people, A.REFUSED_TASK)
    assert len(tasks) == 1 and "not done 3 times" in tasks[0].explanation
    assert "Said no" in tasks[0].explanation
    meds = _kinds(people, A.REFUSED_MEDICINE)
    assert len(meds) == 1 and "refused Testamol 3 times" in meds[0].explanation


def test_visits_outside_the_plan(people):
    dave = Carer.objects.get(user=people.carer2)
    visit = _signal_visit(people, hours_ago=5)
    record = _record(visit, dave)  # Ana is rostered; Dave recorded it
    found = [s for s in _kinds(people, A.OUTSIDE_PLAN) if s.key.endswith(str(record.public_id))]
    assert found
    assert "not on the rota" in found[0].explanation
    assert "not in the client's plan" in found[0].explanation


def test_team_leaders_see_their_circles_and_the_lead_sees_all(client, people):
    visit = _signal_visit(people, client=people.margaret, hours_ago=4)  # Hilltop
    key = f"{A.MISSED}:{visit.public_id}"
    lead_open, _ = signals_for(people.safeguarding)
    assert key in {s.key for s in lead_open}
    priya_open, _ = signals_for(people.team_leader)
    assert people.margaret.circle == people.hilltop
    assert key not in {s.key for s in priya_open}
    client.force_login(people.safeguarding)
    page = client.get(reverse("signal_list")).content.decode()
    assert "Missed visit" in page and "nobody checked in" in page


def test_acknowledging_needs_a_reason_and_is_audited(client, people):
    visit = _signal_visit(people, hours_ago=4)
    key = f"{A.MISSED}:{visit.public_id}"
    with pytest.raises(ValidationError):
        signal_acknowledge(actor=people.team_leader, key=key, reason="  ")
    client.force_login(people.team_leader)
    response = client.post(reverse("signal_ack"), {"key": key, "reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    client.post(reverse("signal_ack"), {"key": key, "reason": "Edna was in hospital"})
    ack = SignalAcknowledgement.objects.get(key=key)
    assert ack.by == people.team_leader and ack.reason == "Edna was in hospital"
    assert AuditEvent.objects.filter(action="signal_acknowledged", client=people.edna).exists()
    open_, done = signals_for(people.team_leader)
    assert key not in {s.key for s in open_}
    assert key in {s.key for s, _ack in done}
    # A carer cannot see or acknowledge signals.
    client.force_login(people.carer)
    assert client.post(reverse("signal_ack"), {"key": key, "reason": "x"}).status_code == 403
