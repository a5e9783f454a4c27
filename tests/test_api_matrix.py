"""The permission matrix for the API: every operation in the django-ninja OpenAPI schema has a row
here, with the status each persona gets (signed in with their browser session), and anonymous
callers get 401. `test_every_api_operation_has_a_row` reads the schema, so a new route without a
row fails the suite.

The page actions that are POSTs (change_act, restriction_act, signal_ack, concern_act) are Django
views, not API operations (they are not in the schema); their rows are in the app matrices
(tests/plans/test_plans_matrix.py, tests/safeguarding/test_safeguarding_matrix.py), and
`PAGE_POSTS` below runs each, per persona, with the status it should answer.

Who sees what, in words:
- a client's record (Edna): her circle (Riverside), herself, her attorney (Sue) and the
  administrator; Pat helps only Arthur and Chris is in Hilltop, so for them it does not exist (404);
  managers and the safeguarding lead do not read client records through the API (403 or 404).
- a visit record: the carer who made it and the circle's team leaders.
- equity: managers (and the administrator).
- the device alert POST takes only a device token; a person's session is 401.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carecircle.api.api import api
from tests.factories import local, make_visit
from tests.matrix import ROLES

# Statuses for Edna's visits and help calls: managers and the safeguarding lead are not told they
# exist through these routes (404).
EDNA = {
    "team_leader": 200,
    "carer": 200,
    "carer2": 200,
    "client": 200,
    "representative": 200,
    "admin": 200,
    "informal": 404,
    "outsider": 404,
    "manager": 404,
    "safeguarding": 404,
}
# Her record and plan: managers and the safeguarding lead see figures, not client records (403,
# as on the pages).
EDNA_RECORD = {**EDNA, "manager": 403, "safeguarding": 403}
ALL_200 = dict.fromkeys(ROLES, 200)
# Who keeps visits on a phone: everyone with a carer profile (Sue is also an informal carer).
CARERS = ("carer", "carer2", "informal", "representative", "outsider")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _ana(p):
    return p.carer.carer_profile


def _ednas_visit(p):
    """A visit of Edna's today at noon with only Ana on it (made here: a visit of the demo rota
    may have Dave on it too, depending on the day)."""
    return make_visit(p.edna, local(timezone.localdate(), 12), carers=[_ana(p)])


def _record(p):
    from carecircle.visits.models import VisitRecord

    visit = _ednas_visit(p)
    record, _ = VisitRecord.objects.get_or_create(
        visit=visit, carer=_ana(p), defaults={"client": p.edna}
    )
    return record.public_id


def _alert(p):
    from carecircle.alerts import services
    from carecircle.alerts.models import HelpAlert

    alert = HelpAlert.objects.filter(client=p.edna).first()
    if alert is None:
        alert, _ = services.alert_raise(actor=p.client, client=p.edna)
    return alert.public_id


def _change(p):
    from carecircle.plans.models import ChangeKind, PlanChange

    plan = p.edna.care_plan
    change, _ = PlanChange.objects.get_or_create(
        plan=plan,
        base_version=plan.agreed_version(),
        kind=ChangeKind.ADD_TASK,
        title="API matrix check",
        defaults={"reason": "matrix", "proposed_by": p.carer, "proposed_at": timezone.now()},
    )
    return change.public_id


def _sync_body(p):
    return {
        "op_id": str(uuid.uuid4()),
        "record_id": str(uuid.uuid4()),
        "visit_id": str(_ednas_visit(p).public_id),
    }


def _get(path):
    return lambda p: ("get", path(p), None)


# (method, path in the schema) -> (request builder, {persona: status}, default status)
ROWS = {
    ("GET", "/api/v1/me"): (_get(lambda p: "/api/v1/me"), ALL_200, 200),
    ("GET", "/api/v1/clients"): (_get(lambda p: "/api/v1/clients"), ALL_200, 200),
    ("GET", "/api/v1/clients/{client_id}"): (
        _get(lambda p: f"/api/v1/clients/{p.edna.public_id}"),
        EDNA_RECORD,
        403,
    ),
    ("GET", "/api/v1/circles"): (_get(lambda p: "/api/v1/circles"), ALL_200, 200),
    ("GET", "/api/v1/circles/{circle_id}"): (
        _get(lambda p: f"/api/v1/circles/{p.riverside.public_id}"),
        # Members of the circle (Sue and Pat as informal carers) and the organisation's
        # manager, safeguarding lead and administrator; Edna is not a member; Hilltop's Chris 404.
        {
            **dict.fromkeys(ROLES, 200),
            "client": 404,
            "outsider": 404,
        },
        404,
    ),
    ("GET", "/api/v1/visits"): (_get(lambda p: "/api/v1/visits"), ALL_200, 200),
    ("GET", "/api/v1/visits/{visit_id}"): (
        _get(lambda p: f"/api/v1/visits/{_ednas_visit(p).public_id}"),
        EDNA,
        404,
    ),
    ("POST", "/api/v1/records/sync"): (
        lambda p: ("post", "/api/v1/records/sync", {"json": _sync_body(p)}),
        # Ana is on the visit; a team leader records for the circle; Dave, not on it, is
        # refused; whoever cannot see the visit gets 404.
        {
            "carer": 200,
            "team_leader": 200,
            "informal": 404,
            "manager": 404,
            "safeguarding": 404,
            "outsider": 404,
        },
        403,
    ),
    ("POST", "/api/v1/records/receipts"): (
        lambda p: ("post", "/api/v1/records/receipts", {"file": ("receipt.png", PNG)}),
        {**dict.fromkeys(CARERS, 200), "team_leader": 200},
        403,
    ),
    ("GET", "/api/v1/records/pack"): (
        _get(lambda p: "/api/v1/records/pack"),
        dict.fromkeys(CARERS, 200),
        403,
    ),
    ("GET", "/api/v1/records/{record_id}"): (
        _get(lambda p: f"/api/v1/records/{_record(p)}"),
        # The carer who made it and the circle's team leaders; others who know Edna are refused,
        # those who do not are not told it exists.
        {"carer": 200, "team_leader": 200, "admin": 200, "informal": 404, "outsider": 404},
        403,
    ),
    ("POST", "/api/v1/alerts"): (
        lambda p: ("post", "/api/v1/alerts", {"json": {"event_id": "matrix-1"}}),
        {},
        401,
    ),
    ("GET", "/api/v1/alerts/{alert_id}"): (
        _get(lambda p: f"/api/v1/alerts/{_alert(p)}"),
        # The organisation's manager watches help calls (response times, escalations).
        {**EDNA, "manager": 200},
        404,
    ),
    ("GET", "/api/v1/plans/clients/{client_id}/changes"): (
        _get(lambda p: f"/api/v1/plans/clients/{p.edna.public_id}/changes"),
        EDNA_RECORD,
        404,
    ),
    ("GET", "/api/v1/plans/changes/{change_id}"): (
        _get(lambda p: f"/api/v1/plans/changes/{_change(p)}"),
        EDNA_RECORD,
        404,
    ),
    ("GET", "/api/v1/plans/clients/{client_id}/restrictions"): (
        _get(lambda p: f"/api/v1/plans/clients/{p.edna.public_id}/restrictions"),
        EDNA_RECORD,
        404,
    ),
    ("GET", "/api/v1/plans/equity"): (
        _get(lambda p: "/api/v1/plans/equity"),
        {"manager": 200, "admin": 200},
        403,
    ),
}


def schema_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }


def test_every_api_operation_has_a_row():
    operations = schema_operations()
    missing = operations - set(ROWS)
    assert not missing, f"add these API operations to tests/test_api_matrix.py: {sorted(missing)}"
    stale = set(ROWS) - operations
    assert not stale, f"these rows name operations the API no longer has: {sorted(stale)}"


def _call(client, people, operation):
    build, _, _ = ROWS[operation]
    method, url, body = build(people)
    if method == "get":
        return client.get(url)
    if "file" in body:
        from django.core.files.uploadedfile import SimpleUploadedFile

        name, data = body["file"]
        upload = SimpleUploadedFile(name, data, content_type="image/png")
        return client.post(url, {"file": upload})
    return client.post(url, body["json"], content_type="application/json")


@pytest.mark.parametrize("operation", list(ROWS), ids=lambda o: f"{o[0]} {o[1]}")
@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(client, people, operation, role):
    _, expected, default = ROWS[operation]
    client.force_login(getattr(people, role))
    response = _call(client, people, operation)
    wanted = expected.get(role, default)
    assert response.status_code == wanted, (
        f"{operation} as {role}: got {response.status_code}, wanted {wanted}: "
        f"{response.content[:300]!r}"
    )
    if wanted >= 400:
        assert "error" in response.json(), "errors have the one error shape"


@pytest.mark.parametrize("operation", list(ROWS), ids=lambda o: f"{o[0]} {o[1]}")
def test_api_refuses_anonymous_callers(client, people, operation):
    response = _call(client, people, operation)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_device_routes_take_a_device_token(client, people):
    """The one API write that is not a person's: a telecare device raises a call for its client
    and reads where it stands; the token works for nothing else."""
    from carecircle.alerts.models import AlarmDevice, HelpAlert
    from carecircle.alerts.services import device_issue

    device, token = device_issue(client=people.edna, name="Pendant")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    raised = client.post(
        "/api/v1/alerts", {"event_id": "matrix-1"}, content_type="application/json", **auth
    )
    assert raised.status_code == 201
    alert = HelpAlert.objects.get(public_id=raised.json()["id"])
    assert alert.client == people.edna and alert.device == AlarmDevice.objects.get(pk=device.pk)
    assert client.get(f"/api/v1/alerts/{alert.public_id}", **auth).status_code == 200
    assert client.get("/api/v1/me", **auth).status_code == 401


# ------------------------------------------------------------------ page actions that are POSTs
# Each builder returns (url, form data, done) where done() says whether the action took effect:
# a 302 back to the page is only "allowed" when the thing was actually done.


def _post_change_risk(p):
    from carecircle.plans.models import RiskNote

    change_id = _change(p)
    url = reverse("change_act", args=[change_id, "risk"])
    data = {"hazard": "Hot water", "likelihood": "low", "mitigation": "Check it first"}
    return url, data, lambda: RiskNote.objects.filter(change__public_id=change_id).exists()


def _post_restriction_review(p):
    from carecircle.plans.models import RestrictionReview, RestrictivePractice

    today = timezone.localdate()
    practice, _ = RestrictivePractice.objects.get_or_create(
        client=p.edna,
        kind="bed_rails",
        defaults={
            "description": "Bed rails at night",
            "legal_basis": "consent",
            "started_on": today,
            "review_due": today + timedelta(days=90),
        },
    )
    url = reverse("restriction_act", args=[practice.public_id, "review"])
    data = {
        "outcome": "Still needed; still the least restrictive option.",
        "next_review": (today + timedelta(days=60)).isoformat(),
    }
    return url, data, lambda: RestrictionReview.objects.filter(practice=practice).exists()


def _post_concern_note(p):
    from carecircle.safeguarding.concerns import concern_raise
    from carecircle.safeguarding.models import ConcernNote

    concern = concern_raise(actor=p.carer, summary="Matrix", description="x", client=p.edna)
    url = reverse("concern_act", args=[concern.public_id, "note"])
    data = {"note": "More detail for the lead"}
    return (
        url,
        data,
        lambda: ConcernNote.objects.filter(concern=concern, text=data["note"]).exists(),
    )


def _post_signal_ack(p):
    from carecircle.safeguarding.anomalies import MISSED
    from carecircle.safeguarding.models import SignalAcknowledgement

    start = (timezone.now() - timedelta(hours=4)).replace(second=0, microsecond=0)
    visit = make_visit(p.edna, start, name="Matrix missed visit", fixed=False, carers=[_ana(p)])
    key = f"{MISSED}:{visit.public_id}"
    data = {"key": key, "reason": "Edna was in hospital"}
    return (
        reverse("signal_ack"),
        data,
        lambda: SignalAcknowledgement.objects.filter(key=key).exists(),
    )


# name -> (builder, {persona: status}, default). 302: done, back on the page; 403: a role that
# may not; 404: an object the persona may not know exists.
PAGE_POSTS = {
    # Risk notes are written by carers (Sue is also an informal carer of Edna's) and team leaders;
    # the client does not write her own.
    "change_act": (
        _post_change_risk,
        {
            "team_leader": 302,
            "carer": 302,
            "carer2": 302,
            "representative": 302,
            "admin": 302,
            "client": 403,
            "informal": 404,
            "outsider": 404,
        },
        403,
    ),
    "restriction_act": (
        _post_restriction_review,
        {"team_leader": 302, "admin": 302, "informal": 404, "outsider": 404, "manager": 404},
        403,
    ),
    # The lead handles concerns; whoever raised one (Ana here) may add detail; to anyone else it
    # does not exist.
    "concern_act": (
        _post_concern_note,
        {"safeguarding": 302, "admin": 302, "carer": 302},
        404,
    ),
    "signal_ack": (
        _post_signal_ack,
        {"team_leader": 302, "safeguarding": 302, "admin": 302},
        403,
    ),
}


@pytest.mark.parametrize("name", list(PAGE_POSTS))
@pytest.mark.parametrize("role", ROLES)
def test_page_post_matrix(client, people, name, role):
    build, expected, default = PAGE_POSTS[name]
    url, data, done = build(people)
    client.force_login(getattr(people, role))
    response = client.post(url, data)
    wanted = expected.get(role, default)
    assert response.status_code == wanted, (
        f"{name} as {role}: got {response.status_code}, wanted {wanted}"
    )
    assert done() == (wanted == 302), f"{name} as {role}: done {done()}"
