"""Who an actor is among the people: their carer record, if any.

Which clients an actor may see is decided by relationship (circle memberships): see
circles.access.clients_visible_to and access_client."""

from __future__ import annotations

from carecircle.people.models import Carer


def carer_of(user) -> Carer | None:
    return Carer.objects.filter(user=user).first() if user.is_authenticated else None
