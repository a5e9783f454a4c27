"""The API object: mounts each app's router at /api/v1 (schema at /api/v1/openapi.json)."""

from __future__ import annotations

from ninja import NinjaAPI

from carecircle.alerts.api import router as alerts_router
from carecircle.api.errors import document_errors, install_error_handlers
from carecircle.circles.api import clients_router
from carecircle.circles.api import router as circles_router
from carecircle.oversight.api import router as oversight_router
from carecircle.people.api import router as people_router
from carecircle.people.api_auth import SessionAuth, TokenAuth
from carecircle.plans.api import router as plans_router
from carecircle.rota.api import circles_router as rota_circles_router
from carecircle.rota.api import router as rota_router
from carecircle.safeguarding.api import router as safeguarding_router
from carecircle.visits.api import router as visits_router

# OpenAPI links: where an answer's ids lead next (clients and tools follow them; the fuzz test
# walks them as a state machine). (from operation, status, to operation, parameter, id's place)
FIRST_ID = "$response.body#/0/id"
LINKS = [
    ("people_api_list_clients", 200, "people_api_get_client", "client_id", FIRST_ID),
    ("people_api_list_clients", 200, "plans_api_list_changes", "client_id", FIRST_ID),
    ("people_api_list_clients", 200, "plans_api_list_restrictions", "client_id", FIRST_ID),
    ("circles_api_list_circles", 200, "circles_api_get_circle", "circle_id", FIRST_ID),
    ("rota_api_list_visits", 200, "rota_api_get_visit", "visit_id", FIRST_ID),
    ("plans_api_list_changes", 200, "plans_api_get_change", "change_id", FIRST_ID),
    (
        "visits_api_sync_record",
        200,
        "visits_api_get_record",
        "record_id",
        "$response.body#/record_id",
    ),
    ("alerts_api_device_alert", 201, "alerts_api_alert_status", "alert_id", "$response.body#/id"),
]


def add_links(schema: dict) -> dict:
    operations = {
        operation.get("operationId", "").removeprefix("carecircle_"): operation
        for operations in schema.get("paths", {}).values()
        for operation in operations.values()
    }
    for source, status, target, parameter, value in LINKS:
        if source not in operations or target not in operations:
            continue
        response = operations[source]["responses"].get(str(status))
        if response is None:
            continue
        response.setdefault("links", {})[target] = {
            "operationId": operations[target]["operationId"],
            "parameters": {parameter: value},
        }
    return schema


class CarecircleAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return add_links(document_errors(super().get_openapi_schema(*args, **kwargs)))


api = CarecircleAPI(
    title="carecircle API",
    version="1",
    description=(
        "Read the circles, clients and visits you may see. Authenticate with your browser "
        "session or with `Authorization: Bearer <token>` (tokens are issued by "
        "`manage.py create_api_token`). Errors always have the shape "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", people_router)
api.add_router("/", clients_router)
api.add_router("/circles", circles_router)
api.add_router("/circles", rota_circles_router)
# Each app owns its router and the paths under its prefix. The Visit model is the rota's, so
# /visits is rota's router; the `visits` app holds what happened at a visit: /records.
api.add_router("/visits", rota_router)
api.add_router("/records", visits_router)
api.add_router("/alerts", alerts_router)
api.add_router("/plans", plans_router)
api.add_router("/plans", oversight_router)
api.add_router("/safeguarding", safeguarding_router)
