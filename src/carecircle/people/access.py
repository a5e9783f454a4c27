"""Which clients an actor may see, decided by relationship.

- a team leader: the clients of the circles they lead;
- a paid carer: the clients of their circles; an informal carer: only the clients they help;
- a client: themself; a representative: the clients they represent;
- an administrator: everyone.
Managers and safeguarding leads see aggregates, not client records (a 403 inside their own
organisation; 404 outside it).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from carecircle.circles.access import active_memberships, parse_uuid
from carecircle.circles.models import MembershipRole
from carecircle.people.models import Carer, Client, Role
from carecircle.people.permissions import Perm, has_perm, roles_of


def clients_visible_to(user) -> QuerySet[Client]:
    if not getattr(user, "is_authenticated", False):
        return Client.objects.none()
    roles = roles_of(user)
    if Role.ADMIN in roles or user.is_superuser:
        return Client.objects.all()
    condition = Q(pk__in=[])
    led = active_memberships(user, role=MembershipRole.TEAM_LEADER).values("circle_id")
    condition |= Q(circle_id__in=led)
    carer = Carer.objects.filter(user=user).first()
    if carer is not None:
        member_of = active_memberships(user, role=MembershipRole.CARER).values("circle_id")
        if carer.is_informal:
            condition |= Q(circle_id__in=member_of, informal_carers=carer)
        else:
            condition |= Q(circle_id__in=member_of)
    condition |= Q(user=user)
    condition |= Q(representatives__user=user)
    return Client.objects.filter(condition).distinct()


def access_client(user, client_id, *, perm: Perm = Perm.VIEW_CLIENT) -> Client:
    public_id = parse_uuid(client_id)
    client = clients_visible_to(user).filter(public_id=public_id).first()
    if client is None:
        same_org = Client.objects.filter(
            public_id=public_id, organisation_id=getattr(user, "organisation_id", None)
        ).exists()
        if same_org and not has_perm(user, perm):
            raise PermissionDenied("Your role does not open client records.")
        raise Http404("No such client.")
    if not has_perm(user, perm):
        raise PermissionDenied("Your role does not allow this.")
    return client


def carer_of(user) -> Carer | None:
    return Carer.objects.filter(user=user).first() if user.is_authenticated else None
