"""What a phone sends when it syncs a visit record, and what it gets back.

Every text is bounded per field, and the record as a whole is bounded after merging (see
services/sync.py): a carer's notes must not grow the database without limit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema

from carecircle.inputs import CleanText, RecordedTime
from carecircle.visits.models import ExpenseKind, Mood, Outcome

# Characters, for one visit record as stored (after merging what every phone sent).
NOTES_MAX = 10_000
OVER_TIME_REASON_MAX = 2_000
REASON_MAX = 300
DOSE_TEXT_MAX = 80
EXPENSE_NOTE_MAX = 200
# Items kept by their own id, so each sync could add more: bounded per record too.
EXPENSES_PER_RECORD_MAX = 50
AS_NEEDED_DOSES_PER_RECORD_MAX = 50


class TaskIn(Schema):
    task_id: int
    done: bool
    reason: CleanText = Field("", max_length=REASON_MAX)
    recorded_at: RecordedTime


class DoseIn(Schema):
    id: UUID
    medicine_id: UUID
    slot: str = Field("", pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^$")
    dose: CleanText = Field("", max_length=DOSE_TEXT_MAX)
    given_at: RecordedTime
    outcome: Outcome
    reason: CleanText = Field("", max_length=REASON_MAX)
    recorded_at: RecordedTime


class ExpenseIn(Schema):
    id: UUID
    amount: Decimal = Field(..., ge=0, le=10000, max_digits=8, decimal_places=2)
    kind: ExpenseKind
    note: CleanText = Field("", max_length=EXPENSE_NOTE_MAX)
    spent_at: RecordedTime
    receipt_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class RecordIn(Schema):
    """A whole record as one phone sees it. `op_id` is new for every send from the phone's
    queue; `record_id` is made once per visit on the phone."""

    op_id: UUID
    record_id: UUID
    visit_id: UUID
    checked_in_at: RecordedTime | None = None
    check_in_lat: float | None = Field(None, ge=-90, le=90)
    check_in_lon: float | None = Field(None, ge=-180, le=180)
    checked_out_at: RecordedTime | None = None
    check_out_lat: float | None = Field(None, ge=-90, le=90)
    check_out_lon: float | None = Field(None, ge=-180, le=180)
    mood: Mood | None = None
    mood_at: RecordedTime | None = None
    notes: CleanText = Field(
        "",
        max_length=NOTES_MAX,
        description=f"At most {NOTES_MAX:,} characters, also once merged with the stored notes "
        "(a merge past it is refused with 422 and changes nothing).",
    )
    # The phone sends back the merged reason it was shown: bounded as the stored one.
    over_time_reason: CleanText = Field(
        "",
        max_length=OVER_TIME_REASON_MAX,
        description=f"At most {OVER_TIME_REASON_MAX:,} characters, also once merged.",
    )
    tasks: list[TaskIn] = Field(default_factory=list, max_length=100)
    doses: list[DoseIn] = Field(
        default_factory=list,
        max_length=100,
        description=f"As-needed doses: at most {AS_NEEDED_DOSES_PER_RECORD_MAX} per record.",
    )
    expenses: list[ExpenseIn] = Field(
        default_factory=list,
        max_length=EXPENSES_PER_RECORD_MAX,
        description=f"At most {EXPENSES_PER_RECORD_MAX} per record.",
    )


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
