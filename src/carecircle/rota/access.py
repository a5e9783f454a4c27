"""Rota objects fetched for a person, or a 404: visits through the clients they may see, drafts
through the circle's board, absences and kept time through whose they are."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from carecircle.circles.access import access_circle, clients_visible_to, led_circles, parse_uuid
from carecircle.people.permissions import Perm
from carecircle.rota.models import Absence, KeptTime, RotaDraft, Visit
from carecircle.rota.selectors import carer_circles


def visits_visible_to(user) -> QuerySet[Visit]:
    return Visit.objects.filter(client__in=clients_visible_to(user))


def access_visit(user, visit_id) -> Visit:
    visit = visits_visible_to(user).filter(public_id=parse_uuid(visit_id)).first()
    if visit is None:
        raise Http404("No such visit.")
    return visit


def access_draft(user, draft_id) -> RotaDraft:
    """A draft of a circle whose board the person may see."""
    draft = (
        RotaDraft.objects.select_related("circle").filter(public_id=parse_uuid(draft_id)).first()
    )
    if draft is None:
        raise Http404("No such draft.")
    access_circle(user, draft.circle.public_id, perm=Perm.VIEW_CIRCLE_BOARD)
    return draft


def access_absence(user, absence_id) -> Absence:
    """An absence, for the carer who is away, whoever reported it, and the team leaders of the
    carer's circles."""
    absence = (
        Absence.objects.filter(public_id=parse_uuid(absence_id))
        .select_related("carer__user")
        .first()
    )
    if absence is None or not (
        absence.carer.user_id == user.pk
        or absence.reported_by_id == user.pk
        or led_circles(user).filter(pk__in=carer_circles(absence.carer)).exists()
    ):
        raise Http404("No such absence.")
    return absence


def access_kept_time(user, kept_id) -> KeptTime:
    """Time kept for a carer when a visit was released: theirs alone."""
    kept = (
        KeptTime.objects.filter(public_id=parse_uuid(kept_id), carer__user=user)
        .select_related("visit__client", "visit__circle", "release", "used_for__client")
        .first()
    )
    if kept is None:
        raise Http404("No such time.")
    return kept
