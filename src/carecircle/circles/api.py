from __future__ import annotations

from uuid import UUID

from django.db import transaction
from ninja import Router

from carecircle.audit.services import audit_record
from carecircle.circles.access import access_client, circles_visible_to, clients_visible_to
from carecircle.circles.models import Circle
from carecircle.circles.schemas import CircleOut
from carecircle.people.models import Client
from carecircle.people.permissions import Perm, require
from carecircle.people.schemas import ClientOut

router = Router(tags=["circles"])
# The clients an actor may see follow from circle memberships, so their routes live here; they
# are mounted at the API's root (/clients), as they always were. The operation ids stay those
# published when the routes were the people app's, so generated clients keep working.
clients_router = Router(tags=["people"])


def circle_out(circle: Circle) -> dict:
    return {
        "id": circle.public_id,
        "name": circle.name,
        "organisation": circle.organisation.name,
        "area": circle.area,
    }


@router.get("", response=list[CircleOut])
def list_circles(request):
    require(request.auth, Perm.USE_API)
    return [circle_out(c) for c in circles_visible_to(request.auth).select_related("organisation")]


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


@clients_router.get(
    "/clients", response=list[ClientOut], operation_id="carecircle_people_api_list_clients"
)
def list_clients(request):
    require(request.auth, Perm.USE_API)
    clients = clients_visible_to(request.auth).select_related("circle")
    return [client_out(c) for c in clients]


@clients_router.get(
    "/clients/{client_id}", response=ClientOut, operation_id="carecircle_people_api_get_client"
)
def get_client(request, client_id: UUID):
    require(request.auth, Perm.USE_API)
    client = access_client(request.auth, client_id)
    with transaction.atomic():
        audit_record(
            actor=request.auth, action="read", obj=client, client=client, detail={"via": "api"}
        )
    return client_out(client)
