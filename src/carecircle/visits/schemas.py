"""What a phone sends when it syncs a visit record, and what it gets back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema

from carecircle.visits.models import ExpenseKind, Mood, Outcome


class TaskIn(Schema):
    task_id: int
    done: bool
    reason: str = Field("", max_length=300)
    recorded_at: datetime


class DoseIn(Schema):
    id: UUID
    medicine_id: UUID
    slot: str = Field("", pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^$")
    dose: str = Field("", max_length=80)
    given_at: datetime
    outcome: Outcome
    reason: str = Field("", max_length=300)
    recorded_at: datetime


class ExpenseIn(Schema):
    id: UUID
    amount: Decimal = Field(..., ge=0, le=10000, max_digits=8, decimal_places=2)
    kind: ExpenseKind
    note: str = Field("", max_length=200)
    spent_at: datetime
    receipt_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class RecordIn(Schema):
    """A whole record as one phone sees it. `op_id` is new for every send from the phone's
    queue; `record_id` is made once per visit on the phone."""

    op_id: UUID
    record_id: UUID
    visit_id: UUID
    checked_in_at: datetime | None = None
    check_in_lat: float | None = Field(None, ge=-90, le=90)
    check_in_lon: float | None = Field(None, ge=-180, le=180)
    checked_out_at: datetime | None = None
    check_out_lat: float | None = Field(None, ge=-90, le=90)
    check_out_lon: float | None = Field(None, ge=-180, le=180)
    mood: Mood | None = None
    mood_at: datetime | None = None
    notes: str = Field("", max_length=20000)
    # As long as the notes: the phone sends back the merged reason it was shown.
    over_time_reason: str = Field("", max_length=20000)
    tasks: list[TaskIn] = Field(default_factory=list, max_length=100)
    doses: list[DoseIn] = Field(default_factory=list, max_length=100)
    expenses: list[ExpenseIn] = Field(default_factory=list, max_length=50)


class SyncOut(Schema):
    op_id: UUID
    record_id: UUID
    status: str
    duplicate: bool
    revision: int
    warnings: list[dict]
    check_out_refused: bool = Field(
        False,
        description="The check-out sent was not stored (see the warning that refuses it): "
        "keep it on the phone and send it again once the reason is fixed.",
    )
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class ReceiptOut(Schema):
    sha256: str
    content_type: str
    size: int
