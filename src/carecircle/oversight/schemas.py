from __future__ import annotations

from datetime import date

from ninja import Schema


class ClientEquityOut(Schema):
    name: str
    circle: str
    need_hours: float
    delivered_hours: float
    met: float


class EquityOut(Schema):
    start: date
    end: date
    gini: float
    need_hours: float
    delivered_hours: float
    furthest_below: list[ClientEquityOut]
