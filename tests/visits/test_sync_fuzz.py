"""Whatever a phone (or anyone with a token) sends to the sync endpoint, the answer is a refusal
in the one error shape or a stored record — never a server error."""

from __future__ import annotations

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
