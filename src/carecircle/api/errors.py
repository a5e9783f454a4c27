"""One error shape for every API failure: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views.defaults import server_error as page_server_error
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("django.request")

SERVER_ERROR = "Something went wrong on the server; it was logged. Try again in a moment."


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "request"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def on_validation(request, exc):
        fields = {
            _field_name(e.get("loc", ())): str(e.get("msg", "invalid")).removeprefix(
                "Value error, "
            )
            for e in exc.errors
        }
        names = ", ".join(fields)
        return api.create_response(
            request, error_body("invalid", f"Check these fields: {names}.", fields), status=422
        )

    @api.exception_handler(DjangoValidationError)
    def on_domain_validation(request, exc):
        if hasattr(exc, "message_dict"):
            fields = {k: " ".join(v) for k, v in exc.message_dict.items()}
        else:
            fields = {"request": " ".join(exc.messages)}
        message = " ".join(f"{k}: {v}" for k, v in fields.items())
        return api.create_response(request, error_body("invalid", message, fields), status=422)

    @api.exception_handler(Http404)
    def on_not_found(request, exc):
        return api.create_response(request, error_body("not_found", "Not found."), status=404)

    @api.exception_handler(PermissionDenied)
    def on_denied(request, exc):
        message = str(exc) or "You may not do this."
        return api.create_response(request, error_body("forbidden", message), status=403)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request, exc):
        return api.create_response(
            request,
            error_body("unauthenticated", "Sign in, or send 'Authorization: Bearer <token>'."),
            status=401,
        )

    @api.exception_handler(HttpError)
    def on_http_error(request, exc):
        return api.create_response(request, error_body("error", str(exc)), status=exc.status_code)

    @api.exception_handler(Exception)
    def on_server_error(request, exc):
        # Logged as Django logs an unhandled error (with the traceback for the operator); the
        # caller gets the one shape and nothing of the internals. A phone retries on 5xx.
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=exc, extra={"request": request}
        )
        return api.create_response(request, error_body("server_error", SERVER_ERROR), status=500)


def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that no route matches: the error shape, not the HTML 404 page."""
    return JsonResponse(error_body("not_found", "No such API path."), status=404)


def server_error(request, *args, **kwargs):
    """Django's handler500: an error outside the API's own handling (in a middleware, say) is
    still answered in the error shape under /api/; pages keep Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", SERVER_ERROR), status=500)
    return page_server_error(request, *args, **kwargs)


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}
ERROR_RESPONSES = {
    "401": "Not signed in: no session and no valid bearer token.",
    "403": "Signed in, but your role may not do this (or two-factor sign-in is unfinished).",
    "404": "No such object, or not one you may see.",
    "422": "Invalid input; `fields` names each problem.",
    "500": "A server error (logged); safe to retry.",
}


def document_errors(schema: dict) -> dict:
    """Add the shared error responses to every operation of an OpenAPI schema (found by
    fuzzing: 401/403/404/422 were returned but undocumented)."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            # Ninja keys the responses it declares by int, these by str: one key per status, or
            # the JSON has the same key twice and Swagger UI refuses the document.
            responses = {
                str(status): value for status, value in operation.get("responses", {}).items()
            }
            operation["responses"] = responses
            if "requestBody" in operation:
                responses.setdefault(
                    "400",
                    {
                        "description": "The body could not be parsed (not valid JSON or form data).",
                        "content": {"application/json": {"schema": ref}},
                    },
                )
            # 404 everywhere: a body can name an object too (a record's visit, for one).
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(
                    status,
                    {"description": description, "content": {"application/json": {"schema": ref}}},
                )
    return schema
