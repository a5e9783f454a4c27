"""Auditing the reads of client records from pages and API routes.

Every read is recorded with the action "read" (a read action: the event carries no snapshot, so
the audit trail does not become a second copy of the record) and names the page or route in
`detail["view"]`. A page that lists several clients' records writes one event per client shown,
with how many of that client's records it showed, so that searching the trail by client finds
every page that showed them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import transaction

from carecircle.audit.models import AuditEvent
from carecircle.audit.services import audit_record


def audit_read(*, actor, obj, client, view: str, **detail) -> AuditEvent:
    """One record read: `obj` is what was opened, `client` whose record it is."""
    with transaction.atomic():
        return audit_record(
            actor=actor, action="read", obj=obj, client=client, detail={"view": view, **detail}
        )


def audit_listing(*, actor, view: str, clients: Iterable, **detail) -> list[AuditEvent]:
    """A listing read: `clients` holds the client of each row shown (repeats and None allowed).
    One event per distinct client, with the number of its rows shown, in one transaction."""
    shown = Counter(c for c in clients if c is not None)
    events = []
    with transaction.atomic():
        for client in sorted(shown, key=lambda c: c.pk):
            events.append(
                audit_record(
                    actor=actor,
                    action="read",
                    obj=client,
                    client=client,
                    detail={"view": view, "shown": shown[client], **detail},
                )
            )
    return events
