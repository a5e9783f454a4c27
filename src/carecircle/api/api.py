"""The API object: mounts each app's router at /api/v1 (schema at /api/v1/openapi.json)."""

from __future__ import annotations

from ninja import NinjaAPI

from carecircle.alerts.api import router as alerts_router
from carecircle.api.auth import SessionAuth, TokenAuth
from carecircle.api.errors import document_errors, install_error_handlers
from carecircle.circles.api import router as circles_router
from carecircle.people.api import router as people_router
from carecircle.plans.api import router as plans_router
from carecircle.rota.api import router as rota_router
from carecircle.safeguarding.api import router as safeguarding_router
from carecircle.visits.api import router as visits_router


class CarecircleAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return document_errors(super().get_openapi_schema(*args, **kwargs))


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
api.add_router("/circles", circles_router)
# Each app owns its router and the paths under its prefix. The Visit model is the rota's, so
# /visits is rota's router; the `visits` app holds what happened at a visit: /records.
api.add_router("/visits", rota_router)
api.add_router("/records", visits_router)
api.add_router("/alerts", alerts_router)
api.add_router("/plans", plans_router)
api.add_router("/safeguarding", safeguarding_router)
