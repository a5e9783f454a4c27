"""Two-factor sign-in for the roles that see many clients' records (see people.security).

A signed-in team leader, manager, safeguarding lead or administrator whose session has not yet
passed a code is sent to enrol (first time) or to type a code; the API answers 403 instead of
redirecting. Bearer-token API calls are not affected: the token is issued out of band by an
administrator and is already a separate secret."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from carecircle.people.security import confirmed_device, session_is_verified, two_factor_required

ALLOWED_PREFIXES = ("/static/", "/accounts/two-factor/", "/accounts/logout/", "/health/")


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and two_factor_required(user, request)
            and not session_is_verified(request)
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "two_factor_required",
                            "message": "Finish two-factor sign-in in the browser first.",
                            "fields": {},
                        }
                    },
                    status=403,
                )
            target = "two_factor_verify" if confirmed_device(user) else "two_factor_setup"
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages shown to a signed-in person and every API answer carry client records: no browser
    cache, proxy or shared tablet may keep a copy (the back button after signing out would show
    it). A response that chose its own Cache-Control (the service workers) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
