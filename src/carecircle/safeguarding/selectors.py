from __future__ import annotations

from django.db.models import QuerySet

from carecircle.people.models import Role
from carecircle.people.permissions import roles_of
from carecircle.safeguarding.models import AuditEvent


def audit_events_for(user) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("actor", "client")
    if Role.ADMIN in roles_of(user) or user.is_superuser:
        return qs
    return qs.filter(client__organisation_id=user.organisation_id)
