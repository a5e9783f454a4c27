from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema


class ChangeOut(Schema):
    id: UUID
    client_id: UUID
    kind: str
    summary: str
    reason: str
    status: str
    proposed_by: str
    proposed_at: datetime
    consent_basis: str
    has_risk_note: bool
    new_version: int | None
    rejection_reason: str


class RestrictionOut(Schema):
    id: UUID
    client_id: UUID
    kind: str
    description: str
    legal_basis: str
    started_on: date
    review_due: date
    overdue: bool
    ended_on: date | None
