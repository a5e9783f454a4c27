"""Whatever a phone (or anyone with a token) sends to the sync endpoint, the answer is a refusal
in the one error shape or a stored record — never a server error."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SYNC = "/api/v1/records/sync"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
fields = st.sampled_from(
    [
        "checked_in_at",
        "checked_out_at",
        "check_in_lat",
        "mood",
        "mood_at",
        "notes",
        "over_time_reason",
        "tasks",
        "doses",
        "expenses",
        "visit_id",
        "record_id",
    ]
)
times = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(extra=st.dictionaries(fields, json_values | times, max_size=4))
def test_fuzzed_bodies_never_break_the_server(rec, people, client, extra):
    client.force_login(people.carer)
    body = {
        "op_id": str(uuid.uuid4()),
        "record_id": str(rec.record_id),
        "visit_id": str(rec.visit.public_id),
        **extra,
    }
    response = client.post(SYNC, body, content_type="application/json")
    assert response.status_code in (200, 403, 404, 422), response.content[:300]
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


def _stored():
    from carecircle.audit.models import AuditEvent
    from carecircle.visits.models import (
        Expense,
        MedicineAdministration,
        RecordAlias,
        SyncReceipt,
        TaskRecord,
        VisitRecord,
    )

    records = list(VisitRecord.objects.values_list("revision", "notes", "over_time_reason"))
    return (
        sorted(records),
        *(
            model.objects.count()
            for model in (TaskRecord, MedicineAdministration, Expense, SyncReceipt, RecordAlias)
        ),
        AuditEvent.objects.filter(action="visit_record_synced").count(),
    )


hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Zs", "L", "N", "P"]), max_size=40
) | st.sampled_from(["", "x" * 10_001, "a\x00b", "2026-12-04T07:05:00", "0001-01-01T00:00:00Z"])
# Whole bodies: anything JSON at all, or a record whose every field may be anything.
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=10,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_arbitrary_json_never_breaks_the_server_nor_half_writes(rec, people, client, data):
    """Never a 5xx; and an operation that is refused leaves nothing behind (no record, child,
    receipt or audit event), while one that is stored leaves its receipt."""
    client.force_login(people.carer)
    t = st.sampled_from(
        [
            rec.start.isoformat(),
            rec.start.replace(tzinfo=None).isoformat(),  # no zone
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
        ]
    ) | st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
    shaped = st.fixed_dictionaries(
        {
            "op_id": st.just(str(uuid.uuid4())),
            "record_id": st.just(str(rec.record_id)) | st.uuids().map(str),
            "visit_id": st.just(str(rec.visit.public_id)),
        },
        optional={
            "checked_in_at": t | any_json,
            "checked_out_at": t | any_json,
            "notes": hostile_text | any_json,
            "over_time_reason": hostile_text,
            "mood": st.sampled_from(["good", "low", "bad"]) | any_json,
            "mood_at": t | any_json,
            "tasks": st.lists(
                st.fixed_dictionaries(
                    {
                        "task_id": st.sampled_from([x.pk for x in rec.tasks]) | st.integers(),
                        "done": st.booleans() | any_json,
                        "reason": hostile_text,
                        "recorded_at": t | any_json,
                    }
                ),
                max_size=3,
            )
            | any_json,
            "expenses": st.lists(
                st.fixed_dictionaries(
                    {
                        "id": st.uuids().map(str),
                        "amount": st.sampled_from(["1.50", "-1", "99999", "abc"]) | any_json,
                        "kind": st.sampled_from(["shopping", "travel", "nope"]),
                        "note": hostile_text,
                        "spent_at": t | any_json,
                    }
                ),
                max_size=2,
            )
            | any_json,
        },
    )
    body = data.draw(any_json | shaped)
    before = _stored()
    response = client.post(SYNC, json.dumps(body), content_type="application/json")
    assert response.status_code < 500, response.content[:300]
    if response.status_code == 200:
        from carecircle.visits.models import SyncReceipt

        assert SyncReceipt.objects.filter(public_id=body["op_id"]).exists()
    else:
        assert set(response.json()["error"]) == {"code", "message", "fields"}
        assert _stored() == before
