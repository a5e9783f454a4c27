"""A visit to record: Edna's visit today, started two hours ago, assigned to Ana, with its plan
tasks and a medicine due at its start."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from carecircle.people.models import Carer
from carecircle.rota.models import Assignment, Visit
from carecircle.visits.models import Medicine
from carecircle.visits.schemas import RecordIn
from carecircle.visits.selectors import due_doses, tasks_for_visit


def make_recording(people, *, client=None, hours_ago: float = 2):
    client = client or people.edna
    ana = Carer.objects.get(user=people.carer)
    start = (timezone.now() - timedelta(hours=hours_ago)).replace(second=0, microsecond=0)
    # A visit of the day it started (yesterday, when the test runs just after midnight): moved
    # within its own day, it cannot meet the same pattern's visit of another day.
    visit = (
        Visit.objects.filter(client=client, date=timezone.localdate(start), pattern__isnull=False)
        .order_by("window_start")
        .first()
    )
    visit.window_start = visit.window_end = visit.start = start
    visit.date = timezone.localdate(start)
    visit.save()
    Assignment.objects.filter(visit=visit).delete()
    Assignment.objects.create(visit=visit, carer=ana, status="published")
    Medicine.objects.filter(client=client).update(active=False)
    slot = timezone.localtime(start).strftime("%H:%M")
    medicine = Medicine.objects.create(
        client=client, name="Testamol", dose="1 tablet", times=[slot]
    )
    prn = Medicine.objects.create(client=client, name="Calmex", dose="5 ml", as_needed=True)
    assert [d.slot for d in due_doses(visit)] == [slot]
    return SimpleNamespace(
        visit=visit,
        ana=ana,
        tasks=tasks_for_visit(visit),
        medicine=medicine,
        prn=prn,
        slot=slot,
        start=start,
        record_id=uuid.uuid4(),
    )


@pytest.fixture
def rec(people):
    return make_recording(people)


def snapshot(rec, **fields) -> RecordIn:
    data = {
        "op_id": uuid.uuid4(),
        "record_id": fields.pop("record_id", None) or rec.record_id,
        "visit_id": rec.visit.public_id,
    }
    data.update(fields)
    return RecordIn(**data)


@pytest.fixture(autouse=True)
def _receipts_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path
