"""The records a concern concerns, opened by the safeguarding lead through the concern.

The lead never opens client records in general (`people.access.access_client` refuses them), but
to look into a concern they must see what it is about: its client, the visit and the carer linked
to it. Access is granted through the concern alone — exactly the records linked from an open
concern of the lead's organisation, nothing reached from them — and every opening is audited.
Once a concern is closed its links are history, and the records close again."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from carecircle.audit.reads import audit_read
from carecircle.plans.models import CarePlanVersion, VersionStatus
from carecircle.rota.models import AssignmentStatus, Visit
from carecircle.safeguarding.models import Concern
from carecircle.visits.models import VisitRecord


def _client_of(concern: Concern, record):
    if concern.client is not None:
        return concern.client
    if concern.visit is not None:
        return concern.visit.client
    return getattr(record, "client", None)


def _carer_visits(concern: Concern, carer, client, start, end):
    """The carer's visits that are what the concern is about: their published visits to the
    concern's client around it, and the linked visit. A carer is never a way into the records of
    the other clients they visit; without a client only the linked visit is shown."""
    about = Q(pk=concern.visit_id) if concern.visit_id else Q(pk__in=[])
    if client is not None:
        about |= Q(
            client=client,
            assignments__carer=carer,
            assignments__status=AssignmentStatus.PUBLISHED,
            date__range=(start, end),
        )
    return Visit.objects.filter(about).distinct()


def _visits(qs):
    records = VisitRecord.objects.select_related("carer__user").prefetch_related(
        "tasks__task", "administrations__medicine", "expenses"
    )
    return (
        qs.select_related("client")
        .prefetch_related(
            Prefetch("records", queryset=records),
            "assignments__carer__user",
        )
        .order_by("-window_start")
    )


def _window(concern: Concern):
    """The visits around a concern: the 60 days before it was raised and the week after, the
    same span the lead may link a visit from."""
    day = timezone.localtime(concern.raised_at).date()
    return day - timedelta(days=60), day + timedelta(days=7)


def concern_record_context(*, actor, concern: Concern, kind: str, record) -> dict:
    """What the record page shows, with the read audited."""
    client = _client_of(concern, record)
    context = {"concern": concern, "kind": kind, "record": record, "client": client}
    start, end = _window(concern)
    if kind == "client":
        context["representatives"] = record.representatives.select_related("user")
        context["restrictions"] = record.restrictions.filter(ended_on__isnull=True)
        context["plan"] = (
            CarePlanVersion.objects.filter(plan__client=record, status=VersionStatus.AGREED)
            .prefetch_related("tasks")
            .order_by("-number")
            .first()
        )
        context["visits"] = _visits(Visit.objects.filter(client=record, date__range=(start, end)))
    elif kind == "visit":
        context["visits"] = _visits(Visit.objects.filter(pk=record.pk))
    else:
        context["checks"] = record.checks.order_by("-completed_on")
        context["skills"] = record.skills.order_by("name")
        context["visits"] = _visits(_carer_visits(concern, record, client, start, end))
    context["visits"] = list(context.get("visits", []))
    audit_read(
        actor=actor,
        obj=record,
        client=client,
        view="concern_record",
        concern=str(concern.public_id),
        kind=kind,
    )
    # Whose records were shown: any client beside the one named above gets its own event.
    others = {v.client for v in context["visits"]} - {client}
    for other in sorted(others, key=lambda c: c.pk):
        audit_read(
            actor=actor,
            obj=other,
            client=other,
            view="concern_record",
            concern=str(concern.public_id),
            kind=kind,
        )
    return context
