"""Safeguarding concerns: anyone signed in may raise one; only the organisation's safeguarding
lead and the person who raised it may see it. The lead moves it through
raised → acknowledged → investigating → closed (with an outcome)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.audit.services import audit_record, audit_snapshot
from carecircle.circles.access import clients_visible_to, parse_uuid
from carecircle.people.models import Carer
from carecircle.rota.models import Visit
from carecircle.safeguarding.access import handles_concerns
from carecircle.safeguarding.models import (
    CONCERN_NEXT,
    Concern,
    ConcernNote,
    ConcernOutcome,
    ConcernStatus,
)


def concern_raise(
    *, actor, summary: str, description: str, client=None, visit=None, now=None
) -> Concern:
    """`client` and `visit` must already have been fetched through the actor's access helpers."""
    errors = {}
    if not (summary or "").strip():
        errors["summary"] = _("Say in a line what the concern is.")
    if not (description or "").strip():
        errors["description"] = _("Describe what happened, when and who was involved.")
    if client is not None and not clients_visible_to(actor).filter(pk=client.pk).exists():
        errors["client"] = _("You cannot raise a concern about this client here.")
    if visit is not None and client is None:
        client = visit.client
    organisation_id = client.organisation_id if client else actor.organisation_id
    if organisation_id is None:
        errors["client"] = _("Choose the client this concern is about.")
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        concern = Concern.objects.create(
            organisation_id=organisation_id,
            raised_by=actor,
            raised_at=now,
            client=client,
            visit=visit,
            summary=summary.strip(),
            description=description.strip(),
        )
        ConcernNote.objects.create(
            concern=concern, at=now, by=actor, status=ConcernStatus.RAISED, text=""
        )
        audit_record(actor=actor, action="concern_raised", obj=concern, client=client)
    return concern


def concern_advance(
    *, actor, concern: Concern, note: str = "", outcome: str = "", carer_id=None, now=None
) -> Concern:
    """Move the concern one step on (the lead only). Closing needs an outcome."""
    if not handles_concerns(actor):
        raise PermissionDenied(_("Only the safeguarding lead moves a concern on."))
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern.pk)
        before = audit_snapshot(concern)
        following = CONCERN_NEXT.get(concern.status)
        if following is None:
            raise ValidationError({"status": _("This concern is closed.")})
        if following == ConcernStatus.CLOSED:
            if outcome not in ConcernOutcome.values:
                raise ValidationError({"outcome": _("Choose the outcome to close the concern.")})
            if not note.strip():
                raise ValidationError({"note": _("Say what was found and done before closing.")})
            concern.outcome = outcome
            concern.closed_at = now or timezone.now()
        if carer_id:
            concern.about_carer = _org_carer(concern, carer_id)
        concern.status = following
        concern.save()
        ConcernNote.objects.create(
            concern=concern, at=now or timezone.now(), by=actor, status=following, text=note
        )
        audit_record(
            actor=actor,
            action="concern_" + following,
            obj=concern,
            client=concern.client,
            before=before,
        )
    return concern


def concern_note_add(
    *, actor, concern: Concern, note: str, carer_id=None, visit_id=None, now=None
) -> Concern:
    """Add to the record without moving the status: the lead, or the raiser adding detail.
    The lead may also link the carer and the visit it is about."""
    if not (note or "").strip() and not carer_id and not visit_id:
        raise ValidationError({"note": _("Write the note first.")})
    if (carer_id or visit_id) and not handles_concerns(actor):
        raise PermissionDenied(_("Only the safeguarding lead links records."))
    with transaction.atomic():
        before = audit_snapshot(concern)
        if carer_id:
            concern.about_carer = _org_carer(concern, carer_id)
        if visit_id:
            concern.visit = _client_visit(concern, visit_id)
        if carer_id or visit_id:
            concern.save(update_fields=["about_carer", "visit"])
        ConcernNote.objects.create(concern=concern, at=now or timezone.now(), by=actor, text=note)
        audit_record(
            actor=actor, action="concern_note", obj=concern, client=concern.client, before=before
        )
    return concern


def _org_carer(concern: Concern, carer_id) -> Carer:
    carer = Carer.objects.filter(
        public_id=parse_uuid(carer_id), organisation_id=concern.organisation_id
    ).first()
    if carer is None:
        raise ValidationError({"carer": _("No such carer in this organisation.")})
    return carer


def concern_visits(concern: Concern):
    """The visits the lead may link: the client's, the last 60 days and the next week."""
    if concern.client_id is None:
        return Visit.objects.none()
    today = timezone.localdate()
    return Visit.objects.filter(
        client_id=concern.client_id,
        date__gte=today - timedelta(days=60),
        date__lte=today + timedelta(days=7),
    ).order_by("-window_start")


def _client_visit(concern: Concern, visit_id) -> Visit:
    visit = concern_visits(concern).filter(public_id=parse_uuid(visit_id)).first()
    if visit is None:
        raise ValidationError({"visit": _("No such visit for this client.")})
    return visit
