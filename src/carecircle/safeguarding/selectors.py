"""Who sees which part of the audit trail: an administrator all of it, the safeguarding lead their
organisation's clients."""

from __future__ import annotations

from django.db.models import QuerySet

from carecircle.audit.models import AuditEvent
from carecircle.audit.selectors import audit_events
from carecircle.people.models import Client, Role
from carecircle.people.permissions import roles_of


def _sees_everything(user) -> bool:
    return Role.ADMIN in roles_of(user) or user.is_superuser


def audit_events_for(user) -> QuerySet[AuditEvent]:
    return audit_events(organisation_id=user.organisation_id, everything=_sees_everything(user))


def audit_clients_for(user) -> QuerySet[Client]:
    if _sees_everything(user):
        return Client.objects.all()
    return Client.objects.filter(organisation_id=user.organisation_id)
