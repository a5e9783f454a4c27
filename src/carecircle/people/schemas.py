from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from ninja import Schema


class MeOut(Schema):
    id: UUID
    username: str
    name: str
    role: str
    roles: list[str]


class ClientOut(Schema):
    id: UUID
    name: str
    circle_id: UUID | None
    address: str
    postcode: str
    languages: list[str]
    assessed_weekly_hours: Decimal
