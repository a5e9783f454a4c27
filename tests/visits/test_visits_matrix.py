"""Permission matrix for the visit recording pages, the MAR chart, receipts and the PWA files."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from carecircle.visits.models import Expense, VisitRecord
from carecircle.visits.services import receipt_store
from tests.matrix import ROLES, check_anonymous, check_route
from tests.visits.conftest import make_recording

URL_NAMES = {
    "visits_upcoming",
    "visit_record",
    "mar_chart",
    "mar_chart_pdf",
    "arrival_notice",
    "location_consent",
    "receipt_file",
    "visits_service_worker",
    "visits_manifest",
}

CARERS = {"carer", "carer2", "informal", "representative", "outsider"}
SEES_EDNA = {"team_leader", "carer", "carer2", "client", "representative", "admin"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _recording_visit(p):
    return make_recording(p).visit.public_id


def _receipt(p):
    rec = make_recording(p)
    record, _ = VisitRecord.objects.get_or_create(
        visit=rec.visit, carer=rec.ana, defaults={"client": rec.visit.client}
    )
    stored = receipt_store(actor=p.carer, data=PNG + uuid.uuid4().bytes)
    expense = Expense.objects.create(
        record=record,
        carer=rec.ana,
        amount="3.20",
        kind="shopping",
        spent_at=rec.start,
        receipt_sha256=stored.sha256,
        receipt_path=stored.name_in_data,
        receipt_type=stored.content_type,
    )
    return expense.public_id


def _record(p):
    rec = make_recording(p)
    record, _ = VisitRecord.objects.get_or_create(
        visit=rec.visit, carer=rec.ana, defaults={"client": rec.visit.client}
    )
    return record.public_id


def _mar(name):
    return lambda p: reverse(name, args=[p.edna.public_id])


ROUTES = {
    "visits_upcoming": (lambda p: reverse("visits_upcoming"), {r: 200 for r in CARERS}, 403),
    "visit_record": (
        lambda p: reverse("visit_record", args=[_recording_visit(p)]),
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
    "mar_chart": (_mar("mar_chart"), dict.fromkeys(SEES_EDNA, 200), 404),
    "mar_chart_pdf": (_mar("mar_chart_pdf"), dict.fromkeys(SEES_EDNA, 200), 404),
    "arrival_notice": (_mar("arrival_notice"), {}, 405),
    # POST only; who may change it is tested in test_location_consent.py.
    "location_consent": (_mar("location_consent"), {}, 405),
    "receipt_file": (
        lambda p: reverse("receipt_file", args=[_receipt(p)]),
        {
            "carer": 200,
            "team_leader": 200,
            "admin": 200,
            "informal": 404,
            "outsider": 404,
        },
        403,
    ),
    "visits_service_worker": (lambda p: reverse("visits_service_worker"), {}, 200),
    "visits_manifest": (lambda p: reverse("visits_manifest"), {}, 200),
}
# The API routes under /api/v1/records (GET ones; writes are in test_api.py).
ROUTES["api_records_pack"] = (lambda p: "/api/v1/records/pack", {r: 200 for r in CARERS}, 403)
ROUTES["api_record"] = (
    lambda p: f"/api/v1/records/{_record(p)}",
    {"carer": 200, "team_leader": 200, "admin": 200, "informal": 404, "outsider": 404},
    403,
)
PUBLIC = {"visits_service_worker", "visits_manifest"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_route_permissions(client, people, settings, tmp_path, route, role):
    settings.DATA_DIR = tmp_path
    if route in ("mar_chart", "mar_chart_pdf") and role in ("manager", "safeguarding"):
        # Managers and safeguarding leads see figures, not client records: 403 in their own
        # organisation, as for the client page.
        ROUTES[route][1][role] = 403
    check_route(client, people, ROUTES, route, role)


@pytest.mark.parametrize("route", sorted(set(ROUTES) - PUBLIC))
def test_anonymous_is_sent_to_sign_in(client, people, route):
    check_anonymous(client, people, ROUTES, route)
