from __future__ import annotations

from ninja import Router

from carecircle.people.permissions import roles_of
from carecircle.people.schemas import MeOut

router = Router(tags=["people"])


@router.get("/me", response=MeOut)
def me(request):
    user = request.auth
    return MeOut(
        id=user.public_id,
        username=user.username,
        name=str(user),
        role=user.role,
        roles=sorted(roles_of(user)),
    )
