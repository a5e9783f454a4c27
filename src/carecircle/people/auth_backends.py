"""The password backend with throttling: after LOGIN_THROTTLE_ATTEMPTS failures for a username
from one IP address within LOGIN_THROTTLE_WINDOW_S, further attempts fail without checking the
password. Enforced here so every sign-in form (ours and the admin's) is covered."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from carecircle.people.security import (
    clear_failures,
    is_throttled,
    record_failure,
    throttle_key,
)


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return super().authenticate(request, username, password, **kwargs)
        key = throttle_key(username, request)
        if is_throttled(key):
            if request is not None:
                request.sign_in_throttled = True
            return None
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            record_failure(key)
        else:
            clear_failures(key)
        return user
