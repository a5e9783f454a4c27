"""API authentication: the browser's session (with CSRF on writes) or a bearer token. Here, with
the accounts, so that every app's api.py can name its authentication without importing the API
object that mounts it."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from carecircle.people.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """Django's session cookie; ninja checks the CSRF token on unsafe methods."""

    param_name = "sessionid"

    def _get_key(self, request):
        # Only a signed-in session needs its CSRF token checked. Without one the caller is not
        # signed in at all: 401 (as for a missing token), not ninja's 403 "CSRF check failed",
        # which told a phone to give up rather than to sign in again.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None
