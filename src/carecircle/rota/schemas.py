from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema


class CarerRef(Schema):
    id: UUID
    name: str
    status: str


class VisitOut(Schema):
    id: UUID
    client_id: UUID
    client_name: str
    name: str
    date: date
    window_start: datetime
    window_end: datetime
    start: datetime | None
    duration_minutes: int
    carers_needed: int
    carers: list[CarerRef]
    open_places: int
    status: str
