from __future__ import annotations

from uuid import UUID

from ninja import Schema


class CoverageOut(Schema):
    visits: int
    places: int
    filled: int
    open: int
    percent: int


class CircleOut(Schema):
    id: UUID
    name: str
    organisation: str
    area: str


class CircleDetailOut(CircleOut):
    this_week: CoverageOut
