"""`X-Served-By: <host>:<pid>` on every response, when SERVED_BY_HEADER=true: shows which web
process answered (the production-profile test checks that each of several answers). Off by default:
it tells a caller nothing it needs."""

from __future__ import annotations

import os
import socket


class ServedByMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = f"{socket.gethostname()}:{os.getpid()}"

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Served-By"] = self.value
        return response
