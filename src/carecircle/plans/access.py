"""Who may do what with a client's care plan, decided by relationship to that client.

Permissions as data: `PLAN_ACTIONS` maps each action to the relationships that allow it. The
client record itself is fetched through people.access (another circle's client is a 404)."""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.circles.access import (
    access_client,
    active_memberships,
    clients_visible_to,
    organisation_circles,
    parse_uuid,
)
from carecircle.circles.models import MembershipRole
from carecircle.people.access import carer_of
from carecircle.people.models import Authority, Representative, Role
from carecircle.people.permissions import roles_of
from carecircle.plans.models import PlanChange, RestrictivePractice


class Rel(StrEnum):
    CLIENT = "client"  # the client themself
    ATTORNEY = "attorney"  # a representative with legal authority (LPA health and welfare, deputy)
    FAMILY = "family"  # a representative without legal authority
    CARER = "carer"  # a carer in the client's circle who may see the client
    TEAM_LEADER = "team_leader"  # a team leader of the client's circle
    ADMIN = "admin"


class PlanAction(StrEnum):
    VIEW = "view"
    PROPOSE = "propose"
    CONSENT_AS_CLIENT = "consent_as_client"
    RECORD_CLIENT_CONSENT = "record_client_consent"
    CONSENT_AS_ATTORNEY = "consent_as_attorney"
    ASSESS_CAPACITY = "assess_capacity"
    BEST_INTERESTS = "best_interests"
    NOTE_RISK = "note_risk"
    ENDORSE = "endorse"
    REJECT = "reject"
    DECLINE = "decline"  # the client or their attorney says no
    MANAGE_RESTRICTIONS = "manage_restrictions"


EVERYONE = frozenset(Rel)
PLAN_ACTIONS: dict[PlanAction, frozenset[Rel]] = {
    PlanAction.VIEW: EVERYONE,
    PlanAction.PROPOSE: EVERYONE,
    PlanAction.CONSENT_AS_CLIENT: frozenset({Rel.CLIENT}),
    PlanAction.RECORD_CLIENT_CONSENT: frozenset({Rel.TEAM_LEADER, Rel.ADMIN}),
    PlanAction.CONSENT_AS_ATTORNEY: frozenset({Rel.ATTORNEY}),
    PlanAction.ASSESS_CAPACITY: frozenset({Rel.TEAM_LEADER, Rel.ADMIN}),
    PlanAction.BEST_INTERESTS: frozenset({Rel.TEAM_LEADER, Rel.ADMIN}),
    PlanAction.NOTE_RISK: frozenset({Rel.CARER, Rel.TEAM_LEADER, Rel.ADMIN}),
    PlanAction.ENDORSE: frozenset({Rel.TEAM_LEADER, Rel.ADMIN}),
    PlanAction.REJECT: frozenset({Rel.TEAM_LEADER, Rel.ADMIN}),
    PlanAction.DECLINE: frozenset({Rel.CLIENT, Rel.ATTORNEY}),
    PlanAction.MANAGE_RESTRICTIONS: frozenset({Rel.TEAM_LEADER, Rel.ADMIN}),
}

ATTORNEY_AUTHORITIES = (Authority.LPA_HEALTH_WELFARE, Authority.DEPUTY)


def relationships(user, client) -> frozenset[Rel]:
    """How `user` stands to `client`. Empty for someone the client is not visible to."""
    cache = getattr(user, "_plan_rels", None)
    if cache is None:
        cache = user._plan_rels = {}
    if client.pk in cache:
        return cache[client.pk]
    rels: set[Rel] = set()
    roles = roles_of(user)
    if Role.ADMIN in roles or user.is_superuser:
        rels.add(Rel.ADMIN)
    if client.user_id is not None and client.user_id == user.id:
        rels.add(Rel.CLIENT)
    for rep in Representative.objects.filter(user=user, client=client):
        today = timezone.localdate()
        if rep.authority in ATTORNEY_AUTHORITIES and (
            rep.valid_from is None or rep.valid_from <= today
        ):
            rels.add(Rel.ATTORNEY)
        else:
            rels.add(Rel.FAMILY)
    if client.circle_id is not None:
        if (
            active_memberships(user, role=MembershipRole.TEAM_LEADER)
            .filter(circle_id=client.circle_id)
            .exists()
        ):
            rels.add(Rel.TEAM_LEADER)
        in_circle = (
            active_memberships(user, role=MembershipRole.CARER)
            .filter(circle_id=client.circle_id)
            .exists()
        )
        if (
            in_circle
            and carer_of(user) is not None
            and clients_visible_to(user).filter(pk=client.pk).exists()
        ):
            rels.add(Rel.CARER)
    result = frozenset(rels)
    cache[client.pk] = result
    return result


def can(user, action: PlanAction, client) -> bool:
    return bool(relationships(user, client) & PLAN_ACTIONS[action])


def require_plan(user, action: PlanAction, client, message: str | None = None) -> None:
    if not can(user, action, client):
        raise PermissionDenied(
            message or _("You may not do this for %(client)s.") % {"client": client}
        )


def access_plan_client(user, client_id):
    """The client whose plan this is: 404 outside the actor's circles, 403 for a role that
    never opens client records (a manager, the safeguarding lead)."""
    return access_client(user, client_id)


def access_change(user, change_id) -> PlanChange:
    """A change, reached through its client: 404 outside the actor's circles, 403 for a role
    that never opens client records."""
    change = (
        PlanChange.objects.filter(public_id=parse_uuid(change_id))
        .select_related(
            "plan__client__circle", "base_version", "pattern", "task", "new_version", "proposed_by"
        )
        .first()
    )
    if change is None:
        raise Http404("No such change.")
    access_client(user, change.plan.client.public_id)
    return change


def restrictions_visible_to(user) -> QuerySet[RestrictivePractice]:
    """The register: team leaders see their circles'; the safeguarding lead their
    organisation's (oversight of restrictive practice is a safeguarding duty); others the
    restrictions of the clients they may see."""
    roles = roles_of(user)
    qs = RestrictivePractice.objects.select_related("client__circle")
    if Role.SAFEGUARDING_LEAD in roles:
        return qs.filter(client__circle__in=organisation_circles(user))
    return qs.filter(client__in=clients_visible_to(user))


def access_restriction(user, restriction_id) -> RestrictivePractice:
    practice = restrictions_visible_to(user).filter(public_id=parse_uuid(restriction_id)).first()
    if practice is None:
        raise Http404("No such restriction.")
    return practice
