"""The API object: mounts each app's router at /api/v1 (schema at /api/v1/openapi.json)."""

from __future__ import annotations

from ninja import NinjaAPI

from carecircle.api.auth import SessionAuth, TokenAuth
from carecircle.api.errors import install_error_handlers
from carecircle.circles.api import router as circles_router
from carecircle.people.api import router as people_router
from carecircle.rota.api import router as rota_router

api = NinjaAPI(
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
api.add_router("/visits", rota_router)
