"""Permissions as data: what each role may do, in one place.

A permission says a role may use a kind of page or action at all. Which objects it may use it on is
decided by relationship in the `access_*` helpers (the circle is the tenant).
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from carecircle.people.models import Role


class Perm(StrEnum):
    VIEW_MY_DAY = "view_my_day"
    VIEW_CIRCLE_BOARD = "view_circle_board"
    VIEW_CLIENT = "view_client"
    VIEW_TEAM_HOME = "view_team_home"
    VIEW_ORG_HOME = "view_org_home"
    VIEW_AUDIT = "view_audit"
    DRAFT_ROTA = "draft_rota"
    PUBLISH_ROTA = "publish_rota"
    USE_API = "use_api"
    HANDLE_CONCERNS = "handle_concerns"
    VIEW_SIGNALS = "view_signals"
    EXPORT_PERSONAL_DATA = "export_personal_data"


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.CLIENT: frozenset({Perm.VIEW_CLIENT, Perm.USE_API}),
    Role.REPRESENTATIVE: frozenset({Perm.VIEW_CLIENT, Perm.USE_API}),
    Role.CARER: frozenset(
        {Perm.VIEW_MY_DAY, Perm.VIEW_CIRCLE_BOARD, Perm.VIEW_CLIENT, Perm.DRAFT_ROTA, Perm.USE_API}
    ),
    Role.TEAM_LEADER: frozenset(
        {
            Perm.VIEW_TEAM_HOME,
            Perm.VIEW_CIRCLE_BOARD,
            Perm.VIEW_CLIENT,
            Perm.DRAFT_ROTA,
            Perm.PUBLISH_ROTA,
            Perm.VIEW_SIGNALS,
            Perm.USE_API,
        }
    ),
    Role.MANAGER: frozenset({Perm.VIEW_ORG_HOME, Perm.EXPORT_PERSONAL_DATA, Perm.USE_API}),
    Role.SAFEGUARDING_LEAD: frozenset(
        {
            Perm.VIEW_AUDIT,
            Perm.HANDLE_CONCERNS,
            Perm.EXPORT_PERSONAL_DATA,
            Perm.VIEW_SIGNALS,
            Perm.USE_API,
        }
    ),
    Role.ADMIN: frozenset(Perm),
}


def roles_of(user) -> frozenset[str]:
    """The roles a person holds: their main role plus those their relationships give them
    (Sue Clarke is Edna's attorney and also one of her informal carers)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_carecircle_roles", None)
    if cached is not None:
        return cached
    roles = {user.role}
    if hasattr(user, "carer_profile"):
        roles.add(Role.CARER)
    if user.representations.exists():
        roles.add(Role.REPRESENTATIVE)
    if hasattr(user, "client_profile"):
        roles.add(Role.CLIENT)
    result = frozenset(roles)
    user._carecircle_roles = result
    return result


def has_perm(user, perm: Perm) -> bool:
    return any(perm in ROLE_PERMISSIONS.get(role, frozenset()) for role in roles_of(user))


def require(user, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied(f"Your role does not allow this ({perm}).")
