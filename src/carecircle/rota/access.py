"""Visits are visible to whoever may see the client."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from carecircle.circles.access import parse_uuid
from carecircle.people.access import clients_visible_to
from carecircle.rota.models import Visit


def visits_visible_to(user) -> QuerySet[Visit]:
    return Visit.objects.filter(client__in=clients_visible_to(user))


def access_visit(user, visit_id) -> Visit:
    visit = visits_visible_to(user).filter(public_id=parse_uuid(visit_id)).first()
    if visit is None:
        raise Http404("No such visit.")
    return visit
