"""Which circles and clients an actor may open, decided by relationship (circle memberships).
Another circle or client is a 404, never a 403 that leaks it exists.

Clients:
- a team leader: the clients of the circles they lead;
- a paid carer: the clients of their circles; an informal carer: only the clients they help;
- a client: themself; a representative: the clients they represent;
- an administrator: everyone.
Managers and safeguarding leads see aggregates, not client records (a 403 inside their own
organisation; 404 outside it).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from carecircle.circles.models import Circle, Membership, MembershipRole
from carecircle.people.models import Carer, Client, Role
from carecircle.people.permissions import Perm, has_perm, roles_of


def active_memberships(user, *, role: str | None = None) -> QuerySet[Membership]:
    today = timezone.localdate()
    qs = Membership.objects.filter(user=user, starts_on__lte=today).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )
    if role:
        qs = qs.filter(role=role)
    return qs


def circles_visible_to(user) -> QuerySet[Circle]:
    """Circles whose board and detail the actor may see: those they belong to."""
    if not getattr(user, "is_authenticated", False):
        return Circle.objects.none()
    roles = roles_of(user)
    if Role.ADMIN in roles or user.is_superuser:
        return Circle.objects.all()
    condition = Q(id__in=active_memberships(user).values("circle_id"))
    if roles & {Role.MANAGER, Role.SAFEGUARDING_LEAD} and user.organisation_id:
        # They see every circle of their organisation, as figures, not client records.
        condition |= Q(organisation_id=user.organisation_id)
    return Circle.objects.filter(condition)


def led_circles(user) -> QuerySet[Circle]:
    ids = active_memberships(user, role=MembershipRole.TEAM_LEADER).values("circle_id")
    return Circle.objects.filter(id__in=ids)


def organisation_circles(user) -> QuerySet[Circle]:
    if Role.ADMIN in roles_of(user) or user.is_superuser:
        return Circle.objects.all()
    if user.organisation_id is None:
        return Circle.objects.none()
    return Circle.objects.filter(organisation_id=user.organisation_id)


def parse_uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such record.") from None


def access_circle(user, circle_id, *, perm: Perm = Perm.VIEW_CIRCLE_BOARD) -> Circle:
    public_id = parse_uuid(circle_id)
    circle = circles_visible_to(user).filter(public_id=public_id).first()
    if circle is None:
        same_org = Circle.objects.filter(
            public_id=public_id, organisation_id=getattr(user, "organisation_id", None)
        ).exists()
        if same_org and not has_perm(user, perm):
            raise PermissionDenied("Your role does not open circle boards.")
        raise Http404("No such circle.")
    if not has_perm(user, perm):
        raise PermissionDenied("Your role does not allow this.")
    return circle


def leads_a_circle(user) -> bool:
    return active_memberships(user, role=MembershipRole.TEAM_LEADER).exists()


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
