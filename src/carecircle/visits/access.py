"""Who may record a visit and who may read its records.

Writing: a carer with a published assignment to the visit, or a team leader of the visit's
circle. Reading: whoever may see the client (people.access), except that managers and safeguarding
leads see figures, not records. Another circle's visit is a 404, never a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from carecircle.audit.services import audit_record
from carecircle.circles.access import access_client, led_circles, parse_uuid
from carecircle.people.access import carer_of
from carecircle.people.models import Carer
from carecircle.rota.access import visits_visible_to
from carecircle.rota.models import AssignmentStatus, Visit
from carecircle.visits.models import VisitRecord


def leads_visit(user, visit: Visit) -> bool:
    return led_circles(user).filter(pk=visit.circle_id).exists()


def access_visit_for_recording(user, visit_id) -> tuple[Visit, Carer]:
    """The visit and the carer whose record it is, or 404/403.

    A team leader recording for the circle writes into their own record when they also carry a
    carer profile, otherwise into the first assigned carer's record."""
    public_id = parse_uuid(visit_id)
    carer = carer_of(user)
    if carer is not None:
        # The common case, and the one phones hit in bursts: one query decides it.
        assigned = (
            Visit.objects.select_related("client")
            .filter(
                public_id=public_id,
                assignments__carer=carer,
                assignments__status=AssignmentStatus.PUBLISHED,
            )
            .first()
        )
        if assigned is not None:
            return assigned, carer
    visit = (
        visits_visible_to(user)
        .select_related("client", "circle")
        .filter(public_id=public_id)
        .first()
    )
    if visit is None:
        raise Http404("No such visit.")
    if leads_visit(user, visit):
        if carer is None:
            first = (
                visit.assignments.filter(status=AssignmentStatus.PUBLISHED)
                .select_related("carer")
                .first()
            )
            if first is None:
                raise PermissionDenied("Nobody is assigned to this visit yet.")
            carer = first.carer
        return visit, carer
    raise PermissionDenied(
        "Only a carer assigned to this visit, or its team leader, may record it."
    )


def access_record(user, record_id) -> VisitRecord:
    record = (
        VisitRecord.objects.select_related("visit", "client", "carer__user")
        .filter(public_id=parse_uuid(record_id))
        .first()
    )
    if record is None:
        raise Http404("No such record.")
    access_client(user, record.client.public_id)
    return record


def access_record_for_team(user, record_id) -> VisitRecord:
    """A record for the carer who made it, the circle's team leaders and administrators; the
    read is audited (in its own transaction, as the caller only reads)."""
    record = access_record(user, record_id)
    allowed = (
        record.carer.user_id == user.pk or user.is_superuser or leads_visit(user, record.visit)
    )
    if not allowed:
        raise PermissionDenied("Only the carer and the circle's team leaders read visit records.")
    with transaction.atomic():
        audit_record(actor=user, action="visit_record_read", obj=record, client=record.client)
    return record
