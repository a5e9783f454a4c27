"""Safeguarding objects fetched for a person, or a 404 (whether a concern exists is itself
sensitive, so another organisation's concern is never a 403): concerns for whoever raised them
and the organisation's safeguarding lead, the records a concern links for that lead alone, and a
client's data for export by those whose role exports personal data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from carecircle.circles.access import parse_uuid
from carecircle.people.models import Client, Role
from carecircle.people.permissions import Perm, has_perm, roles_of
from carecircle.safeguarding.models import Concern, ConcernStatus


def handles_concerns(user) -> bool:
    return has_perm(user, Perm.HANDLE_CONCERNS)


def concerns_visible_to(user) -> QuerySet[Concern]:
    if not getattr(user, "is_authenticated", False):
        return Concern.objects.none()
    qs = Concern.objects.select_related("client", "raised_by", "about_carer__user", "visit")
    if Role.ADMIN in roles_of(user) or user.is_superuser:
        return qs
    condition = Q(raised_by=user)
    if handles_concerns(user):
        condition |= Q(organisation_id=user.organisation_id)
    return qs.filter(condition)


def access_concern(user, concern_id) -> Concern:
    concern = concerns_visible_to(user).filter(public_id=parse_uuid(concern_id)).first()
    if concern is None:
        # Whether a concern exists is itself sensitive: a 404, never a 403.
        raise Http404("No such concern.")
    return concern


RECORD_KINDS = ("client", "visit", "carer")


def concern_links(concern: Concern) -> dict:
    """What the concern links to, by kind (None where nothing is linked)."""
    return {"client": concern.client, "visit": concern.visit, "carer": concern.about_carer}


def access_concern_record(user, concern_id, kind: str):
    """(concern, record): 404 for a concern the user may not see or a link it does not have;
    403 for someone who sees the concern (whoever raised it) but does not handle concerns, and
    for a closed concern."""
    if kind not in RECORD_KINDS:
        raise Http404("No such record.")
    concern = access_concern(user, concern_id)
    if not handles_concerns(user):
        raise PermissionDenied(_("Only the safeguarding lead opens records from a concern."))
    if concern.status == ConcernStatus.CLOSED:
        raise PermissionDenied(_("This concern is closed: its records are no longer open to you."))
    record = concern_links(concern)[kind]
    if record is None:
        raise Http404("The concern links no such record.")
    return concern, record


def access_client_for_export(user, client_id) -> Client:
    if not has_perm(user, Perm.EXPORT_PERSONAL_DATA):
        raise PermissionDenied("Your role does not export personal data.")
    clients = Client.objects.all()
    if Role.ADMIN not in roles_of(user) and not user.is_superuser:
        clients = clients.filter(organisation_id=user.organisation_id)
    client = clients.filter(public_id=parse_uuid(client_id)).first()
    if client is None:
        raise Http404("No such client.")
    return client
