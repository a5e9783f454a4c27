"""Helpers the self-management services share: who the actor is as a carer, row locks, and
closing what a filled place makes moot."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from carecircle.circles.access import clients_visible_to, parse_uuid
from carecircle.core.timefmt import local_when
from carecircle.notifications.services import notify
from carecircle.people.access import carer_of
from carecircle.people.models import Carer
from carecircle.rota.models import (
    AssignmentStatus,
    CoverOffer,
    OfferStatus,
    Visit,
    VisitStatus,
)
from carecircle.rota.rules import Finding
from carecircle.rota.selectors import carer_circles
from carecircle.rota.signals import place_filled


def _carer(actor) -> Carer:
    carer = carer_of(actor)
    if carer is None:
        raise PermissionDenied("Only carers can do this.")
    return carer


def _lock_carers(*carers: Carer | None) -> None:
    ids = sorted({c.pk for c in carers if c is not None})
    list(Carer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _lock_visit(visit_id) -> Visit:
    visit = (
        Visit.objects.select_for_update()
        .filter(public_id=parse_uuid(visit_id))
        .select_related("circle__organisation", "client")
        .first()
    )
    if visit is None:
        raise ValidationError({"visit": "That visit no longer exists."})
    return visit


def _published(visit: Visit):
    return visit.assignments.filter(status=AssignmentStatus.PUBLISHED).select_related("carer__user")


def _must_be_future(visit: Visit, now) -> None:
    if visit.status != VisitStatus.PLANNED:
        raise ValidationError(
            {"visit": f"This visit is {visit.get_status_display().lower()}; it needs nobody."}
        )
    if (visit.start or visit.window_start) <= now:
        raise ValidationError({"visit": "This visit has already started."})


def _visible_to_carer(carer: Carer, visit: Visit) -> None:
    if not carer_circles(carer).filter(pk=visit.circle_id).exists():
        raise ValidationError({"visit": "This visit is in a circle you are not part of."})
    if not clients_visible_to(carer.user).filter(pk=visit.client_id).exists():
        raise ValidationError({"visit": "You do not care for this client."})


def _rule_error(findings: list[Finding], field: str = "visit") -> ValidationError:
    return ValidationError({field: [f.text for f in findings]})


def _when(visit: Visit) -> str:
    return local_when(visit.start or visit.window_start)


def _notify(user, subject: str, *, url: str = "", body: str = "", urgent: bool = False) -> None:
    notify(user=user, subject=subject, body=body, url=url, urgent=urgent)


def _soon(visit: Visit, now) -> bool:
    return (visit.start or visit.window_start) - now < timedelta(hours=24)


def _place_filled(visit: Visit, *, by: Carer, now) -> None:
    """After someone joins a visit: close offers that are now moot and the ladder's escalation."""
    if _published(visit).count() >= visit.carers_needed:
        CoverOffer.objects.filter(visit=visit, status=OfferStatus.OPEN).exclude(carer=by).update(
            status=OfferStatus.TAKEN, answered_at=now
        )
        names = ", ".join(a.carer.name for a in _published(visit))
        place_filled.send(sender=Visit, visit=visit, resolution=f"Covered by {names}.")


def notify_after_commit(lines: dict, *, subject: str) -> None:
    """One message a person, their lines as its body, pointing to My day; sent on commit."""
    if not lines:
        return
    url = reverse("my_day")

    def send():
        for user, body in lines.items():
            _notify(user, subject, body="\n".join(body), url=url)

    transaction.on_commit(send)
