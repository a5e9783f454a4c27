from __future__ import annotations

from uuid import UUID

from django.db import transaction
from ninja import Router

from carecircle.audit.services import audit_record
from carecircle.people.access import access_client, clients_visible_to
from carecircle.people.models import Client
from carecircle.people.permissions import Perm, require, roles_of
from carecircle.people.schemas import ClientOut, MeOut

router = Router(tags=["people"])


def client_out(client: Client) -> ClientOut:
    return ClientOut(
        id=client.public_id,
        name=str(client),
        circle_id=client.circle.public_id if client.circle else None,
        address=client.address,
        postcode=client.postcode,
        languages=client.languages,
        assessed_weekly_hours=client.assessed_weekly_hours,
    )


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


@router.get("/clients", response=list[ClientOut])
def list_clients(request):
    require(request.auth, Perm.USE_API)
    clients = clients_visible_to(request.auth).select_related("circle")
    return [client_out(c) for c in clients]


@router.get("/clients/{client_id}", response=ClientOut)
def get_client(request, client_id: UUID):
    require(request.auth, Perm.USE_API)
    client = access_client(request.auth, client_id)
    with transaction.atomic():
        audit_record(
            actor=request.auth, action="read", obj=client, client=client, detail={"via": "api"}
        )
    return client_out(client)
