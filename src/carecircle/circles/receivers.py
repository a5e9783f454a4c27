"""Receivers the circles app connects in CirclesConfig.ready()."""

from __future__ import annotations

from carecircle.circles.access import leads_a_circle
from carecircle.people.security import LEADS_KEY


def remember_circle_leadership(sender, request, user, **kwargs) -> None:
    """On sign-in (the user_logged_in signal): remember that this person leads a circle, so
    people.security.two_factor_required asks them for a second factor like a team leader."""
    if request is not None and hasattr(request, "session") and leads_a_circle(user):
        request.session[LEADS_KEY] = user.pk
